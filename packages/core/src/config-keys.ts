/**
 * Every configuration key Squall reads, with Storm's names and Storm's defaults unless noted. One table so the CLI,
 * validation, the README and every reader agree: each key's type and default live here and nowhere else.
 *
 * To add a key: add a row (type, default, doc, minimum), read it with `getConfig(conf, key)` in the package's settings
 * file (`engineSettings`, `nimbusSettings`, ...), and, if users set it, add it to the README's table.
 */

/**
 * The type a key's value must have. `ports` is an array of TCP ports; `strings` an array of strings; `json` an object
 * or its JSON text; `env` a map of environment variable names to values (each passed to processes as its string form).
 */
export type ConfigType = 'int' | 'number' | 'boolean' | 'string' | 'ports' | 'strings' | 'env' | 'json';

/** The TypeScript type of a value of each {@link ConfigType}. */
export interface ConfigTypeValues {
  int: number;
  number: number;
  boolean: boolean;
  string: string;
  ports: number[];
  strings: string[];
  env: Record<string, unknown>;
  json: Record<string, unknown> | string;
}

/** Describes one configuration key: `T` its type, `D` the type of its default (`null` when it is unset by default). */
export interface ConfigKey<T extends ConfigType = ConfigType, D = unknown> {
  readonly type: T;
  /** Default value; `null` means "unset" (Storm's `nil`), with the meaning given in `doc`. */
  readonly default: D;
  /** Smallest allowed value for numeric keys. */
  readonly min?: number;
  readonly doc: string;
  /** Accepted (and type-checked) for compatibility with Storm topologies; nothing reads it, as `doc` says. */
  readonly compat?: true;
}

/** A key read by Squall. The default must be of the declared type or `null`: a mismatch is a compile error. */
const k = <T extends ConfigType, D extends ConfigTypeValues[T] | null>(
  type: T,
  def: D,
  doc: string,
  min?: number,
): ConfigKey<T, D> => (min === undefined ? { type, default: def, doc } : { type, default: def, doc, min });

/** A key accepted for compatibility only (see {@link ConfigKey.compat}). */
const compat = <T extends ConfigType, D extends ConfigTypeValues[T] | null>(
  type: T,
  def: D,
  doc: string,
  min?: number,
): ConfigKey<T, D> => ({
  ...k(type, def, doc, min),
  compat: true,
});

/** The known keys. Unknown keys are allowed (components read their own), but known ones are type-checked. */
export const CONFIG_KEYS = {
  'topology.name': k('string', null, 'Topology name; set by submit.'),
  'topology.workers': k('int', 1, 'Worker processes to spread the topology over.', 1),
  'topology.acker.executors': k('int', null, 'Acker executors; unset means one per worker, 0 disables acking.', 0),
  'topology.message.timeout.secs': k(
    'number',
    30,
    'A tracked tuple not fully processed in this time is failed.',
    0.001,
  ),
  'topology.enable.message.timeouts': k('boolean', true, 'Whether tracked tuples time out at all.'),
  'topology.max.spout.pending': k('int', null, 'Max tracked tuples pending per spout task; unset means unlimited.', 1),
  'topology.tick.tuple.freq.secs': k('number', null, 'Send a tick tuple to every bolt task at this period.', 0.001),
  'topology.debug': k('boolean', false, 'Log every emitted tuple.'),
  'topology.error.throttle.interval.secs': k(
    'number',
    10,
    "The interval over which a task's reported errors are counted for topology.max.error.report.per.interval.",
    0.001,
  ),
  'topology.max.error.report.per.interval': k(
    'int',
    5,
    'Errors a task reports to the cluster (and to the error list of `squall local`) per topology.error.throttle.interval.secs; the rest are only logged, with a count.',
    1,
  ),
  'topology.max.task.parallelism': k(
    'int',
    null,
    'Cap on the tasks (and so the executors) of any component; unset means no cap.',
    1,
  ),
  'topology.executor.receive.buffer.size': k(
    'int',
    32768,
    'Bounded inbound queue per executor (tuples); above it spouts pause.',
    1,
  ),
  'topology.transfer.buffer.size': k('int', 1000, 'Tuples per remote batch before it is flushed.', 1),
  'topology.batch.flush.interval.millis': k('number', 1, 'Longest a partial remote batch waits before flushing.', 0),
  'topology.spout.wait.progressive.level1.count': k(
    'int',
    0,
    'Empty nextTuple calls retried at once before yielding.',
    0,
  ),
  // Storm's default, 0: with 10 yielding rounds a spout paced at about one due tuple per scheduler pass never reached
  // the sleep and spun its worker at a full core (README, "The spout wait strategy, 2026-12-04").
  'topology.spout.wait.progressive.level2.count': k(
    'int',
    0,
    'Empty nextTuple rounds that only yield to I/O before sleeping.',
    0,
  ),
  'topology.spout.wait.progressive.level3.sleep.millis': k(
    'number',
    1,
    'Sleep between empty nextTuple calls after level 2.',
    0,
  ),
  'topology.backpressure.wait.progressive.level3.sleep.millis': k(
    'number',
    1,
    'Least time a spout stays paused once backpressure paused it (it resumes when the pressure clears, not before this).',
    0,
  ),
  'topology.shellbolt.max.pending': k('int', 100, 'Max input tuples written to a shell bolt and not yet settled.', 1),
  'topology.shellspout.max.pending': k(
    'int',
    8,
    "Squall: commands (next, ack, ...) written to a shell spout ahead of their sync; 1 is Storm's one at a time.",
    1,
  ),
  'topology.subprocess.timeout.secs': k(
    'number',
    null,
    'Shell component heartbeat timeout; unset uses supervisor.worker.timeout.secs.',
    1,
  ),
  'topology.max.tuple.bytes': k(
    'int',
    8 * 1024 * 1024,
    'Squall: largest encoded tuple a component may emit across workers.',
    1,
  ),
  'topology.environment': k('env', null, 'Extra environment variables for worker and shell processes.'),
  'topology.component.resources.onheap.memory.mb': compat(
    'number',
    128,
    'Accepted for compatibility; not enforced.',
    0,
  ),
  'topology.stats.sample.rate': compat(
    'number',
    0.05,
    'Accepted for compatibility; Squall counts every tuple exactly.',
    0,
  ),
  // Windowed bolts (Storm's BaseWindowedBolt keys). withWindow/withTumblingWindow/withTimestampField/... set these in
  // the bolt's component configuration; the declarative and YAML forms may set them directly.
  'topology.bolts.window.length.count': k('int', null, 'Count window: the last N tuples form the window.', 1),
  'topology.bolts.window.length.duration.ms': k(
    'int',
    null,
    'Duration window: tuples of the last N ms form the window.',
    1,
  ),
  'topology.bolts.window.sliding.interval.count': k(
    'int',
    null,
    'The window fires every N tuples (1 when a length is set without a slide).',
    1,
  ),
  'topology.bolts.window.sliding.interval.duration.ms': k('int', null, 'The window fires every N ms.', 1),
  'topology.bolts.tuple.timestamp.field.name': k(
    'string',
    null,
    "Event time: the input field holding each tuple's timestamp (epoch ms); unset means processing time.",
  ),
  'topology.bolts.tuple.timestamp.extractor': k(
    'boolean',
    null,
    'Squall: set by withTimestampExtractor (the function stays in the code): event time without a field name.',
  ),
  'topology.bolts.tuple.timestamp.max.lag.ms': k(
    'int',
    0,
    'Event time: how far behind the newest timestamp a tuple may arrive; the watermark trails by this much.',
    0,
  ),
  'topology.bolts.watermark.event.interval.ms': k(
    'int',
    1000,
    'Event time: how often a windowed bolt computes its watermark.',
    1,
  ),
  'topology.bolts.late.tuple.stream': k(
    'string',
    null,
    'Event time: stream a tuple older than the last watermark is emitted on (field late_tuple); unset means logged. Either way it is acked.',
  ),
  // Stateful bolts (Storm's IStatefulBolt) and their checkpoints.
  'topology.state.provider': k(
    'string',
    'memory',
    "Where stateful bolts keep their state: 'memory' (lost with the worker, Storm's default) or 'redis'; Storm's provider class names are accepted too.",
  ),
  'topology.state.provider.config': k(
    'json',
    null,
    'JSON settings of the state provider; for redis e.g. {"host":"127.0.0.1","port":6379,"password":"...","database":0,"keyPrefix":"..."} (Storm\'s {"jedisPoolConfig":{...}} form is accepted).',
  ),
  'topology.state.checkpoint.interval.ms': k(
    'int',
    1000,
    'How often the checkpoint spout starts a checkpoint of every stateful bolt, ms.',
    100,
  ),
  'topology.state.guarantee': k(
    'string',
    'at-least-once',
    "Squall: what stateful bolts' state guarantees. 'at-least-once' (Storm's: a replayed input can be counted twice) or 'exactly-once' (aligned checkpoint barriers from replayable spouts; any failure rolls the whole topology back to the last checkpoint and replays from there).",
  ),
  'storm.zookeeper.servers': k('strings', ['localhost'], 'ZooKeeper hosts.'),
  'storm.zookeeper.port': k('int', 2181, 'ZooKeeper port.', 1),
  'storm.zookeeper.root': k('string', '/squall', 'Squall: ZooKeeper root (Storm uses /storm).'),
  'storm.zookeeper.session.timeout': k('int', 20000, 'ZooKeeper session timeout, ms.', 1),
  'storm.zookeeper.connection.timeout': k(
    'int',
    15000,
    'How long one attempt to connect to ZooKeeper waits for the session to open, ms (daemons keep retrying with back-off).',
    1,
  ),
  'storm.zookeeper.auth.secret': k('string', null, 'Squall: digest ACL secret for Squall nodes in ZooKeeper.'),
  'storm.local.dir': k('string', 'squall-local', 'Directory for daemon state (packages, worker dirs).'),
  'nimbus.seeds': k('strings', ['localhost'], 'Nimbus hosts (host or host:port) clients try to find the leader.'),
  'nimbus.port': k('int', 6627, 'Squall: nimbus gRPC port (Storm: nimbus.thrift.port).', 0),
  'nimbus.host': k('string', '127.0.0.1', 'Squall: address nimbus binds and advertises.'),
  'nimbus.auth.token': k('string', null, 'Squall: bearer token required by mutating nimbus RPCs and UI actions.'),
  'squall.cluster.secret': k(
    'string',
    null,
    "Squall: shared secret of the cluster's daemons (nimbus, supervisors, UI): authenticates daemon RPCs and signs assignments.",
  ),
  'squall.tls.ca': k(
    'string',
    null,
    'Squall: PEM CA bundle; when set, every gRPC connection uses TLS and clients verify servers against it.',
  ),
  'squall.tls.cert': k(
    'string',
    null,
    'Squall: PEM server certificate of nimbus, supervisors and workers (with squall.tls.key; needs squall.tls.ca).',
  ),
  'squall.tls.key': k('string', null, 'Squall: PEM private key of squall.tls.cert.'),
  'nimbus.task.timeout.secs': k('number', 30, 'A worker silent this long has its executors reassigned.', 1),
  'nimbus.max.topology.tasks': k(
    'int',
    10000,
    'Squall: most tasks (acker tasks included) nimbus accepts in one topology, at submit and rebalance.',
    1,
  ),
  'nimbus.executors.perTopology': k(
    'int',
    null,
    'Most executors (ackers included) nimbus accepts in one topology; unset means only nimbus.max.topology.tasks bounds them.',
    1,
  ),
  'nimbus.supervisor.timeout.secs': k('number', 60, 'A supervisor silent this long is considered dead.', 1),
  'nimbus.monitor.freq.secs': k('number', 10, 'How often nimbus checks health and reschedules.', 0.1),
  'nimbus.package.max.bytes': k('int', 256 * 1024 * 1024, 'Squall: largest topology package nimbus accepts.', 1),
  'supervisor.package.max.bytes': k(
    'int',
    1024 * 1024 * 1024,
    'Squall: largest a topology package may grow to once a supervisor extracts it.',
    1,
  ),
  'supervisor.slots.ports': k('ports', [6700, 6701, 6702, 6703], 'Worker ports, one slot each.'),
  'supervisor.host': k('string', '127.0.0.1', 'Squall: address this supervisor advertises for its workers.'),
  'supervisor.port': k('int', 0, 'Squall: supervisor gRPC port for its workers (0 picks a free one).', 0),
  'supervisor.worker.timeout.secs': k('number', 30, 'A worker that does not heartbeat this long is restarted.', 1),
  'supervisor.worker.start.timeout.secs': k('number', 120, 'Allowed time for a worker to send its first heartbeat.', 1),
  'supervisor.worker.shutdown.sleep.secs': k('number', 3, 'Time a stopping worker gets to drain before SIGKILL.', 0),
  'supervisor.heartbeat.frequency.secs': k('number', 5, 'How often a supervisor heartbeats to nimbus.', 0.1),
  'supervisor.monitor.frequency.secs': k(
    'number',
    1,
    'How often a supervisor checks its workers and slots (Squall: 1; Storm: 3).',
    0.1,
  ),
  'supervisor.run.worker.as.user': k(
    'boolean',
    null,
    "Run each topology's workers as a uid of its own, so topologies on a supervisor cannot read each other's files; unset: on exactly when the supervisor runs as root (true without root is an error).",
  ),
  'supervisor.worker.uid.range': k(
    'string',
    '2000000000-2000065535',
    'Squall: uids (and gids, the same numbers) a run-as-user supervisor gives its topologies, "first-last"; uids of /etc/passwd and /etc/group entries are skipped.',
  ),
  'worker.childopts': k(
    'string',
    '',
    "Extra Node.js flags for worker processes, space-separated (e.g. --max-old-space-size=2048); the operator's, read from the supervisor's config.",
  ),
  'topology.worker.childopts': k(
    'string',
    '',
    "Extra Node.js flags for this topology's workers, appended after worker.childopts; debugger flags are refused.",
  ),
  'worker.heartbeat.frequency.secs': k('number', 1, 'How often a worker heartbeats to its supervisor.', 0.1),
  'ui.port': k('int', 8080, 'Web UI port.', 0),
  'ui.host': k('string', '127.0.0.1', 'Squall: address the UI binds.'),
  'ui.allowed.hosts': k(
    'strings',
    null,
    'Squall: host names the UI answers to besides loopback ones; unset means any when ui.host is not a loopback address, loopback names only when it is (against DNS rebinding).',
  ),
  'ui.nimbus.timeout.secs': k('number', 10, 'Squall: how long the UI waits for nimbus before answering 502.', 0.1),
  'nimbus.metrics.port': k(
    'int',
    null,
    "Squall: port of nimbus's Prometheus /metrics endpoint on nimbus.host; unset means off, 0 picks a free port.",
    0,
  ),
  // Debugging a running topology (squall tap, debug sampling, set-log-level).
  'topology.tap.buffer.size': k(
    'int',
    2048,
    'Squall: tuples one tap buffers in a worker before it drops (and counts) further ones.',
    1,
  ),
  'topology.tap.max.tuples.per.sec': k(
    'int',
    100,
    'Squall: most tuples per second one tap takes in one worker (after its sampling; the rest are skipped before they are copied and counted as rate-capped), and the most `squall tap --max-rate` may ask for; 0 means no cap.',
    0,
  ),
  'nimbus.tap.max.per.topology': k(
    'int',
    16,
    'Squall: most taps nimbus runs at once on one topology; a further one is refused.',
    1,
  ),
} as const satisfies Record<string, ConfigKey>;

/** Name of a known configuration key. */
export type KnownConfigKey = keyof typeof CONFIG_KEYS;

/** The type `getConfig(conf, key)` returns: the key's declared type, or that or `null` when it is unset by default. */
export type ConfigValue<K extends KnownConfigKey> =
  (typeof CONFIG_KEYS)[K] extends ConfigKey<infer T, infer D>
    ? D extends null
      ? ConfigTypeValues[T] | null
      : ConfigTypeValues[T]
    : never;

/** Keys in seconds (`*.secs`), which {@link configMs} reads as milliseconds. */
export type SecondsConfigKey = { [K in KnownConfigKey]: K extends `${string}.secs` ? K : never }[KnownConfigKey];
