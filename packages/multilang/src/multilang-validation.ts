import { InvalidTopologyError, isTopology, topologyProblems, type Topology, type TopologySpec } from '@squall/api';
import { PYTHON_FIELD_RULE, pythonFieldNameProblem } from './python-names';

/** One problem of a multi-lang component. */
export interface MultilangProblem {
  /** The shell component concerned. */
  component: string;
  /** For a problem with an input stream: the source component whose stream it is. */
  source?: string;
  /** The stream concerned (the component's own, or the source's). */
  stream: string;
  /** The offending field name. */
  field: string;
  /** The full problem line, naming component, stream and field. */
  message: string;
}

/**
 * Field-name problems of every multi-lang component (a component whose spec has `shell`): its own output fields,
 * and the fields of every stream it subscribes to (pystorm builds a named tuple type per source stream too, and
 * crashes at start-up on a name Python refuses). Components added without `setShell` are only checked for their own
 * outputs, by the builder (see {@link declareShellOutputs}).
 */
export function multilangProblemList(spec: TopologySpec): MultilangProblem[] {
  const byId = new Map(spec.components.map((c) => [c.id, c]));
  const out: MultilangProblem[] = [];
  for (const c of spec.components) {
    if (!c.shell) continue;
    for (const s of c.outputs)
      for (const f of s.fields) {
        const p = pythonFieldNameProblem(f);
        if (p)
          out.push({
            component: c.id,
            stream: s.id,
            field: f,
            message: `component '${c.id}': stream '${s.id}': field '${f}' ${p} (${PYTHON_FIELD_RULE})`,
          });
      }
    for (const input of c.inputs) {
      const stream = byId.get(input.component)?.outputs.find((s) => s.id === input.stream);
      for (const f of stream?.fields ?? []) {
        const p = pythonFieldNameProblem(f);
        if (p)
          out.push({
            component: c.id,
            source: input.component,
            stream: input.stream,
            field: f,
            message: `component '${c.id}': input from '${input.component}' stream '${input.stream}': field '${f}' ${p} (${PYTHON_FIELD_RULE})`,
          });
      }
    }
  }
  return out;
}

/** {@link multilangProblemList} as lines, for validation output. */
export function multilangProblems(topologyOrSpec: Topology | TopologySpec): string[] {
  const spec = isTopology(topologyOrSpec) ? topologyOrSpec.spec : topologyOrSpec;
  return multilangProblemList(spec).map((p) => p.message);
}

/**
 * The normal topology validation plus the multi-lang checks, every problem at once.
 * @throws InvalidTopologyError listing every problem
 */
export function validateMultilangTopology(topology: Topology | TopologySpec): void {
  const problems = [...topologyProblems(topology)];
  for (const p of multilangProblems(topology)) if (!problems.includes(p)) problems.push(p);
  if (problems.length > 0) throw new InvalidTopologyError(problems, topology.name);
}
