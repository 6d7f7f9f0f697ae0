import { mergeConfig, type Config } from '@squall/core';
import type { ComponentSpec, TopologySpec } from './topology-spec';
import { WINDOW_KEYS } from './windowed-bolt';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Whether a component's configuration makes it a windowed bolt (any of Storm's window keys set on it). */
export function isWindowedComponent(c: ComponentSpec): boolean {
  const conf = c.conf ?? {};
  return (
    conf[WINDOW_KEYS.lengthCount] != null ||
    conf[WINDOW_KEYS.lengthDurationMs] != null ||
    conf[WINDOW_KEYS.slideCount] != null ||
    conf[WINDOW_KEYS.slideDurationMs] != null
  );
}

/** Spouts from which `c` receives tuples, directly or through other bolts. */
function upstreamSpouts(c: ComponentSpec, byId: ReadonlyMap<string, ComponentSpec>): ComponentSpec[] {
  const seen = new Set<string>([c.id]);
  const out: ComponentSpec[] = [];
  const todo = [...c.inputs.map((i) => i.component)];
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const s = byId.get(id);
    if (!s) continue;
    if (s.kind === 'spout') out.push(s);
    else todo.push(...s.inputs.map((i) => i.component));
  }
  return out;
}

/**
 * Problems of windowed bolt `c` (Storm's `WindowedBoltExecutor.validate`, plus Squall's late-stream check), each
 * naming the component and the values: tuples stay un-acked while in the window, so a duration window whose length +
 * sliding interval exceeds `topology.message.timeout.secs` times them out, and a count window whose length + sliding
 * interval exceeds `topology.max.spout.pending` never fills.
 */
export function windowProblems(
  c: ComponentSpec,
  spec: TopologySpec,
  byId: ReadonlyMap<string, ComponentSpec>,
): string[] {
  if (!isWindowedComponent(c) && c.conf?.[WINDOW_KEYS.lateTupleStream] == null) return [];
  const where = `component '${c.id}'`;
  const problems: string[] = [];
  const conf: Config = mergeConfig(spec.conf, c.conf);
  const lengthCount = num(conf[WINDOW_KEYS.lengthCount]);
  const lengthMs = num(conf[WINDOW_KEYS.lengthDurationMs]);
  const slideCount = num(conf[WINDOW_KEYS.slideCount]);
  const slideMs = num(conf[WINDOW_KEYS.slideDurationMs]);
  if (lengthCount === undefined && lengthMs === undefined)
    problems.push(
      `${where}: windowed bolt has no window length (${WINDOW_KEYS.lengthCount} or ${WINDOW_KEYS.lengthDurationMs})`,
    );
  if (lengthCount !== undefined && lengthMs !== undefined)
    problems.push(
      `${where}: window length is given both as a count (${lengthCount}) and a duration (${lengthMs} ms); set one`,
    );
  if (slideCount !== undefined && slideMs !== undefined)
    problems.push(
      `${where}: sliding interval is given both as a count (${slideCount}) and a duration (${slideMs} ms); set one`,
    );

  if (conf['topology.enable.message.timeouts'] !== false) {
    const timeoutSecs = num(conf['topology.message.timeout.secs']) ?? 30;
    const timeoutMs = timeoutSecs * 1000;
    const ms = lengthMs !== undefined && slideMs !== undefined ? lengthMs + slideMs : (lengthMs ?? slideMs);
    const what =
      lengthMs !== undefined && slideMs !== undefined
        ? `window length + sliding interval (${lengthMs} ms + ${slideMs} ms = ${ms} ms)`
        : lengthMs !== undefined
          ? `window length (${lengthMs} ms)`
          : `sliding interval (${slideMs} ms)`;
    if (ms !== undefined && ms > timeoutMs)
      problems.push(
        `${where}: ${what} exceeds topology.message.timeout.secs (${timeoutSecs} s = ${timeoutMs} ms): tuples would time out while still in the window`,
      );
  }

  const count =
    lengthCount !== undefined && slideCount !== undefined ? lengthCount + slideCount : (lengthCount ?? slideCount);
  if (count !== undefined) {
    const what =
      lengthCount !== undefined && slideCount !== undefined
        ? `count window length + sliding interval (${lengthCount} + ${slideCount} = ${count})`
        : lengthCount !== undefined
          ? `count window length (${lengthCount})`
          : `sliding interval (${slideCount} tuples)`;
    const own = num(conf['topology.max.spout.pending']);
    if (own !== undefined && count > own)
      problems.push(`${where}: ${what} exceeds topology.max.spout.pending (${own}): the window would never fill`);
    else
      for (const s of upstreamSpouts(c, byId)) {
        const pending = num(mergeConfig(spec.conf, s.conf)['topology.max.spout.pending']);
        if (pending !== undefined && count > pending)
          problems.push(
            `${where}: ${what} exceeds topology.max.spout.pending (${pending}) of spout '${s.id}': the window would never fill`,
          );
      }
  }

  const late = conf[WINDOW_KEYS.lateTupleStream];
  if (late != null && conf[WINDOW_KEYS.timestampField] == null && conf[WINDOW_KEYS.timestampExtractor] !== true)
    problems.push(
      `${where}: late tuple stream '${String(late)}' needs event time: set a timestamp field (withTimestampField or ${WINDOW_KEYS.timestampField}) or a timestamp extractor`,
    );
  return problems;
}
