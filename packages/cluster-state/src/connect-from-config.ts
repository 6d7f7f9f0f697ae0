import type { Logger } from 'pino';
import type { ClusterState } from './cluster-state';
import { ZkClusterState } from './zk-cluster-state';

/**
 * "host:port,..." from Storm's `storm.zookeeper.servers` and `storm.zookeeper.port` (a server may carry its own port).
 * @default servers ['localhost'], port 2181
 */
export function zookeeperConnectString(conf: Record<string, unknown>): string {
  const servers = Array.isArray(conf['storm.zookeeper.servers']) ? (conf['storm.zookeeper.servers'] as string[]) : ['localhost'];
  const port = typeof conf['storm.zookeeper.port'] === 'number' ? conf['storm.zookeeper.port'] : 2181;
  return servers.map((s) => (s.includes(':') ? s : `${s}:${port}`)).join(',');
}

/**
 * Connects a daemon to the cluster state using Storm's config keys (`storm.zookeeper.*`, with
 * `storm.zookeeper.auth.secret` turning on digest ACLs); waits for ZooKeeper with backoff.
 */
export function connectFromConfig(conf: Record<string, unknown>, logger: Logger): Promise<ClusterState> {
  const secret = conf['storm.zookeeper.auth.secret'];
  const root = conf['storm.zookeeper.root'];
  const session = conf['storm.zookeeper.session.timeout'];
  return ZkClusterState.create({
    connectString: zookeeperConnectString(conf),
    ...(typeof root === 'string' ? { root } : {}),
    ...(typeof session === 'number' ? { sessionTimeoutMs: session } : {}),
    logger,
    ...(typeof secret === 'string' ? { auth: { scheme: 'digest' as const, secret } } : {}),
  });
}
