import type { OutputFieldsDeclarer, StreamSpec } from '@squall/api';
import { PYTHON_FIELD_RULE, pythonFieldNameProblem } from './python-names';

/** Problems of a shell component's own output streams: field names a Python child cannot use. */
export function outputFieldProblems(outputs: readonly StreamSpec[]): string[] {
  const problems: string[] = [];
  for (const s of outputs)
    for (const f of s.fields) {
      const p = pythonFieldNameProblem(f);
      if (p) problems.push(`stream '${s.id}': field '${f}' ${p} (${PYTHON_FIELD_RULE})`);
    }
  return problems;
}

/**
 * Declares a shell component's streams. When the declarer collects problems (the topology builder's does), field
 * names a Python child cannot use are added to them, so they are reported at submit with the other validation
 * problems, naming component, stream and field.
 */
export function declareShellOutputs(declarer: OutputFieldsDeclarer, outputs: readonly StreamSpec[]): void {
  for (const s of outputs) declarer.declareStream(s.id, s.fields, s.direct);
  const sink = (declarer as { problems?: unknown }).problems;
  if (Array.isArray(sink)) sink.push(...outputFieldProblems(outputs));
}
