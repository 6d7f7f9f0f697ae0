import { Bolt, computeLayout, fields, topology, type ComponentDeclaration } from '@squall/api';
import { effectiveConfig, type Clock, type Config } from '@squall/core';
import { WorkerRuntime, type Transport } from '../src';

class Sink extends Bolt {
  override execute(): void {}
}

/** The turns of the event loop a test lets the scheduler run. */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/**
 * A started worker running only the spout of `word (the given spout) → fields → count (a bolt in another worker)`,
 * so every emit goes to `transport`; acking off and 2 workers unless `conf` says otherwise.
 */
export async function spoutOnlyWorker(
  spout: ComponentDeclaration,
  transport: Transport,
  options: { conf?: Config; clock?: Clock } = {},
): Promise<WorkerRuntime> {
  const topo = topology('t', { word: spout, count: Sink.spec({ inputs: { word: fields('word') } }) });
  const conf = effectiveConfig({ 'topology.acker.executors': 0, 'topology.workers': 2, ...options.conf });
  const layout = computeLayout(topo.spec, conf);
  const runtime = await WorkerRuntime.create({
    topologyId: 't',
    spec: topo.spec,
    registry: topo,
    layout,
    conf,
    transport,
    ...(options.clock ? { clock: options.clock } : {}),
    executors: layout.executors.filter((e) => e.component === 'word'),
  });
  runtime.start(true);
  return runtime;
}
