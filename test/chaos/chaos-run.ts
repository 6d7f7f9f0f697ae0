import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from '@squall/cluster-state';
import { ledgerIds } from '../fixtures/chaos-topology';
import { FAST_CONF, ROOT, TestCluster, eventually, listProcesses, type Daemon } from '../harness/test-cluster';
import { NetnsHost, NetnsUnavailableError } from './netns';
import { ForwarderProcess } from './tcp-forwarder';

/** The faults the chaos run can inject, in the order it injects them. */
export const ALL_FAULTS = ['worker', 'zookeeper', 'nimbus', 'supervisor', 'partition'] as const;
export type Fault = (typeof ALL_FAULTS)[number];

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  /** Tracked tuples (message ids 0..M-1). */
  tuples: number;
  /** Seconds over which the spout spreads its first emits, so the faults hit a running topology. */
  seconds: number;
  /** Which faults to inject. */
  faults: readonly Fault[];
  /** Receives progress and result lines. */
  log: (line: string) => void;
}

/** What a chaos run measured. Times are ms; undefined when that fault was not injected. */
export interface ChaosResult {
  tuples: number;
  sent: number;
  acked: number;
  lost: number;
  replayed: number;
  failEvents: number;
  sinkIds: number;
  workerRestartMs?: number;
  supervisorReassignMs?: number;
  partitionReassignMs?: number;
  nimbusFailoverMs?: number;
  /** Acks recorded while the leader nimbus was down (the topology kept running). */
  acksDuringFailover?: number;
  /** Acks recorded while ZooKeeper was down. */
  acksDuringZooKeeperOutage?: number;
  /** Faults skipped, with why. */
  skipped: string[];
  /** Result lines, as printed. */
  lines: string[];
}

const FIXTURE = path.join(ROOT, 'test/fixtures/chaos-topology.ts');
const NAME = 'chaos';
const SUPERVISOR_TIMEOUT_SECS = Number(FAST_CONF['nimbus.supervisor.timeout.secs']);

/**
 * Runs the chaos topology on a real cluster (ZooKeeper, 1-2 nimbuses, 3 supervisors on this machine and, for the
 * partition fault, one in its own network namespace), injects the faults one after another (each once the topology
 * has recovered from the previous one), waits until every id is acked, and returns the ledger counts and recovery
 * times. Cleans up the cluster, the namespace and the forwarder even when it fails.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const { log } = opts;
  const faults = new Set(opts.faults);
  const skipped: string[] = [];
  let netns: NetnsHost | undefined;
  let forwarder: ForwarderProcess | undefined;
  let cluster: TestCluster | undefined;
  const started = Date.now();
  const ts = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
  const say = (line: string) => log(`${ts()} ${line}`);
  try {
    if (faults.has('partition')) {
      try {
        netns = NetnsHost.create();
      } catch (err) {
        if (!(err instanceof NetnsUnavailableError)) throw err;
        faults.delete('partition');
        skipped.push(`partition: this machine refuses network namespaces (${err.message})`);
        log(
          `SKIPPED the network-partition fault: this machine refuses network namespaces (${err.message}); run as root with CAP_NET_ADMIN and iproute2`,
        );
      }
    }
    // With a namespace, every daemon on this side listens on the namespace-reachable address, and ZooKeeper (which
    // only listens on loopback) is reached through a forwarder on that address.
    const host = netns?.hostAddress ?? '127.0.0.1';
    const zkPort = await findFreePort();
    const conf: Record<string, unknown> = { 'nimbus.host': host };
    if (netns) {
      forwarder = await ForwarderProcess.start(host, '127.0.0.1', zkPort);
      Object.assign(conf, { 'storm.zookeeper.servers': [host], 'storm.zookeeper.port': forwarder.port });
    }
    say(
      `starting the cluster${netns ? ` (host services on ${host}, one supervisor in network namespace ${netns.name} at ${netns.nsAddress})` : ''}`,
    );
    cluster = await TestCluster.start({ nimbuses: faults.has('nimbus') ? 2 : 1, supervisors: 0, zkPort, conf });
    const c = cluster;
    const hostSupervisor = () => c.addSupervisor(2, undefined, { conf: { 'supervisor.host': host } });
    for (let i = 0; i < 3; i++) await hostSupervisor();
    let nsSupervisor: Daemon | undefined;
    if (netns)
      nsSupervisor = await c.addSupervisor(2, undefined, {
        prefix: netns.prefix,
        conf: { 'supervisor.host': netns.nsAddress },
      });
    const supervisorCount = netns ? 4 : 3;
    await c.waitForSupervisors(supervisorCount);

    const dir = c.outputDir(NAME);
    const rate = Math.max(1, Math.ceil(opts.tuples / opts.seconds));
    const workers = netns ? 4 : 3;
    const submitted = c.cli([
      'submit',
      FIXTURE,
      '--name',
      NAME,
      '--json',
      '-c',
      `squall.chaos.dir=${dir}`,
      '-c',
      `squall.chaos.tuples=${opts.tuples}`,
      '-c',
      `squall.chaos.rate=${rate}`,
      '-c',
      `topology.workers=${workers}`,
      '-c',
      'topology.max.spout.pending=2000',
      '-c',
      'topology.message.timeout.secs=10',
    ]);
    if (submitted.code !== 0) throw new Error(`submit failed: ${submitted.stderr}`);
    const id = (JSON.parse(submitted.stdout) as { topologyId: string }).topologyId;
    say(
      `submitted ${id}: ${opts.tuples} tracked tuples at ${rate}/s over ${workers} workers; faults: ${[...faults].join(', ') || 'none'}`,
    );

    const ackFiles = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('acked-')) : []);
    const ackBytes = () => ackFiles().reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
    const ackLines = () => ledgerIds(dir, 'acked-').lines;
    // Tuples flow again: new acks, unless every id was acked already (a short run may finish before the last fault).
    const flowing = async (what: string, timeoutMs = 60000) => {
      const before = ackBytes();
      await eventually(
        what,
        () => ackBytes() > before || ledgerIds(dir, 'acked-').ids.size >= opts.tuples || undefined,
        timeoutMs,
      );
    };
    const workerPid = (port: number) =>
      listProcesses().find((p) => p.cmdline.includes(`/workers/${id}-${port}/launch.json`))?.pid;
    const placement = () => c.stats(NAME).workers;
    const portsOf = (d: Daemon) =>
      JSON.parse(/supervisor\.slots\.ports=(\[[^\]]*\])/.exec(d.args.join(' '))![1]!) as number[];
    const fullyPlaced = (avoid: (w: { host: string; port: number }) => boolean) => {
      const ws = placement();
      return ws.length === workers && !ws.some(avoid) && ws.every((w) => /running/i.test(w.status)) ? ws : undefined;
    };

    await eventually('tuples to flow', () => ackBytes() > 0 || undefined, 120000);
    await eventually('every worker running', () => fullyPlaced(() => false), 60000);
    const result: ChaosResult = {
      tuples: opts.tuples,
      sent: 0,
      acked: 0,
      lost: 0,
      replayed: 0,
      failEvents: 0,
      sinkIds: 0,
      skipped,
      lines: [],
    };

    if (faults.has('worker')) {
      const w = placement().find((x) => x.components.includes('source'))!;
      const pid = workerPid(w.port);
      if (pid === undefined) throw new Error(`no process found for the spout's worker ${w.host}:${w.port}`);
      const before = new Set(ackFiles());
      const t0 = Date.now();
      process.kill(pid, 'SIGKILL');
      say(`SIGKILLed the spout's worker (pid ${pid}, ${w.host}:${w.port})`);
      await eventually(
        'tuples to flow again from the restarted spout',
        () => ackFiles().some((f) => !before.has(f) && statSync(path.join(dir, f)).size > 0) || undefined,
        120000,
      );
      result.workerRestartMs = Date.now() - t0;
      say(`worker restarted and tuples flowing again after ${(result.workerRestartMs / 1000).toFixed(1)} s`);
    }

    if (faults.has('zookeeper')) {
      const before = ackLines();
      const beforeBytes = ackBytes();
      await c.zk.stop();
      say('stopped ZooKeeper');
      await eventually('acks to continue while ZooKeeper is down', () => ackBytes() > beforeBytes || undefined, 30000);
      await new Promise((r) => setTimeout(r, 3000)); // keep it down a while: a restart, not a blip
      result.acksDuringZooKeeperOutage = ackLines() - before;
      await c.zk.restart();
      say('restarted ZooKeeper');
      await c.waitForSupervisors(supervisorCount);
      await flowing('tuples flowing after the ZooKeeper restart');
      say(`ZooKeeper back; ${result.acksDuringZooKeeperOutage} acks were recorded while it was down`);
    }

    if (faults.has('nimbus')) {
      const info = await c.clusterInfo();
      const leader = info.nimbuses.find((n) => n.isLeader)!;
      const leaderAddress = `${leader.host}:${leader.port}`;
      const index = c.nimbusAddresses.indexOf(leaderAddress);
      const other = c.nimbusAddresses.find((a) => a !== leaderAddress)!;
      const daemon = c.daemons.filter((d) => d.name === (index === 0 ? 'nimbus' : `nimbus-${index}`)).at(-1)!;
      const before = ackLines();
      const t0 = Date.now();
      daemon.child.kill('SIGKILL');
      say(`SIGKILLed the leader nimbus ${leaderAddress}`);
      c.nimbusAddress = other;
      await eventually(
        'the standby nimbus to lead',
        async () =>
          (await c.clusterInfo()).nimbuses.some((n) => n.isLeader && `${n.host}:${n.port}` === other) || undefined,
        60000,
      );
      result.nimbusFailoverMs = Date.now() - t0;
      result.acksDuringFailover = ackLines() - before;
      say(
        `nimbus failover to ${other} after ${(result.nimbusFailoverMs / 1000).toFixed(1)} s; ${result.acksDuringFailover} acks meanwhile`,
      );
      c.startNimbus(index, Number(leaderAddress.split(':')[1]));
    }

    if (faults.has('supervisor')) {
      const spoutPort = placement().find((x) => x.components.includes('source'))?.port;
      const candidates = c.daemons.filter(
        (d) =>
          d.name.startsWith('supervisor-') &&
          d !== nsSupervisor &&
          d.child.exitCode === null &&
          d.child.signalCode === null,
      );
      const busy = candidates.filter((d) => placement().some((w) => w.host === host && portsOf(d).includes(w.port)));
      const victim = busy.find((d) => !portsOf(d).includes(spoutPort ?? -1)) ?? busy[0] ?? candidates[0]!;
      const ports = portsOf(victim);
      const t0 = Date.now();
      victim.child.kill('SIGKILL');
      say(`SIGKILLed ${victim.name} (slots ${ports.join(', ')}); its workers die with it`);
      await eventually(
        "the lost supervisor's work to be reassigned",
        () => fullyPlaced((w) => w.host === host && ports.includes(w.port)),
        120000,
      );
      result.supervisorReassignMs = Date.now() - t0;
      say(`its work reassigned and running after ${(result.supervisorReassignMs / 1000).toFixed(1)} s`);
      await flowing('tuples flowing after the reassignment');
      await hostSupervisor();
      await c.waitForSupervisors(supervisorCount);
    }

    if (faults.has('partition') && netns && nsSupervisor) {
      const cutSecs =
        Math.max(SUPERVISOR_TIMEOUT_SECS, Number(FAST_CONF['storm.zookeeper.session.timeout']) / 1000) + 15;
      const nsWorkers = placement().filter((w) => w.host === netns!.nsAddress).length;
      const t0 = Date.now();
      netns.cut();
      say(`cut ${netns.name} (${nsSupervisor.name} with ${nsWorkers} worker(s)) off the network for ${cutSecs} s`);
      await eventually(
        "the partitioned supervisor's work to be reassigned",
        () => fullyPlaced((w) => w.host === netns!.nsAddress),
        120000,
      );
      result.partitionReassignMs = Date.now() - t0;
      say(`its work reassigned and running after ${(result.partitionReassignMs / 1000).toFixed(1)} s`);
      const left = cutSecs * 1000 - (Date.now() - t0);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      netns.restore();
      say('link restored');
      await c.waitForSupervisors(supervisorCount);
      const nsDir = nsSupervisor.args.find((a) => a.startsWith('storm.local.dir='))!.slice('storm.local.dir='.length);
      await eventually(
        'the partitioned supervisor to stop its stale workers',
        () => !listProcesses().some((p) => p.cmdline.includes(`${nsDir}/supervisor/workers/${id}-`)) || undefined,
        60000,
      );
      say(`${nsSupervisor.name} is back and has stopped its stale workers`);
    }

    say('waiting for every id to be acked');
    await eventually(
      `all ${opts.tuples} ids acked`,
      () => ledgerIds(dir, 'acked-').ids.size >= opts.tuples || undefined,
      (opts.seconds + 300) * 1000,
    );
    const emitted = ledgerIds(dir, 'emitted-');
    const acked = ledgerIds(dir, 'acked-').ids;
    const inRange = [...acked].filter((i) => i >= 0 && i < opts.tuples).length;
    Object.assign(result, {
      sent: emitted.ids.size,
      acked: inRange,
      lost: opts.tuples - inRange,
      replayed: emitted.lines - emitted.ids.size,
      failEvents: ledgerIds(dir, 'failed-').lines,
      sinkIds: ledgerIds(dir, 'sink-').ids.size,
    });
    const kill = c.cli(['kill', NAME, '-w', '0']);
    if (kill.code !== 0) throw new Error(`kill failed: ${kill.stderr}`);
    await eventually("the chaos topology's workers to exit", () => c.workerPids(id).length === 0 || undefined, 60000);

    const fmt = (ms: number | undefined) => (ms === undefined ? 'not measured' : `${(ms / 1000).toFixed(1)} s`);
    result.lines = [
      `${result.sent} sent, ${result.acked} acked, ${result.lost} lost, ${result.replayed} replayed`,
      `(fail events ${result.failEvents}; ids seen by the verifying sink ${result.sinkIds} of ${opts.tuples})`,
      ...(faults.has('worker')
        ? [`worker restart -> tuples flowing again: ${fmt(result.workerRestartMs)} (target <= 5 s)`]
        : []),
      ...(faults.has('supervisor')
        ? [
            `lost supervisor's work reassigned: ${fmt(result.supervisorReassignMs)} (target <= ${SUPERVISOR_TIMEOUT_SECS + 10} s = nimbus.supervisor.timeout.secs + 10)`,
          ]
        : []),
      ...(faults.has('partition')
        ? [
            `partitioned supervisor's work reassigned: ${fmt(result.partitionReassignMs)} (target <= ${SUPERVISOR_TIMEOUT_SECS + 10} s)`,
          ]
        : []),
      ...(faults.has('nimbus')
        ? [
            `nimbus failover: ${fmt(result.nimbusFailoverMs)} (target <= 15 s); topology kept running: ${result.acksDuringFailover} acks during the failover`,
          ]
        : []),
      ...(faults.has('zookeeper')
        ? [`ZooKeeper restart: ${result.acksDuringZooKeeperOutage} acks while it was down`]
        : []),
      ...skipped.map((s) => `skipped: ${s}`),
    ];
    for (const l of result.lines) log(l);
    return result;
  } finally {
    await cluster?.shutdown();
    await forwarder?.close();
    netns?.remove();
  }
}
