// Public API of @squall/cluster-state. Stores, sessions and watch internals stay private so they can change freely.
export * from './errors';
export * from './documents';
export { ClusterPaths, DEFAULT_ROOT, decodeSegment, encodeSegment } from './paths';
export { SCHEMA_VERSION, decodeDocument, encodeDocument } from './codec';
export { authCredentials, digestIdentity, squallAcl, type ClusterStateAuth } from './acl';
export { backoffDelay, type RetryOptions } from './backoff';
export type { ClusterState, ClusterStateEvents, ClusterStateOptions } from './cluster-state';
export type { SnapshotListener, Subscription } from './directory-watch';
export type { LeaderCandidate, LeaderCandidateEvents } from './leader-election';
export { ZkClusterState } from './zk-cluster-state';
export { canConnect, findFreePort, fourLetterWord } from './tcp';
export * from './zookeeper-install';
export {
  SYSTEM_INSTALL_LOCK,
  canInstallDebianPackages,
  installDebianPackages,
  type InstallDebianPackagesOptions,
} from './system-packages';
export { ZooKeeperServer, type ZooKeeperServerOptions } from './zookeeper-server';
export { connectFromConfig, zookeeperConnectString } from './connect-from-config';
export { zookeeperSettings, type ZookeeperSettings } from './zookeeper-settings';
