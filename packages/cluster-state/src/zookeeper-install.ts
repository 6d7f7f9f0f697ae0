import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ZooKeeperNotInstalledError } from './errors';
import { canInstallDebianPackages, installDebianPackages, SYSTEM_INSTALL_LOCK } from './system-packages';

/** Where Debian's `zookeeper` package puts its jars; `zookeeper.jar`'s manifest lists its dependencies there. */
export const DEBIAN_JAVA_DIR = '/usr/share/java';

/** Debian's `zookeeper` package home (scripts only). */
export const DEBIAN_ZOOKEEPER_HOME = '/usr/share/zookeeper';

/** The environment variable naming a ZooKeeper install (an unpacked Apache tarball, or a Debian-like tree). */
export const ZOOKEEPER_HOME_ENV = 'SQUALL_ZOOKEEPER_HOME';

const INSTALL_HINT =
  'run `sudo apt-get install -y zookeeper` (Debian/Ubuntu) or set SQUALL_ZOOKEEPER_HOME to an unpacked Apache ZooKeeper';

/** A ZooKeeper installation usable to run a server: the class path to give `java -cp`. */
export interface ZooKeeperInstall {
  /** Where it was found: the configured home, or {@link DEBIAN_JAVA_DIR}. */
  readonly home: string;
  /** Jars (and config directories) in class-path order. */
  readonly classpath: readonly string[];
}

/** Options of {@link findZooKeeperInstall} and {@link ensureZooKeeperInstalled}. */
export interface ZooKeeperInstallOptions {
  /**
   * An explicit install directory. When set (here or by env), nothing else is searched and nothing is installed: a
   * wrong setting should fail loudly rather than silently run another ZooKeeper.
   * @default `process.env.SQUALL_ZOOKEEPER_HOME`
   */
  home?: string;
  /** Directory of Debian's jars. @default {@link DEBIAN_JAVA_DIR} */
  debianJavaDir?: string;
  /**
   * Whether to `apt-get install` ZooKeeper when it is missing, no home is configured and we run as root.
   * @default true
   */
  autoInstall?: boolean;
  /** Receives one line per install step. */
  logger?: Logger;
}

function jarsIn(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.jar'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

function fromDebianLayout(javaDir: string): string[] | null {
  const main = path.join(javaDir, 'zookeeper.jar');
  if (!fs.existsSync(main)) return null;
  // Debian ships no SLF4J binding on ZooKeeper's manifest class path, so without one the server logs nothing at all;
  // slf4j-simple writes to stderr, which the launcher captures into the data directory.
  const binding = path.join(javaDir, 'slf4j-simple.jar');
  return fs.existsSync(binding) ? [main, binding] : [main];
}

function fromHome(home: string, debianJavaDir: string): string[] | null {
  const lib = jarsIn(path.join(home, 'lib'));
  if (lib.some((jar) => /\/zookeeper-\d[^/]*\.jar$/.test(jar))) {
    const conf = path.join(home, 'conf');
    return fs.existsSync(conf) ? [conf, ...lib] : lib;
  }
  const shareJava = fromDebianLayout(path.join(home, 'share', 'java'));
  if (shareJava) return shareJava;
  // Debian's own home holds only scripts; its jars live in /usr/share/java.
  return path.resolve(home) === DEBIAN_ZOOKEEPER_HOME ? fromDebianLayout(debianJavaDir) : null;
}

/**
 * Finds a ZooKeeper installation without installing anything. With a home configured, looks for an Apache tarball
 * layout (`lib/zookeeper-<version>.jar`), a Debian-like `share/java/zookeeper.jar` under it, or — when the home is
 * Debian's `/usr/share/zookeeper` — Debian's jars. Without one, looks for Debian's jars. Returns `null` if not found.
 */
export function findZooKeeperInstall(options: ZooKeeperInstallOptions = {}): ZooKeeperInstall | null {
  const debianJavaDir = options.debianJavaDir ?? DEBIAN_JAVA_DIR;
  const home = options.home ?? process.env[ZOOKEEPER_HOME_ENV];
  if (home) {
    const classpath = fromHome(home, debianJavaDir);
    return classpath ? { home, classpath } : null;
  }
  const classpath = fromDebianLayout(debianJavaDir);
  return classpath ? { home: debianJavaDir, classpath } : null;
}

/**
 * Finds ZooKeeper and, if it is missing, no home is configured and the process runs as root, installs Debian's
 * package with {@link installDebianPackages} (under the install lock, so concurrent starts install it once). Throws
 * {@link ZooKeeperNotInstalledError} with a one-line instruction otherwise.
 */
export async function ensureZooKeeperInstalled(options: ZooKeeperInstallOptions = {}): Promise<ZooKeeperInstall> {
  const found = findZooKeeperInstall(options);
  if (found) return found;
  const home = options.home ?? process.env[ZOOKEEPER_HOME_ENV];
  if (home) {
    throw new ZooKeeperNotInstalledError(
      `ZooKeeper is not installed at ${home} (no lib/zookeeper-<version>.jar): fix ${ZOOKEEPER_HOME_ENV} or unset it`,
    );
  }
  if (options.autoInstall === false || !canInstallDebianPackages()) {
    throw new ZooKeeperNotInstalledError(`ZooKeeper is not installed: ${INSTALL_HINT}`);
  }
  try {
    options.logger?.info(`ZooKeeper is not installed; apt-get install -y zookeeper (under ${SYSTEM_INSTALL_LOCK})`);
    await installDebianPackages(['zookeeper']);
  } catch (error) {
    throw new ZooKeeperNotInstalledError(
      `ZooKeeper is not installed and installing it failed (${(error as Error).message}): ${INSTALL_HINT}`,
      { cause: error },
    );
  }
  const installed = findZooKeeperInstall(options);
  if (!installed) throw new ZooKeeperNotInstalledError(`ZooKeeper is not installed: ${INSTALL_HINT}`);
  return installed;
}

/**
 * Resolves the `java` executable: `JAVA_HOME/bin/java`, else the first `java` on `PATH`. Throws
 * {@link ZooKeeperNotInstalledError} if there is none, since ZooKeeper cannot run without it.
 */
export function findJava(javaPath?: string): string {
  if (javaPath) return javaPath;
  const candidates: string[] = [];
  if (process.env.JAVA_HOME) candidates.push(path.join(process.env.JAVA_HOME, 'bin', 'java'));
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    if (dir) candidates.push(path.join(dir, 'java'));
  }
  const found = candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) {
    throw new ZooKeeperNotInstalledError(
      'Java is not installed (ZooKeeper needs it): run `sudo apt-get install -y default-jre-headless` or set JAVA_HOME',
    );
  }
  return found;
}
