// Pieces the topology and component pages share.
import { enc, type ErrorEntry, type LastError } from '../api';
import { h } from '../dom';
import { toMillis, WINDOWS } from '../format';

/** An error as the tables show it. */
export interface ErrorRow {
  time?: number;
  component?: string;
  host?: string;
  port?: number;
  error: string;
}

/** The in-app link to a worker's log. */
export function logHref(topologyId: string, host: string, port: number | string | undefined): string {
  return `#/log?topologyId=${enc(topologyId)}&host=${enc(host)}&port=${enc(String(port ?? ''))}`;
}

/** The window selector (Storm's 10 min / 3 h / 1 day / all time). */
export function windowSelect(value: string, onChange: (value: string) => void): HTMLElement {
  const select = h(
    'select',
    { id: 'window', onchange: (ev: Event) => onChange((ev.target as HTMLSelectElement).value) },
    ...WINDOWS.map((w) => h('option', { value: w.value, selected: w.value === value }, w.label)),
  );
  return h('div', { class: 'field inline' }, h('label', { for: 'window' }, 'Statistics window'), select);
}

/**
 * Errors newest first: the server's error list when it has one, else each component's last error (Storm's rows).
 */
export function errorsOf(list: ErrorEntry[] | undefined, rows: Array<LastError & { component: string }>): ErrorRow[] {
  const out: ErrorRow[] = [];
  for (const e of list ?? []) {
    out.push({
      time: toMillis(e.time ?? e.errorTime),
      component: e.component,
      host: e.errorHost,
      port: portOf(e.errorPort),
      error: e.error,
    });
  }
  // A server that lists errors lists the last ones too; Storm's per-row last error is only the fallback.
  for (const r of list ? [] : rows) {
    if (!r.lastError) continue;
    out.push({
      time: toMillis(r.errorTime),
      component: r.component,
      host: r.errorHost || undefined,
      port: portOf(r.errorPort),
      error: r.lastError,
    });
  }
  return out.sort((a, b) => (b.time ?? 0) - (a.time ?? 0));
}

function portOf(p: number | string | null | undefined): number | undefined {
  if (p === null || p === undefined || p === '') return undefined;
  const n = Number(p);
  return Number.isFinite(n) ? n : undefined;
}
