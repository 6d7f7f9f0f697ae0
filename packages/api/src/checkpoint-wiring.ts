import type { ComponentSpec } from './topology-spec';
import { CHECKPOINT_FIELDS, CHECKPOINT_SPOUT_ID, CHECKPOINT_STREAM_ID } from './stateful-bolt';

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
