import { configProblems } from '@squall/core';
import { InvalidTopologyError } from './errors';
import { isTopology, type Topology } from './topology';
import type { ComponentSpec, TopologySpec } from './topology-spec';
import { CHECKPOINT_SPOUT_ID } from './stateful-bolt';
import { stateConfigProblems } from './state-config';
import { GUARANTEE_KEY, stateGuarantee } from './replayable-spout';
import { windowProblems } from './window-validation';

const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.\-]*$/;
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.\-]*$/;

function isPositiveInt(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1;
}

function checkComponent(
  c: ComponentSpec,
  byId: Map<string, ComponentSpec>,
  problems: string[],
  topology?: Topology,
): void {
  const where = `component '${c.id}'`;
  if (c.id.startsWith('__')) problems.push(`${where}: ids starting with '__' are reserved for system components`);
  else if (!ID_PATTERN.test(c.id) && !(c.id === CHECKPOINT_SPOUT_ID && c.kind === 'spout'))
    problems.push(`${where}: id may only contain letters, digits, '_', '-' and '.'`);
  if (!isPositiveInt(c.parallelism))
    problems.push(`${where}: parallelism must be an integer of at least 1, got ${c.parallelism}`);
  if (!isPositiveInt(c.numTasks))
    problems.push(`${where}: numTasks must be an integer of at least 1, got ${c.numTasks}`);
  else if (isPositiveInt(c.parallelism) && c.numTasks < c.parallelism)
    problems.push(`${where}: numTasks (${c.numTasks}) is below its parallelism (${c.parallelism})`);
  for (const s of c.outputs) {
    if (s.id.startsWith('__')) problems.push(`${where}: stream '${s.id}': stream ids starting with '__' are reserved`);
    const seen = new Set<string>();
    for (const f of s.fields) {
      if (typeof f !== 'string' || f === '')
        problems.push(`${where}: stream '${s.id}': field names must be non-empty strings`);
      else if (seen.has(f)) problems.push(`${where}: stream '${s.id}': field '${f}' is declared twice`);
      seen.add(f);
    }
  }
  if (c.kind === 'spout' && c.inputs.length > 0) problems.push(`${where}: a spout cannot subscribe to streams`);
  for (const p of configProblems(c.conf)) problems.push(`${where}: config: ${p}`);
  const subscribed = new Set<string>();
  for (const input of c.inputs) {
    const on = `${where}: input from '${input.component}' stream '${input.stream}'`;
    const key = `${input.component}\u0000${input.stream}`;
    if (subscribed.has(key)) problems.push(`${on}: subscribed more than once`);
    subscribed.add(key);
    const source = byId.get(input.component);
    if (!source) {
      problems.push(`${on}: unknown source component '${input.component}'`);
      continue;
    }
    const stream = source.outputs.find((s) => s.id === input.stream);
    if (!stream) {
      const declared = source.outputs.map((s) => s.id).join(', ') || 'none';
      problems.push(
        `${on}: component '${input.component}' declares no stream '${input.stream}' (declared: ${declared})`,
      );
      continue;
    }
    const g = input.grouping;
    if (g.type === 'fields' || g.type === 'partialKey') {
      if (g.fields.length === 0) problems.push(`${on}: ${g.type} grouping needs at least one field`);
      for (const f of g.fields)
        if (!stream.fields.includes(f))
          problems.push(
            `${on}: ${g.type} grouping on undeclared field '${f}' (declared: ${stream.fields.join(', ') || 'none'})`,
          );
    }
    if (g.type === 'direct' && !stream.direct) problems.push(`${on}: direct grouping on a stream not declared direct`);
    if (g.type !== 'direct' && stream.direct)
      problems.push(`${on}: stream is declared direct, so it needs direct grouping (got ${g.type})`);
    if (g.type === 'custom' && topology && !topology.hasCustomGrouping(g.name))
      problems.push(`${on}: custom grouping '${g.name}' has no implementation`);
  }
}

/**
 * Every problem of a topology, each naming its component and stream; empty when valid. Cycles are legal, as in
 * Storm.
 */
export function topologyProblems(topologyOrSpec: Topology | TopologySpec): string[] {
  const topology = isTopology(topologyOrSpec) ? topologyOrSpec : undefined;
  const spec = topology ? topology.spec : (topologyOrSpec as TopologySpec);
  const problems: string[] = [...(topology?.buildProblems ?? [])];
  if (typeof spec.name !== 'string' || !NAME_PATTERN.test(spec.name))
    problems.push(`topology name '${spec.name}' may only contain letters, digits, '_', '-' and '.'`);
  const byId = new Map<string, ComponentSpec>();
  for (const c of spec.components) {
    if (byId.has(c.id) && !problems.some((p) => p.includes(`'${c.id}' is used more than once`)))
      problems.push(`component id '${c.id}' is used more than once`);
    byId.set(c.id, c);
  }
  if (!spec.components.some((c) => c.kind === 'spout')) problems.push('the topology has no spout');
  for (const c of byId.values()) checkComponent(c, byId, problems, topology);
  for (const c of byId.values()) problems.push(...windowProblems(c, spec, byId));
  for (const p of configProblems(spec.conf)) problems.push(`config: ${p}`);
  // (A value of the wrong type is already named above: only what the type check cannot see is added.)
  if (byId.has(CHECKPOINT_SPOUT_ID)) {
    const typeProblems = [...problems];
    for (const p of stateConfigProblems(spec.conf))
      if (!typeProblems.some((q) => q.startsWith(`config: ${p.split(':')[0]} `))) problems.push(`config: ${p}`);
  }
  problems.push(...exactlyOnceProblems(spec, byId, problems));
  return problems;
}

/** What exactly-once state needs that `spec` lacks (nothing when it asks for at-least-once). */
function exactlyOnceProblems(spec: TopologySpec, byId: Map<string, ComponentSpec>, known: string[]): string[] {
  const problems: string[] = [];
  const guarantee = stateGuarantee(spec.conf, problems);
  if (known.some((q) => q.startsWith(`config: ${GUARANTEE_KEY} `))) problems.length = 0;
  if (guarantee !== 'exactly-once') return problems.map((p) => `config: ${p}`);
  if (!byId.has(CHECKPOINT_SPOUT_ID))
    return [`config: ${GUARANTEE_KEY} is 'exactly-once' but the topology has no stateful bolt (nothing to checkpoint)`];
  if (spec.conf['topology.acker.executors'] === 0)
    problems.push(
      `config: ${GUARANTEE_KEY} 'exactly-once' needs acking (it detects a lost tuple), but topology.acker.executors is 0`,
    );
  for (const c of byId.values())
    if (c.kind === 'spout' && c.id !== CHECKPOINT_SPOUT_ID && c.replayable !== true)
      problems.push(
        `component '${c.id}': ${GUARANTEE_KEY} 'exactly-once' needs every spout to be replayable (implement snapshot() and restore(position): ReplayableSpout)${c.shell ? '; a multi-lang spout is not' : ''}`,
      );
  return problems;
}

/** Throws {@link InvalidTopologyError} listing every problem, or returns when the topology is valid. */
export function validateTopology(topologyOrSpec: Topology | TopologySpec): void {
  const problems = topologyProblems(topologyOrSpec);
  const name = isTopology(topologyOrSpec) ? topologyOrSpec.name : topologyOrSpec.name;
  if (problems.length > 0) throw new InvalidTopologyError(problems, name);
}
