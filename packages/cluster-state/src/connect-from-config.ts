import type { Config } from '@squall/core';
import type { Logger } from 'pino';
import type { ClusterState } from './cluster-state';
import { ZkClusterState } from './zk-cluster-state';
import { zookeeperSettings } from './zookeeper-settings';

/**
 * "host:port,..." from Storm's `storm.zookeeper.servers` and `storm.zookeeper.port` (a server may carry its own port).
 * @default servers ['localhost'], port 2181
 */
export function zookeeperConnectString(conf: Config): string {
  return zookeeperSettings(conf).connectString;
}

/**
 * Connects a daemon to the cluster state using Storm's config keys (`storm.zookeeper.*`, with
 * `storm.zookeeper.auth.secret` turning on digest ACLs); waits for ZooKeeper with backoff, each attempt up to
 * `storm.zookeeper.connection.timeout`.
 */
export function connectFromConfig(conf: Config, logger: Logger): Promise<ClusterState> {
  const zk = zookeeperSettings(conf);
  return ZkClusterState.create({
    connectString: zk.connectString,
    root: zk.root,
    sessionTimeoutMs: zk.sessionTimeoutMs,
    attemptTimeoutMs: zk.connectionTimeoutMs,
    logger,
    ...(zk.authSecret !== undefined ? { auth: { scheme: 'digest' as const, secret: zk.authSecret } } : {}),
  });
}
