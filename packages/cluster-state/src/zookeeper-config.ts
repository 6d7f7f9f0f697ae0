import fsp from 'node:fs/promises';
import path from 'node:path';

/** The only interface the launched server listens on: a dev/test server must not be reachable from the network. */
export const ZOOKEEPER_HOST = '127.0.0.1';

/** What {@link writeZooKeeperConfig} needs. */
export interface ZooKeeperConfigOptions {
  /** Client port. */
  port: number;
  /** ZooKeeper's tick. @default 500 */
  tickTimeMs?: number;
  /** Largest session timeout a client may negotiate. @default 60000 */
  maxSessionTimeoutMs?: number;
}

/** Writes `<dataDir>/zoo.cfg` for a standalone dev/test server. */
export async function writeZooKeeperConfig(dataDir: string, options: ZooKeeperConfigOptions): Promise<void> {
  const tick = options.tickTimeMs ?? 500;
  const lines = [
    '# Written by Squall: a standalone dev/test server; regenerated on every start.',
    `tickTime=${tick}`,
    `dataDir=${dataDir}`,
    `clientPort=${options.port}`,
    `clientPortAddress=${ZOOKEEPER_HOST}`,
    `minSessionTimeout=${2 * tick}`,
    `maxSessionTimeout=${options.maxSessionTimeoutMs ?? 60_000}`,
    // The admin server would listen on 8080, colliding with anything else (or another test server) there.
    'admin.enableServer=false',
    '4lw.commands.whitelist=*',
    // Tests open many connections from one address; the default cap of 60 would refuse some.
    'maxClientCnxns=0',
    // Dev and test data is disposable: skipping fsync keeps slow CI disks from stretching every write.
    'forceSync=no',
    // Transaction logs are preallocated in 64 MiB steps by default; 4 MiB is plenty for many short-lived servers.
    'preAllocSize=4096',
  ];
  await fsp.writeFile(path.join(dataDir, 'zoo.cfg'), `${lines.join('\n')}\n`);
}
