/**
 * Every configuration key Squall reads, with Storm's names and Storm's defaults unless noted. One table so the CLI,
 * validation and the README agree.
 */

/** The type a key's value must have. `ports` is an array of TCP ports; `strings` an array of strings. */
export type ConfigType = 'int' | 'number' | 'boolean' | 'string' | 'ports' | 'strings' | 'any';

/** Describes one configuration key. */
export interface ConfigKey {
  type: ConfigType;
  /** Default value; `null` means "unset" (Storm's `nil`), with the meaning given in `doc`. */
  default: unknown;
  /** Smallest allowed value for numeric keys. */
  min?: number;
  doc: string;
}

const k = (type: ConfigType, def: unknown, doc: string, min?: number): ConfigKey =>
  min === undefined ? { type, default: def, doc } : { type, default: def, doc, min };

/** The known keys. Unknown keys are allowed (components read their own), but known ones are type-checked. */
export const CONFIG_KEYS = {
  'topology.name': k('string', null, 'Topology name; set by submit.'),
  'topology.workers': k('int', 1, 'Worker processes to spread the topology over.', 1),
  'topology.acker.executors': k('int', null, 'Acker executors; unset means one per worker, 0 disables acking.', 0),
  'topology.message.timeout.secs': k('number', 30, 'A tracked tuple not fully processed in this time is failed.', 0.001),
  'topology.enable.message.timeouts': k('boolean', true, 'Whether tracked tuples time out at all.'),
  'topology.max.spout.pending': k('int', null, 'Max tracked tuples pending per spout task; unset means unlimited.', 1),
  'topology.tick.tuple.freq.secs': k('number', null, 'Send a tick tuple to every bolt task at this period.', 0.001),
  'topology.debug': k('boolean', false, 'Log every emitted tuple.'),
  'topology.max.task.parallelism': k('int', null, 'Cap on the tasks (and so the executors) of any component; unset means no cap.', 1),
  'topology.executor.receive.buffer.size': k('int', 32768, 'Bounded inbound queue per executor (tuples); above it spouts pause.', 1),
  'topology.transfer.buffer.size': k('int', 1000, 'Tuples per remote batch before it is flushed.', 1),
  'topology.batch.flush.interval.millis': k('number', 1, 'Longest a partial remote batch waits before flushing.', 0),
  'topology.spout.wait.progressive.level1.count': k('int', 0, 'Empty nextTuple calls retried at once before yielding.', 0),
  'topology.spout.wait.progressive.level2.count': k('int', 10, 'Empty nextTuple rounds that only yield to I/O before sleeping.', 0),
  'topology.spout.wait.progressive.level3.sleep.millis': k('number', 1, 'Sleep between empty nextTuple calls after level 2.', 0),
  'topology.backpressure.wait.progressive.level3.sleep.millis': k('number', 1, 'Sleep of a spout paused by backpressure.', 0),
  'topology.shellbolt.max.pending': k('int', 100, 'Max input tuples written to a shell bolt and not yet settled.', 1),
  'topology.shellspout.max.pending': k('int', 8, 'Squall: commands (next, ack, ...) written to a shell spout ahead of their sync; 1 is Storm\'s one at a time.', 1),
  'topology.subprocess.timeout.secs': k('number', null, 'Shell component heartbeat timeout; unset uses supervisor.worker.timeout.secs.', 1),
  'topology.max.tuple.bytes': k('int', 8 * 1024 * 1024, 'Squall: largest encoded tuple a component may emit across workers.', 1),
  'topology.environment': k('any', null, 'Extra environment variables for worker and shell processes.'),
  'topology.component.resources.onheap.memory.mb': k('number', 128, 'Accepted for compatibility; not enforced.', 0),
  'topology.stats.sample.rate': k('number', 0.05, 'Accepted for compatibility; Squall counts every tuple exactly.', 0),
  'storm.zookeeper.servers': k('strings', ['localhost'], 'ZooKeeper hosts.'),
  'storm.zookeeper.port': k('int', 2181, 'ZooKeeper port.', 1),
  'storm.zookeeper.root': k('string', '/squall', 'Squall: ZooKeeper root (Storm uses /storm).'),
  'storm.zookeeper.session.timeout': k('int', 20000, 'ZooKeeper session timeout, ms.', 1),
  'storm.zookeeper.connection.timeout': k('int', 15000, 'ZooKeeper connection timeout, ms.', 1),
  'storm.zookeeper.auth.secret': k('string', null, 'Squall: digest ACL secret for Squall nodes in ZooKeeper.'),
  'storm.local.dir': k('string', 'squall-local', 'Directory for daemon state (packages, worker dirs).'),
  'nimbus.seeds': k('strings', ['localhost'], 'Nimbus hosts (host or host:port) clients try to find the leader.'),
  'nimbus.port': k('int', 6627, 'Squall: nimbus gRPC port (Storm: nimbus.thrift.port).', 0),
  'nimbus.host': k('string', '127.0.0.1', 'Squall: address nimbus binds and advertises.'),
  'nimbus.auth.token': k('string', null, 'Squall: bearer token required by mutating nimbus RPCs and UI actions.'),
  'squall.cluster.secret': k('string', null, 'Squall: shared secret of the cluster\'s daemons (nimbus, supervisors, UI): authenticates daemon RPCs and signs assignments.'),
  'squall.tls.ca': k('string', null, 'Squall: PEM CA bundle; when set, every gRPC connection uses TLS and clients verify servers against it.'),
  'squall.tls.cert': k('string', null, 'Squall: PEM server certificate of nimbus, supervisors and workers (with squall.tls.key; needs squall.tls.ca).'),
  'squall.tls.key': k('string', null, 'Squall: PEM private key of squall.tls.cert.'),
  'nimbus.task.timeout.secs': k('number', 30, 'A worker silent this long has its executors reassigned.', 1),
  'nimbus.max.topology.tasks': k('int', 10000, 'Squall: most tasks (acker tasks included) nimbus accepts in one topology, at submit and rebalance.', 1),
  'nimbus.executors.perTopology': k('int', null, 'Most executors (ackers included) nimbus accepts in one topology; unset means only nimbus.max.topology.tasks bounds them.', 1),
  'nimbus.supervisor.timeout.secs': k('number', 60, 'A supervisor silent this long is considered dead.', 1),
  'nimbus.monitor.freq.secs': k('number', 10, 'How often nimbus checks health and reschedules.', 0.1),
  'nimbus.package.max.bytes': k('int', 256 * 1024 * 1024, 'Squall: largest topology package nimbus accepts.', 1),
  'supervisor.package.max.bytes': k('int', 1024 * 1024 * 1024, 'Squall: largest a topology package may grow to once a supervisor extracts it.', 1),
  'supervisor.slots.ports': k('ports', [6700, 6701, 6702, 6703], 'Worker ports, one slot each.'),
  'supervisor.host': k('string', '127.0.0.1', 'Squall: address this supervisor advertises for its workers.'),
  'supervisor.port': k('int', 0, 'Squall: supervisor gRPC port for its workers (0 picks a free one).', 0),
  'supervisor.worker.timeout.secs': k('number', 30, 'A worker that does not heartbeat this long is restarted.', 1),
  'supervisor.worker.start.timeout.secs': k('number', 120, 'Allowed time for a worker to send its first heartbeat.', 1),
  'supervisor.worker.shutdown.sleep.secs': k('number', 3, 'Time a stopping worker gets to drain before SIGKILL.', 0),
  'supervisor.heartbeat.frequency.secs': k('number', 5, 'How often a supervisor heartbeats to nimbus.', 0.1),
  'supervisor.monitor.frequency.secs': k('number', 3, 'How often a supervisor checks its workers.', 0.1),
  'worker.childopts': k('string', '', 'Extra Node.js flags for worker processes, space-separated (e.g. --max-old-space-size=2048); the operator\'s, read from the supervisor\'s config.'),
  'topology.worker.childopts': k('string', '', 'Extra Node.js flags for this topology\'s workers, appended after worker.childopts; debugger flags are refused.'),
  'worker.heartbeat.frequency.secs': k('number', 1, 'How often a worker heartbeats to its supervisor.', 0.1),
  'ui.port': k('int', 8080, 'Web UI port.', 0),
  'ui.host': k('string', '127.0.0.1', 'Squall: address the UI binds.'),
  'ui.allowed.hosts': k('strings', null, 'Squall: host names the UI answers to besides loopback ones; unset means any when ui.host is not a loopback address, loopback names only when it is (against DNS rebinding).'),
  'ui.nimbus.timeout.secs': k('number', 10, 'Squall: how long the UI waits for nimbus before answering 502.', 0.1),
  'nimbus.metrics.port': k('int', null, 'Squall: port of nimbus\'s Prometheus /metrics endpoint on nimbus.host; unset means off, 0 picks a free port.', 0),
} as const satisfies Record<string, ConfigKey>;

/** Name of a known configuration key. */
export type KnownConfigKey = keyof typeof CONFIG_KEYS;
