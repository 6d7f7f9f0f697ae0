import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Ports handed out for servers that start a moment later (tests, `squall dev-cluster`).
 *
 * Binding port 0 and closing is not enough: the kernel hands the same ephemeral ports to every `bind(0)` and to the
 * source side of every outgoing connection, so between the pick and the server's own bind another process (a parallel
 * test, a client socket) can take the port, and the server either dies with "address in use" or, worse, a test talks
 * to someone else's server on it. So ports come from below the kernel's ephemeral range, where it never assigns any,
 * and each one is claimed with a file naming the claiming pid, so parallel processes of the same user never get the
 * same port while the claimer lives. Where the range cannot be read, or is too low to leave room, it falls back to
 * `bind(0)`.
 */

const SPAN = 12000;
const CLAIM_MAX_AGE_MS = 6 * 3600_000;
const handedOut = new Set<number>();

/**
 * Returns a TCP port free on `host` that no other live process of this user has been handed by this function.
 * @default host `127.0.0.1`
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const range = privateRange();
  if (range) {
    const [low, high] = range;
    const size = high - low + 1;
    const start = Math.floor(Math.random() * size);
    for (let i = 0; i < size; i++) {
      const port = low + ((start + i) % size);
      if (handedOut.has(port) || !claim(port)) continue;
      handedOut.add(port);
      if (await canBind(host, port)) return port;
    }
  }
  return bindAnyPort(host);
}

/** [low, high] below the kernel's ephemeral range, or undefined where it cannot be read or leaves too little room. */
function privateRange(): [number, number] | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return undefined;
  }
  const low = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isInteger(low) || low - 1 - 10000 < 1000) return undefined;
  return [Math.max(10000, low - SPAN), low - 1];
}

function claimDir(): string | undefined {
  const dir = path.join(tmpdir(), `squall-ports-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  } catch {
    return undefined;
  }
}

/** Claims `port` for this process; false when a live process claimed it. Without a usable claim dir, claims all. */
function claim(port: number): boolean {
  const dir = claimDir();
  if (!dir) return true;
  const file = path.join(dir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      releaseClaimsOnExit(dir);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return true;
    }
    if (!staleClaim(file)) return false;
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
  }
  return false;
}

let releasing = false;
/** Removes this process's claim files when it exits (a killed process's claims go stale and are taken over). */
function releaseClaimsOnExit(dir: string): void {
  if (releasing) return;
  releasing = true;
  process.once('exit', () => {
    for (const port of handedOut) {
      const file = path.join(dir, String(port));
      try {
        if (Number(readFileSync(file, 'utf8')) === process.pid) unlinkSync(file);
      } catch {
        // already gone or taken over
      }
    }
  });
}

function staleClaim(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid === process.pid) return false;
    if (Date.now() - statSync(file).mtimeMs > CLAIM_MAX_AGE_MS) return true;
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH' || (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function bindAnyPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error(`could not read the port bound on ${host}`))));
    });
  });
}
