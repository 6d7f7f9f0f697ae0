import { getConfig, secretOf, type Config } from '@squall/core';

/** How a daemon reaches ZooKeeper, parsed once from the `storm.zookeeper.*` keys. */
export interface ZookeeperSettings {
  /** "host:port,..." from `storm.zookeeper.servers` and `storm.zookeeper.port` (a server may carry its own port). */
  connectString: string;
  /** `storm.zookeeper.root`. */
  root: string;
  /** `storm.zookeeper.session.timeout`, ms. */
  sessionTimeoutMs: number;
  /** `storm.zookeeper.connection.timeout`: how long one connection attempt waits, ms. */
  connectionTimeoutMs: number;
  /** `storm.zookeeper.auth.secret`: turns on digest ACLs when set. */
  authSecret: string | undefined;
}

/**
 * The ZooKeeper settings of `conf`, defaults from the key table.
 * @throws InvalidConfigError naming the key when a value has the wrong type
 */
export function zookeeperSettings(conf: Config): ZookeeperSettings {
  const port = getConfig(conf, 'storm.zookeeper.port');
  return {
    connectString: getConfig(conf, 'storm.zookeeper.servers')
      .map((s) => (s.includes(':') ? s : `${s}:${port}`))
      .join(','),
    root: getConfig(conf, 'storm.zookeeper.root'),
    sessionTimeoutMs: getConfig(conf, 'storm.zookeeper.session.timeout'),
    connectionTimeoutMs: getConfig(conf, 'storm.zookeeper.connection.timeout'),
    authSecret: secretOf(conf, 'storm.zookeeper.auth.secret'),
  };
}
