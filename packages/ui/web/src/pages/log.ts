// The worker log viewer: the tail of a worker's log (pino JSON lines shown as readable text), paging to older and
// newer parts of the file, and "follow" which keeps showing the newest lines as they are written.
import { ApiError, authToken, enc, getJson, setAuthToken, type LogPage } from '../api';
import { facts, h, setText } from '../dom';
import type { Page, PageContext } from '../page';

const PAGE_SIZES = [16384, 65536, 262144];

/** The raw response, tolerant of the field names a log endpoint may use. */
interface RawLogPage extends Partial<LogPage> {
  offset?: number;
  file_size?: number;
}

export function logPage(params: URLSearchParams, ctx: PageContext): Page {
  const topologyId = params.get('topologyId') ?? '';
  const host = params.get('host') ?? '';
  const port = params.get('port') ?? '';
  let pageBytes = PAGE_SIZES[1]!;
  let start = -1;
  let follow = true;
  let shown: { start: number; end: number; fileSize: number } | undefined;
  let raw = false;
  let lastText = '';
  /** Bumped by every paging action: a response to a request made before it is stale and dropped. */
  let position = 0;

  const summary = facts({ topology: 'Topology', worker: 'Worker', range: 'Showing bytes', size: 'File size' });
  summary.set('topology', topologyId || '–');
  summary.set('worker', `${host}:${port}`);
  const pre = h('pre', {
    class: 'log',
    tabindex: 0,
    'data-testid': 'log-text',
    'aria-label': 'Log lines',
    'aria-live': 'off',
  });
  const older = h(
    'button',
    { type: 'button', class: 'btn', onclick: () => void go(Math.max(0, (shown?.start ?? 0) - pageBytes), false) },
    '◀ Older',
  );
  const newer = h(
    'button',
    { type: 'button', class: 'btn', onclick: () => void go(shown ? shown.end : 0, false) },
    'Newer ▶',
  );
  const tail = h('button', { type: 'button', class: 'btn', onclick: () => void go(-1, true) }, 'Tail');
  const followBox = h('input', {
    type: 'checkbox',
    id: 'follow',
    checked: true,
    onchange: (ev: Event) => void go(-1, (ev.target as HTMLInputElement).checked),
  });
  const rawBox = h('input', {
    type: 'checkbox',
    id: 'raw',
    onchange: (ev: Event) => {
      raw = (ev.target as HTMLInputElement).checked;
      render(lastText, true);
    },
  });
  const size = h(
    'select',
    {
      id: 'page-size',
      onchange: (ev: Event) => {
        pageBytes = Number((ev.target as HTMLSelectElement).value);
        void go(follow ? -1 : Math.max(0, shown?.start ?? 0), follow);
      },
    },
    ...PAGE_SIZES.map((n) => h('option', { value: n, selected: n === pageBytes }, `${n / 1024} KiB`)),
  );
  const controls = h(
    'div',
    { class: 'log-controls', role: 'toolbar', 'aria-label': 'Log paging' },
    older,
    newer,
    tail,
    h('label', { class: 'check', for: 'follow' }, followBox, ' Follow'),
    h('label', { class: 'check', for: 'raw' }, rawBox, ' Raw JSON'),
    h('label', { for: 'page-size' }, 'Page '),
    size,
  );

  // With nimbus.auth.token set, logs need the token: asked for here when the server says so (401).
  const tokenInput = h('input', { type: 'password', id: 'log-token', autocomplete: 'off', value: authToken() });
  const tokenForm = h(
    'form',
    {
      class: 'field',
      hidden: true,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        setAuthToken(tokenInput.value.trim());
        void ctx.refreshNow();
      },
    },
    h('label', { for: 'log-token' }, 'Auth token (nimbus.auth.token) to read logs '),
    tokenInput,
    h('button', { type: 'submit', class: 'btn' }, 'Show log'),
  );

  const el = h(
    'div',
    { class: 'page page-log' },
    h(
      'p',
      { class: 'crumbs' },
      h('a', { href: '#/' }, 'Cluster'),
      ' › ',
      topologyId ? h('a', { href: `#/topology/${enc(topologyId)}` }, topologyId) : '',
      ' › Worker log',
    ),
    h('h1', {}, `Worker log ${host}:${port}`),
    summary.el,
    tokenForm,
    controls,
    pre,
  );

  async function go(to: number, f: boolean): Promise<void> {
    position++;
    start = to;
    follow = f;
    followBox.checked = f;
    await ctx.refreshNow();
  }

  function render(text: string, force = false): void {
    if (!force && text === lastText) return;
    lastText = text;
    const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
    pre.textContent = raw ? text : text.split('\n').map(prettyLine).join('\n');
    if (follow && atBottom) pre.scrollTop = pre.scrollHeight;
  }

  return {
    el,
    title: `Log ${host}:${port}`,
    async refresh() {
      if (!topologyId || !host || !port) throw new Error('the log link is missing topologyId, host or port');
      const offset = follow || start < 0 ? -pageBytes : start;
      const asked = position;
      let res: RawLogPage;
      try {
        res = await getJson<RawLogPage>(
          `/log?topologyId=${enc(topologyId)}&host=${enc(host)}&port=${enc(port)}&start=${offset}&length=${pageBytes}`,
        );
      } catch (err) {
        if (err instanceof ApiError && err.status === 401 && tokenForm.hidden) {
          tokenForm.hidden = false;
          tokenInput.focus();
        }
        throw err;
      }
      tokenForm.hidden = true;
      if (asked !== position) return;
      const data = res.data ?? '';
      const first = res.start ?? res.offset ?? 0;
      const bytes = new TextEncoder().encode(data).length;
      const fileSize = res.fileSize ?? res.file_size ?? first + bytes;
      shown = { start: first, end: first + bytes, fileSize };
      if (!follow) start = first;
      summary.set(
        'range',
        bytes ? `${first.toLocaleString('en-US')}–${(first + bytes).toLocaleString('en-US')}` : 'none',
      );
      summary.set('size', `${fileSize.toLocaleString('en-US')} bytes`);
      older.disabled = first <= 0;
      newer.disabled = first + bytes >= fileSize;
      render(trimPartialLines(data, first > 0, first + bytes < fileSize));
      setText(tail, follow ? 'Tail (following)' : 'Tail');
    },
  };
}

/** A page cut at arbitrary bytes starts and ends mid-line; drop the fragments so every line shown is whole. */
function trimPartialLines(data: string, cutStart: boolean, cutEnd: boolean): string {
  let s = data;
  if (cutStart) {
    const nl = s.indexOf('\n');
    s = nl >= 0 ? s.slice(nl + 1) : '';
  }
  if (cutEnd) {
    const nl = s.lastIndexOf('\n');
    s = nl >= 0 ? s.slice(0, nl + 1) : s;
  }
  return s.replace(/\n$/, '');
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SHOWN = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'component', 'task', 'topology', 'v', 'err']);

/** A pino JSON line as "HH:MM:SS.mmm LEVEL component[task] message key=value…"; other lines unchanged. */
export function prettyLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const t = typeof o.time === 'number' ? localTime(o.time) : String(o.time ?? '');
    const level = typeof o.level === 'number' ? (LEVELS[o.level] ?? String(o.level)) : String(o.level ?? '');
    const where =
      o.component !== undefined ? `${String(o.component)}${o.task !== undefined ? `[${String(o.task)}]` : ''} ` : '';
    const extra = Object.entries(o)
      .filter(([k]) => !SHOWN.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    // An error's stack goes on the following lines, indented, as a terminal would show it.
    const err = o.err as { message?: string; stack?: string } | undefined;
    const stack =
      err && typeof err === 'object'
        ? `\n    ${String(err.stack ?? err.message ?? JSON.stringify(err))
            .split('\n')
            .join('\n    ')}`
        : '';
    return `${t} ${level.padEnd(5)} ${where}${String(o.msg ?? '')}${extra ? ` ${extra}` : ''}${stack}`;
  } catch {
    return line;
  }
}

/** HH:MM:SS.mmm in the browser's zone, like the other times of the UI. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
