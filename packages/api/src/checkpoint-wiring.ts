import type { ComponentSpec, TopologySpec } from './topology-spec';
import {
  CHECKPOINT_FIELDS,
  CHECKPOINT_SPOUT_ID,
  CHECKPOINT_STREAM_ID,
  EXACTLY_ONCE_CHECKPOINT_FIELDS,
} from './stateful-bolt';

/**
 * Adds what checkpoints need to a topology with stateful bolts, as Storm's TopologyBuilder does: the checkpoint spout
 * (one task), a `$checkpoint` output stream on every bolt, and subscriptions (all grouping) of every bolt to the
 * checkpoint stream of each component it reads from (the checkpoint spout's in place of a spout's). Returns problems
 * (a user component or stream already using the reserved names).
 */
export function addCheckpointWiring(components: ComponentSpec[]): string[] {
  const problems: string[] = [];
  const spouts = new Set(components.filter((c) => c.kind === 'spout').map((c) => c.id));
  if (spouts.has(CHECKPOINT_SPOUT_ID) || components.some((c) => c.id === CHECKPOINT_SPOUT_ID))
    problems.push(`component id '${CHECKPOINT_SPOUT_ID}' is reserved for the checkpoint spout of stateful bolts`);
  for (const c of components) {
    if (c.kind !== 'bolt') continue;
    if (c.outputs.some((s) => s.id === CHECKPOINT_STREAM_ID)) {
      problems.push(
        `component '${c.id}': stream '${CHECKPOINT_STREAM_ID}' is reserved for checkpoints of stateful bolts`,
      );
      continue;
    }
    c.outputs.push({ id: CHECKPOINT_STREAM_ID, fields: [...CHECKPOINT_FIELDS], direct: false });
    const sources = new Set(c.inputs.map((i) => (spouts.has(i.component) ? CHECKPOINT_SPOUT_ID : i.component)));
    for (const source of sources)
      c.inputs.push({ component: source, stream: CHECKPOINT_STREAM_ID, grouping: { type: 'all' } });
  }
  components.push({
    id: CHECKPOINT_SPOUT_ID,
    kind: 'spout',
    parallelism: 1,
    numTasks: 1,
    inputs: [],
    outputs: [{ id: CHECKPOINT_STREAM_ID, fields: [...CHECKPOINT_FIELDS], direct: false }],
    conf: {},
    implementation: 'CheckpointSpout',
  });
  return problems;
}

/**
 * The wiring of `spec` for exactly-once state: checkpoints enter the data flow at the data spouts, in line with their
 * tuples, instead of going from the checkpoint spout straight to the bolts. Every data spout subscribes to the
 * checkpoint spout's stream (all grouping) and gets a `$checkpoint` output; every bolt that read checkpoints from the
 * checkpoint spout in place of a spout reads them from that spout instead; the checkpoint stream gets a third field,
 * `epoch` (see EXACTLY_ONCE_CHECKPOINT_FIELDS). The spec is not changed; a topology without
 * the checkpoint spout is returned as it is. The engine applies this when `topology.state.guarantee` is exactly-once,
 * so the stored topology (and what the UI shows) keeps Storm's wiring.
 */
export function exactlyOnceWiring(spec: TopologySpec): TopologySpec {
  if (!spec.components.some((c) => c.id === CHECKPOINT_SPOUT_ID)) return spec;
  const dataSpouts = new Set(
    spec.components.filter((c) => c.kind === 'spout' && c.id !== CHECKPOINT_SPOUT_ID).map((c) => c.id),
  );
  const checkpointStream = { id: CHECKPOINT_STREAM_ID, fields: [...EXACTLY_ONCE_CHECKPOINT_FIELDS], direct: false };
  const components = spec.components.map((c): ComponentSpec => {
    const outputs = c.outputs.map((s) => (s.id === CHECKPOINT_STREAM_ID ? checkpointStream : s));
    if (c.id === CHECKPOINT_SPOUT_ID) return { ...c, outputs };
    if (dataSpouts.has(c.id))
      return {
        ...c,
        inputs: [
          ...c.inputs,
          { component: CHECKPOINT_SPOUT_ID, stream: CHECKPOINT_STREAM_ID, grouping: { type: 'all' } },
        ],
        outputs: outputs.some((s) => s.id === CHECKPOINT_STREAM_ID) ? outputs : [...outputs, checkpointStream],
      };
    if (c.kind !== 'bolt') return c;
    const fromSpouts = new Set(
      c.inputs.filter((i) => dataSpouts.has(i.component) && i.stream !== CHECKPOINT_STREAM_ID).map((i) => i.component),
    );
    const inputs = c.inputs.filter((i) => !(i.component === CHECKPOINT_SPOUT_ID && i.stream === CHECKPOINT_STREAM_ID));
    for (const spout of fromSpouts)
      inputs.push({ component: spout, stream: CHECKPOINT_STREAM_ID, grouping: { type: 'all' } });
    return { ...c, inputs, outputs };
  });
  return { ...spec, components };
}
