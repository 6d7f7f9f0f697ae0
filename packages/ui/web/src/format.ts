// Number, time and status formatting shared by the pages.

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567 → "1,234,567"; missing → "–". */
export function count(n: number | string | null | undefined): string {
  if (n === null || n === undefined || n === '') return '–';
  const v = Number(n);
  return Number.isFinite(v) ? intFmt.format(v) : String(n);
}

/** A rate in tuples/s, compact: 950/s, 12.3k/s, 1.45M/s. */
export function rate(perSec: number | undefined): string {
  if (perSec === undefined || !Number.isFinite(perSec)) return '–';
  const v = Math.max(0, perSec);
  if (v >= 1e6) return `${(v / 1e6).toFixed(v >= 1e7 ? 1 : 2)}M/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e4 ? 1 : 2)}k/s`;
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}/s`;
}

/** A latency in ms given as Storm's string-encoded double; "–" when absent. */
export function ms(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '–';
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  return `${n.toFixed(n >= 100 ? 0 : 3)} ms`;
}

/** Storm's capacity (fraction of time busy), 3 decimals. */
export function fraction(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '–';
  const n = Number(v);
  return Number.isFinite(n) ? n.toFixed(3) : String(v);
}

/** Seconds → "2d 3h", "3h 4m", "4m 5s", "5s". */
export function duration(secs: number | string | null | undefined): string {
  if (secs === null || secs === undefined || secs === '') return '–';
  let s = Math.max(0, Math.floor(Number(secs)));
  if (!Number.isFinite(s)) return String(secs);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  s -= mm * 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${mm}m`;
  if (mm) return `${mm}m ${s}s`;
  return `${s}s`;
}

/** Storm reports error times in seconds (topology rows) or milliseconds (component errors); accept both. */
export function toMillis(t: number | null | undefined): number | undefined {
  if (t === null || t === undefined || !Number.isFinite(t) || t <= 0) return undefined;
  return t < 1e11 ? t * 1000 : t;
}

/** A wall-clock time in the browser's zone, with the date when not today. */
export function clock(millis: number | undefined): string {
  if (millis === undefined) return '–';
  const d = new Date(millis);
  const time = d.toLocaleTimeString('en-GB', { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toISOString().slice(0, 10)} ${time}`;
}

/** CSS class for a status badge (ACTIVE, INACTIVE, REBALANCING, KILLED, Leader, ...). */
export function statusClass(status: string): string {
  return `badge status-${status.toLowerCase().replace(/[^a-z]+/g, '-')}`;
}

/** The windows Storm's UI offers, in seconds (":all-time" is everything since launch). */
export const WINDOWS: Array<{ value: string; label: string; secs: number }> = [
  { value: '600', label: 'Last 10 minutes', secs: 600 },
  { value: '10800', label: 'Last 3 hours', secs: 10800 },
  { value: '86400', label: 'Last day', secs: 86400 },
  { value: ':all-time', label: 'All time', secs: Infinity },
];
