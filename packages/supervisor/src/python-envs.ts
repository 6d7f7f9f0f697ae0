import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { Logger } from '@squall/core';
import type { CachedPackage } from './package-cache';
import { grantTree, unreachableForOthers, type WorkerUser } from './worker-user';

/** A package's `manifest.json` `python` entry (written by `squall submit` for a project with requirements). */
interface PythonManifest {
  requirements: string;
  wheels: string;
  hash: string;
}

/** Marks a finished environment; a directory without it is a broken attempt and is rebuilt. */
const READY_MARKER = '.squall-ready';

function run(argv: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => out.push(b));
    child.on('error', (err) => resolve({ code: -1, output: `cannot run ${argv[0]}: ${err.message}` }));
    child.on('close', (code) => resolve({ code, output: Buffer.concat(out).toString('utf8') }));
  });
}

/**
 * Per-topology Python virtualenvs on a supervisor: a package whose manifest has a `python` entry carries wheels
 * resolved at submit; before the topology's first worker starts here, they are installed OFFLINE
 * (`pip install --no-index --find-links`) into `<dir>/<topologyId>/<hash>/`, which all the topology's workers on this
 * supervisor share (their children find its `python3` and scripts first on PATH). Reused while the hash is the same
 * (a re-downloaded package, a supervisor restart); removed once the topology is gone from this supervisor.
 */
export class PythonEnvironments {
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    readonly dir: string,
    private readonly log: Logger,
    /** Python that creates the environments: `SQUALL_PYTHON`, else `python3`. */
    private readonly python = process.env.SQUALL_PYTHON || 'python3',
    /**
     * The OS user of a topology's workers (run-as-user): its environment is then root:gid, read-only (0750/0640),
     * under a dir other users can only traverse. Undefined: the supervisor's user owns everything.
     */
    private readonly owner?: (topologyId: string) => WorkerUser | undefined,
  ) {}

  private manifestOf(pkg: CachedPackage): PythonManifest | undefined {
    const python = pkg.manifest.python as PythonManifest | undefined;
    return python && typeof python.hash === 'string' ? python : undefined;
  }

  private venvOf(pkg: CachedPackage, m: PythonManifest): string {
    return path.join(this.dir, pkg.topology.topologyId, m.hash.slice(0, 16));
  }

  /** Whether the package's workers can start: it needs no environment, or its environment is installed. */
  ready(pkg: CachedPackage): boolean {
    const m = this.manifestOf(pkg);
    return !m || existsSync(path.join(this.venvOf(pkg, m), READY_MARKER));
  }

  /** Environment variables for the package's workers (their shell children inherit them); empty without one. */
  environment(pkg: CachedPackage): Record<string, string> {
    const m = this.manifestOf(pkg);
    if (!m) return {};
    const venv = this.venvOf(pkg, m);
    const user = this.owner?.(pkg.topology.topologyId);
    // An environment installed before run-as-user was on (or by an older supervisor) is handed over here.
    if (user && existsSync(venv) && statSync(venv).gid !== user.gid) {
      chmodSync(this.dir, 0o711);
      grantTree(venv, user.gid);
      chownSync(path.dirname(venv), 0, user.gid);
      chmodSync(path.dirname(venv), 0o750);
    }
    return { VIRTUAL_ENV: venv, PATH: [path.join(venv, 'bin'), process.env.PATH].filter(Boolean).join(path.delimiter) };
  }

  /**
   * Creates and fills the package's environment if it has none yet (one attempt at a time per environment).
   * @throws Error with pip's reason when the wheels do not install (the caller retries with backoff)
   */
  prepare(pkg: CachedPackage): Promise<void> {
    const m = this.manifestOf(pkg);
    if (!m || this.ready(pkg)) return Promise.resolve();
    const venv = this.venvOf(pkg, m);
    let p = this.inflight.get(venv);
    if (!p) {
      p = this.install(pkg, m, venv).finally(() => this.inflight.delete(venv));
      this.inflight.set(venv, p);
    }
    return p;
  }

  private async install(pkg: CachedPackage, m: PythonManifest, venv: string): Promise<void> {
    const started = Date.now();
    const topologyId = pkg.topology.topologyId;
    rmSync(venv, { recursive: true, force: true });
    mkdirSync(path.dirname(venv), { recursive: true, mode: 0o700 });
    const user = this.owner?.(topologyId);
    if (user) chmodSync(this.dir, 0o711);
    // A virtualenv without its own pip is made in well under a second; this Python's pip (22.3+) fills it. An older
    // pip gets the slower way: a virtualenv with pip, which installs into itself.
    const wheels = path.join(pkg.dir, m.wheels);
    const requirements = path.join(pkg.dir, m.requirements);
    const pipArgs = [
      'install',
      '--disable-pip-version-check',
      '--no-index',
      '--find-links',
      wheels,
      '-r',
      requirements,
    ];
    const python = user ? this.pythonForUsers() : this.python;
    let created = await run([python, '-m', 'venv', '--without-pip', venv], pkg.dir);
    if (created.code !== 0)
      throw new Error(`cannot create the Python virtualenv of ${topologyId} with ${python}: ${created.output.trim()}`);
    let installed = await run([python, '-m', 'pip', '--python', path.join(venv, 'bin', 'python'), ...pipArgs], pkg.dir);
    if (installed.code !== 0 && /no such option: --python/.test(installed.output)) {
      rmSync(venv, { recursive: true, force: true });
      created = await run([python, '-m', 'venv', venv], pkg.dir);
      if (created.code !== 0)
        throw new Error(
          `cannot create the Python virtualenv of ${topologyId} with ${python}: ${created.output.trim()}`,
        );
      installed = await run([path.join(venv, 'bin', 'python'), '-m', 'pip', ...pipArgs], pkg.dir);
    }
    if (installed.code !== 0) {
      rmSync(venv, { recursive: true, force: true });
      const errors = installed.output.split('\n').filter((l) => l.startsWith('ERROR:'));
      throw new Error(
        `installing the Python requirements of ${topologyId} failed: ${(errors.length > 0 ? errors : [installed.output.trim()]).join(' | ')}`,
      );
    }
    writeFileSync(path.join(venv, READY_MARKER), '');
    if (user) {
      // Written by root, read (never changed) by the topology's workers; no other topology can list or read it.
      grantTree(venv, user.gid);
      chownSync(path.dirname(venv), 0, user.gid);
      chmodSync(path.dirname(venv), 0o750);
    }
    this.log.info(
      { topology: topologyId, venv, ms: Date.now() - started },
      `installed the Python requirements of ${topologyId} into ${venv}`,
    );
  }

  private chosenForUsers: string | undefined;

  /**
   * The Python to build environments with when workers run as their own users: a virtualenv's `python` links to the
   * interpreter that made it, so that interpreter must be reachable by other users. The configured one if it is, else
   * the first `python3` on PATH that is (a pyenv Python under root's 0700 home is not), said once in the log.
   * @throws Error when no Python on PATH is reachable by other users
   */
  private pythonForUsers(): string {
    if (this.chosenForUsers) return this.chosenForUsers;
    const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
    const find = (name: string) =>
      (name.includes('/') ? [name] : dirs.map((d) => path.join(d, name))).filter((c) => existsSync(c));
    const reachable = (c: string) => {
      try {
        return unreachableForOthers([realpathSync(c)]) === undefined && (statSync(realpathSync(c)).mode & 0o001) !== 0;
      } catch {
        return false;
      }
    };
    const configured = find(this.python)[0];
    const chosen = configured && reachable(configured) ? configured : [...find('python3')].find(reachable);
    if (!chosen)
      throw new Error(
        `no Python reachable by the topologies' users: ${this.python} is not (a directory on its way is closed to others); set SQUALL_PYTHON to one that is`,
      );
    if (chosen !== configured)
      this.log.warn(
        { python: chosen, configured: configured ?? this.python },
        `virtualenvs are made with ${chosen}: ${configured ?? this.python} is not reachable by the topologies' users`,
      );
    this.chosenForUsers = chosen;
    return chosen;
  }

  /** Removes the environments of topologies not in `keep` (and not being installed). */
  prune(keep: ReadonlySet<string>): void {
    if (!existsSync(this.dir)) return;
    for (const topologyId of readdirSync(this.dir)) {
      if (keep.has(topologyId)) continue;
      const dir = path.join(this.dir, topologyId);
      if ([...this.inflight.keys()].some((v) => v.startsWith(dir + path.sep))) continue;
      rmSync(dir, { recursive: true, force: true });
      this.log.info({ topology: topologyId }, `removed the Python virtualenv of ${topologyId}`);
    }
  }
}
