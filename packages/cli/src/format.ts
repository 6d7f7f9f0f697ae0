import type { ComponentSummary } from '@squall/stats';

/** 1234567 → "1,234,567". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Renders rows as a left-aligned text table with a header. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** Latencies below a millisecond keep 4 decimals so sub-microsecond executes do not print as 0. */
function ms(x: number): string {
  return x >= 1 ? x.toFixed(1) : x.toFixed(4);
}

/** The per-component table printed by `squall local` and `squall stats`. */
export function componentTable(components: Record<string, ComponentSummary>): string {
  const rows = Object.entries(components).map(([id, c]) => [
    id,
    c.kind,
    String(c.executors),
    String(c.tasks),
    formatInt(c.emitted),
    formatInt(c.transferred),
    formatInt(c.executed),
    formatInt(c.acked),
    formatInt(c.failed),
    ms(c.completeLatencyMs),
    ms(c.processLatencyMs),
    ms(c.executeLatencyMs),
    c.capacity.toFixed(3),
  ]);
  return table(
    [
      'component',
      'kind',
      'executors',
      'tasks',
      'emitted',
      'transferred',
      'executed',
      'acked',
      'failed',
      'complete ms',
      'process ms',
      'execute ms',
      'capacity',
    ],
    rows,
  );
}

/**
 * One live line: spouts show emitted, bolts executed, each with the rate since the previous line, plus acked/failed
 * when tracking is on.
 */
export function liveLine(
  uptimeSecs: number,
  now: Record<string, ComponentSummary>,
  before: Record<string, ComponentSummary>,
  intervalSecs: number,
): string {
  const parts: string[] = [];
  for (const [id, c] of Object.entries(now)) {
    if (c.kind === 'acker') continue;
    const prev = before[id];
    const value = c.kind === 'spout' ? c.emitted : c.executed;
    const rate = (value - (prev ? (c.kind === 'spout' ? prev.emitted : prev.executed) : 0)) / intervalSecs;
    let s = `${id}: ${formatInt(value)} ${c.kind === 'spout' ? 'emitted' : 'executed'} (${formatInt(rate)}/s)`;
    if (c.acked > 0 || c.failed > 0) s += `, ${formatInt(c.acked)} acked, ${formatInt(c.failed)} failed`;
    parts.push(s);
  }
  return `[${uptimeSecs.toFixed(0).padStart(4)}s] ${parts.join(' | ')}`;
}
