import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { RedisServer, RedisStateProvider } from '@squall/state';
import { expectedWordCounts, idKey } from '../fixtures/chaos-stateful-wordcount';
import { ledgerIds } from '../fixtures/chaos-topology';
import { ROOT, TestCluster, eventually, listProcesses, type Daemon } from '../harness/test-cluster';

/** Options of {@link runStatefulChaos}. */
export interface StatefulChaosOptions {
  /** N: tracked words (message ids 0..N-1). */
  words: number;
  /** Distinct words: each is expected about N / vocabulary times. */
  vocabulary: number;
  /** Seconds over which the spout spreads its first emits, so the faults hit a running topology. */
  seconds: number;
  /** How long Redis stays stopped before `restart()`. */
  redisDownSeconds: number;
  /** `topology.state.guarantee` of the run (default at-least-once). */
  guarantee?: 'at-least-once' | 'exactly-once';
  /** Receives progress and result lines. */
  log: (line: string) => void;
}

/** What a stateful chaos run measured. Times are ms. */
export interface StatefulChaosResult {
  /** N, the sum of the expected counts. */
  expected: number;
  /** Sum of the committed word counts read from Redis. */
  counted: number;
  /** Sum over words of max(0, counted - expected). */
  duplicated: number;
  /** Sum over words of max(0, expected - counted). */
  lost: number;
  /** Distinct ids 0..N-1 the spout saw acked. */
  acked: number;
  /** Ids emitted more than once: emits minus distinct ids emitted (fail replays and a restarted spout's re-emits). */
  replayed: number;
  /** Fail events the spout recorded. */
  failEvents: number;
  /** Per message id in the committed state: ids counted 0 times, ids counted more than once, and their extra counts. */
  idsMissing: number;
  idsCountedMoreThanOnce: number;
  idExtraCounts: number;
  /** Count tasks whose state was found in Redis (should be the count bolt's parallelism). */
  countNamespaces: number;
  /**
   * Checkpoints committed (from the checkpoint spout's state in Redis) and failed: recoveries the checkpoint spout
   * completed after a failure (a checkpoint tuple failed or timed out, or a save of its own state failed), counted from
   * its `checkpoint recovery done` lines in the worker logs minus those that followed its (re)starts.
   */
  checkpointsCommitted: number;
  checkpointsFailed: number;
  /** Times a checkpoint spout started again after its worker died (each then recovers from its state in Redis). */
  checkpointSpoutRestarts: number;
  /** Recoveries the checkpoint spout completed (after a failed checkpoint or a restart; the first open included). */
  checkpointRecoveries: number;
  /** `checkpoint txid N failed` warnings: checkpoint tuples that failed or timed out (not logged while recovering). */
  checkpointTupleFailures: number;
  /** Failed saves of the checkpoint spout's own state (Redis down), from the worker logs. */
  checkpointSaveFailures: number;
  workerRecoveryMs?: number;
  supervisorRecoveryMs?: number;
  redisRecoveryMs?: number;
  /** How long Redis was down. */
  redisDownMs?: number;
  /** From the start of the phase (Redis and cluster start included) to the result. */
  durationMs: number;
  /** Why the phase failed; empty when it passed. */
  problems: string[];
  /** Result lines, as printed. */
  lines: string[];
}

const FIXTURE = path.join(ROOT, 'test/fixtures/chaos-stateful-wordcount.ts');
const COUNT_PARALLELISM = 6;
const WORKERS = 4;
/** Task ids to look for state under: every task of the topology has a smaller id. */
const CANDIDATE_TASKS = Array.from({ length: 64 }, (_, i) => i + 1);

/**
 * The stateful phase of the chaos suite: the stateful word count (at-least-once state in a real redis-server that
 * requires a password, 4 workers on 3 supervisors) runs N tracked words while, one after another (each once the
 * topology has recovered from the previous one), a worker holding count tasks is SIGKILLed, a supervisor is SIGKILLed
 * (its workers die with it) and started again with the same local dir and slots, and Redis is stopped for a few
 * seconds and restarted with its data. Then it waits until every id is acked, reads the committed counts from Redis
 * and compares them with what was emitted. Cleans up the cluster and Redis even when it fails.
 */
export async function runStatefulChaos(opts: StatefulChaosOptions): Promise<StatefulChaosResult> {
  const { log } = opts;
  const guarantee = opts.guarantee ?? 'at-least-once';
  const exactlyOnce = guarantee === 'exactly-once';
  const NAME = exactlyOnce ? 'chaos-exactly-once' : 'chaos-stateful';
  /** What progress is: ids acked (at-least-once), words committed (exactly-once). */
  const done = exactlyOnce ? 'committed' : 'acked';
  const started = Date.now();
  const ts = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
  const say = (line: string) => log(`${ts()} stateful: ${line}`);
  const password = randomBytes(12).toString('hex');
  let redis: RedisServer | undefined;
  let cluster: TestCluster | undefined;
  try {
    redis = await RedisServer.start({ password });
    const r = redis;
    say(`redis-server on 127.0.0.1:${r.port} (password required, append-only file); starting the cluster`);
    cluster = await TestCluster.start({ supervisors: 3, slotsPerSupervisor: 2 });
    const c = cluster;

    const dir = c.outputDir(NAME);
    const rate = Math.max(1, Math.ceil(opts.words / opts.seconds));
    const conf: Record<string, unknown> = {
      'squall.chaos.dir': dir,
      'squall.chaos.words': opts.words,
      'squall.chaos.vocabulary': opts.vocabulary,
      'squall.chaos.rate': rate,
      'topology.workers': WORKERS,
      'topology.max.spout.pending': 1000,
      'topology.message.timeout.secs': 10,
      'topology.state.checkpoint.interval.ms': 500,
      'topology.state.provider': 'redis',
      'topology.state.provider.config': JSON.stringify({ host: '127.0.0.1', port: r.port, password }),
      'topology.state.guarantee': guarantee,
    };
    const args = ['submit', FIXTURE, '--name', NAME, '--json'];
    for (const [k, v] of Object.entries(conf)) args.push('-c', `${k}=${JSON.stringify(v)}`);
    const submitted = c.cli(args);
    if (submitted.code !== 0) throw new Error(`submit of the stateful word count failed: ${submitted.stderr}`);
    const id = (JSON.parse(submitted.stdout) as { topologyId: string }).topologyId;
    say(
      `submitted ${id}: ${opts.words} tracked words (${opts.vocabulary} distinct) at ${rate}/s over ${WORKERS} workers on 3 supervisors, ${guarantee} state`,
    );

    const ackFiles = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('acked-')) : []);
    // Progress: ALO, the spout's acked ledger (an ack comes after the commit); exactly-once, where the spout's ack is not
    // called, the words counted in the committed state (read from Redis, so only while it runs).
    const committedWords = async () => {
      let n = 0;
      for (const c of (await readCommitted(r, password, NAME)).words.values()) n += c;
      return n;
    };
    const ackBytes = async () =>
      exactlyOnce ? committedWords() : ackFiles().reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
    const allAcked = async () =>
      exactlyOnce ? (await committedWords()) >= opts.words : ledgerIds(dir, 'acked-').ids.size >= opts.words;
    const placement = () => c.stats(NAME).workers;
    const fullyRunning = () => {
      const ws = placement();
      return ws.length === WORKERS && ws.every((w) => /running/i.test(w.status)) ? ws : undefined;
    };
    // New acks after this call (or every id acked already: a short run may finish before the last fault).
    const flowing = async (what: string, timeoutMs = 120000) => {
      const before = await ackBytes();
      await eventually(what, async () => (await ackBytes()) > before || (await allAcked()) || undefined, timeoutMs);
    };
    const workerPid = (port: number) =>
      listProcesses().find((p) => p.cmdline.includes(`/workers/${id}-${port}/launch.json`))?.pid;
    const portsOf = (d: Daemon) =>
      JSON.parse(/supervisor\.slots\.ports=(\[[^\]]*\])/.exec(d.args.join(' '))![1]!) as number[];
    const localDirOf = (d: Daemon) =>
      d.args.find((a) => a.startsWith('storm.local.dir='))!.slice('storm.local.dir='.length);

    await eventually(
      'the first stateful words to be acked (after a committed checkpoint)',
      async () => (await ackBytes()) > 0 || undefined,
      120000,
    );
    await eventually(`all ${WORKERS} workers of the stateful word count running`, fullyRunning, 60000);
    const result: Partial<StatefulChaosResult> = {};

    // 1. A worker holding count tasks (and the word spout, if one does: its progress must survive too) is SIGKILLed.
    {
      const ws = placement();
      const w =
        ws.find((x) => x.components.includes('count') && x.components.includes('words')) ??
        ws.find((x) => x.components.includes('count'));
      if (!w) throw new Error(`no worker holds count tasks: ${JSON.stringify(ws)}`);
      const pid = workerPid(w.port);
      if (pid === undefined) throw new Error(`no process found for the worker ${w.host}:${w.port}`);
      const t0 = Date.now();
      process.kill(pid, 'SIGKILL');
      say(`SIGKILLed worker pid ${pid} (${w.host}:${w.port}: ${w.components.join(', ')})`);
      await eventually(
        `a replacement for worker pid ${pid}, all ${WORKERS} workers running`,
        () => (workerPid(w.port) !== pid && fullyRunning()) || undefined,
        120000,
      );
      await flowing(`words to be ${done} again after the SIGKILL of worker pid ${pid}`);
      result.workerRecoveryMs = Date.now() - t0;
      say(`worker replaced and words ${done} again after ${(result.workerRecoveryMs / 1000).toFixed(1)} s`);
    }

    // 2. A supervisor holding count tasks is SIGKILLed (its workers exit: their parent is gone), then started again
    // with the same local dir (so the same supervisor id) and the same slots.
    {
      const ws = placement();
      const live = c.daemons.filter(
        (d) => d.name.startsWith('supervisor-') && d.child.exitCode === null && d.child.signalCode === null,
      );
      const load = (d: Daemon) =>
        ws.filter((w) => portsOf(d).includes(w.port) && w.components.includes('count')).length;
      const victim = [...live].sort((a, b) => load(b) - load(a))[0];
      if (!victim || load(victim) === 0) throw new Error(`no supervisor runs count tasks: ${JSON.stringify(ws)}`);
      const localDir = localDirOf(victim);
      const itsWorkers = () =>
        listProcesses().filter((p) => p.cmdline.includes(`${localDir}/supervisor/workers/${id}-`));
      const t0 = Date.now();
      victim.child.kill('SIGKILL');
      say(
        `SIGKILLed ${victim.name} (pid ${victim.child.pid}, slots ${portsOf(victim).join(', ')}, ${load(victim)} worker(s) with count tasks)`,
      );
      await eventually(
        `the workers of the killed ${victim.name} to exit`,
        () => itsWorkers().length === 0 || undefined,
        30000,
      );
      await new Promise((res) => setTimeout(res, 2000));
      const restarted = c.startDaemon(victim.name, victim.args);
      say(`restarted ${victim.name} (pid ${restarted.child.pid}) with the same local dir and slots`);
      await eventually(
        `all ${WORKERS} workers running again after the restart of ${victim.name}`,
        fullyRunning,
        120000,
      );
      await flowing(`words to be ${done} again after the restart of ${victim.name}`);
      result.supervisorRecoveryMs = Date.now() - t0;
      say(
        `all workers running and words ${done} again ${(result.supervisorRecoveryMs / 1000).toFixed(1)} s after the SIGKILL`,
      );
    }

    // 3. Redis stopped (checkpoints fail and are reported, naming it), then restarted with its data.
    {
      const t0 = Date.now();
      await r.stop();
      say(`stopped redis-server (127.0.0.1:${r.port})`);
      const named = await eventually(
        `a failing checkpoint reported naming 127.0.0.1:${r.port} while Redis is down`,
        () => {
          const errors = c.stats(NAME).errors;
          return errors.some((e) => e.message.includes(`127.0.0.1:${r.port}`)) ? errors : undefined;
        },
        60000,
      );
      if (named.some((e) => e.message.includes(password))) throw new Error('a reported error holds the Redis password');
      const left = opts.redisDownSeconds * 1000 - (Date.now() - t0);
      if (left > 0) await new Promise((res) => setTimeout(res, left));
      result.redisDownMs = Date.now() - t0;
      const t1 = Date.now();
      await r.restart();
      say(`restarted redis-server after ${(result.redisDownMs / 1000).toFixed(1)} s down`);
      await flowing(`words to be ${done} again after the Redis restart`);
      result.redisRecoveryMs = Date.now() - t1;
      say(`words ${done} again ${(result.redisRecoveryMs / 1000).toFixed(1)} s after the Redis restart`);
    }

    say(`waiting for all ${opts.words} ids to be ${done}`);
    await eventually(
      exactlyOnce ? `all ${opts.words} words in the committed state` : `all ${opts.words} stateful word ids acked`,
      async () => (await allAcked()) || undefined,
      (opts.seconds + 300) * 1000,
    );
    // Exactly-once: a few more checkpoints, which must add nothing.
    if (exactlyOnce) await new Promise((res) => setTimeout(res, 2000));

    // Every ack was held until the checkpoint that saved its effect committed: the committed state is complete now.
    const counts = await readCommitted(r, password, NAME);
    const expected = expectedWordCounts(opts.words, opts.vocabulary);
    let counted = 0;
    let duplicated = 0;
    let lost = 0;
    for (const [word, n] of expected) {
      const got = counts.words.get(word) ?? 0;
      counted += got;
      duplicated += Math.max(0, got - n);
      lost += Math.max(0, n - got);
    }
    const unexpected = [...counts.words.keys()].filter((w) => !expected.has(w));
    for (const w of unexpected) {
      counted += counts.words.get(w)!;
      duplicated += counts.words.get(w)!;
    }
    let idsMissing = 0;
    let idsCountedMoreThanOnce = 0;
    let idExtraCounts = 0;
    for (let i = 0; i < opts.words; i++) {
      const n = counts.ids.get(idKey(i)) ?? 0;
      if (n === 0) idsMissing++;
      if (n > 1) {
        idsCountedMoreThanOnce++;
        idExtraCounts += n - 1;
      }
    }
    const emitted = ledgerIds(dir, 'emitted-');
    const acked = [...ledgerIds(dir, 'acked-').ids].filter((i) => i >= 0 && i < opts.words).length;
    const logs = c.workerLogs(id).join('\n');
    const checkpointTupleFailures = (logs.match(/checkpoint txid \d+ failed/g) ?? []).length;
    const checkpointSaveFailures = (logs.match(/checkpoint spout could not save its state/g) ?? []).length;
    const checkpointSpoutRestarts = Math.max(0, (logs.match(/checkpoint spout starts recovery/g) ?? []).length - 1);
    const checkpointRecoveries = (logs.match(/checkpoint recovery done/g) ?? []).length;
    const checkpointsFailed = Math.max(0, checkpointRecoveries - 1 - checkpointSpoutRestarts);
    const errors = c.stats(NAME).errors;

    const problems: string[] = [];
    if (lost > 0) problems.push(`${lost} word count(s) lost: ${guarantee} state must never lose`);
    if (idsMissing > 0) problems.push(`${idsMissing} message id(s) missing from the committed state`);
    const replayed = emitted.lines - emitted.ids.size;
    if (exactlyOnce) {
      if (duplicated > 0)
        problems.push(`${duplicated} duplicated counts: exactly-once state must count each word once`);
      if (idsCountedMoreThanOnce > 0) problems.push(`${idsCountedMoreThanOnce} message id(s) counted more than once`);
    } else {
      if (duplicated > replayed) problems.push(`${duplicated} duplicated counts exceed the ${replayed} replayed ids`);
      if (acked !== opts.words) problems.push(`${acked} of ${opts.words} ids acked`);
    }
    if (unexpected.length > 0) problems.push(`words never emitted were counted: ${unexpected.slice(0, 5).join(', ')}`);
    if (counts.countNamespaces !== COUNT_PARALLELISM)
      problems.push(`state found for ${counts.countNamespaces} count tasks, not ${COUNT_PARALLELISM}`);
    if (counts.checkpointsCommitted === undefined) problems.push("the checkpoint spout's state was not found in Redis");
    if (errors.some((e) => e.message.includes(password))) problems.push('a reported error holds the Redis password');
    if (logs.includes(password)) problems.push('a worker log holds the Redis password');

    const durationMs = Date.now() - started;
    const secs = (ms: number | undefined) => (ms === undefined ? 'not measured' : `${(ms / 1000).toFixed(1)} s`);
    const full: StatefulChaosResult = {
      expected: opts.words,
      counted,
      duplicated,
      lost,
      acked,
      replayed,
      failEvents: ledgerIds(dir, 'failed-').lines,
      idsMissing,
      idsCountedMoreThanOnce,
      idExtraCounts,
      countNamespaces: counts.countNamespaces,
      checkpointsCommitted: counts.checkpointsCommitted ?? 0,
      checkpointsFailed,
      checkpointTupleFailures,
      checkpointSpoutRestarts,
      checkpointRecoveries,
      checkpointSaveFailures,
      ...result,
      durationMs,
      problems,
      lines: [],
    };
    full.lines = [
      `stateful (${guarantee}): expected ${full.expected}, counted ${full.counted}, ${full.duplicated} duplicated, ${full.lost} lost`,
      `(${full.acked} of ${opts.words} ids acked; ${full.replayed} replayed (emits beyond the first), ${full.failEvents} fail events; per message id in the committed state: ${full.idsMissing} missing, ${full.idsCountedMoreThanOnce} counted more than once, ${full.idExtraCounts} extra counts)`,
      `checkpoints: ${full.checkpointsCommitted} committed, ${full.checkpointsFailed} failed (recoveries after a failure: ${full.checkpointTupleFailures} checkpoint tuple(s) failed or timed out, ${full.checkpointSaveFailures} failed save(s) of the checkpoint spout's own state); the checkpoint spout restarted ${full.checkpointSpoutRestarts} time(s)`,
      `worker SIGKILL -> replaced and acking again: ${secs(full.workerRecoveryMs)}; supervisor SIGKILL + restart -> all workers running and acking again: ${secs(full.supervisorRecoveryMs)}; Redis down ${secs(full.redisDownMs)}, restarted -> acking again: ${secs(full.redisRecoveryMs)}`,
      `stateful phase: ${problems.length === 0 ? 'PASSED' : `FAILED (${problems.join('; ')})`} in ${(durationMs / 1000).toFixed(1)} s`,
    ];
    for (const l of full.lines) log(l);

    const kill = c.cli(['kill', NAME, '-w', '0']);
    if (kill.code !== 0) throw new Error(`kill of the stateful word count failed: ${kill.stderr}`);
    await eventually(
      "the stateful word count's workers to exit",
      () => c.workerPids(id).length === 0 || undefined,
      60000,
    );
    return full;
  } finally {
    await cluster?.shutdown();
    await redis?.shutdown();
  }
}

interface Committed {
  words: Map<string, number>;
  ids: Map<string, number>;
  countNamespaces: number;
  checkpointsCommitted: number | undefined;
}

/**
 * The committed state of every count task (`<name>/count-<task>`) summed, and the checkpoints the checkpoint spout
 * committed: its state `{txid, state}` says txids 0..txid are committed when COMMITTED (0..txid-1 otherwise).
 */
async function readCommitted(redis: RedisServer, password: string, NAME: string): Promise<Committed> {
  const provider = new RedisStateProvider(redis.stateOptions({ password, timeoutMs: 10000 }));
  try {
    const out: Committed = { words: new Map(), ids: new Map(), countNamespaces: 0, checkpointsCommitted: undefined };
    for (const task of CANDIDATE_TASKS) {
      const loaded = await (await provider.open(`${NAME}/count-${task}`)).load();
      if (loaded.committed.size > 0) out.countNamespaces++;
      for (const [k, v] of loaded.committed) {
        const key = JSON.parse(k) as string;
        const into = key.startsWith('#') ? out.ids : out.words;
        into.set(key, (into.get(key) ?? 0) + (JSON.parse(v) as number));
      }
      const spout = (await (await provider.open(`${NAME}/$checkpointspout-${task}`)).load()).committed.get(
        JSON.stringify('__state'),
      );
      if (spout !== undefined) {
        const { txid, state } = JSON.parse(spout) as { txid: number; state: string };
        out.checkpointsCommitted = state === 'COMMITTED' ? txid + 1 : txid;
      }
    }
    return out;
  } finally {
    await provider.close();
  }
}
