// The component page's live "Tap" panel: start/stop a tap on the component (a stream, a sampling percentage, field
// filters), and a table of the tapped tuples, newest first, capped, pausable. Fed by the UI's server-sent-event route
// (GET api/v1/topology/:id/component/:c/tap), read with fetch() so the stored token goes in the Authorization header
// (EventSource cannot send one). Stopping, leaving the page or closing the tab aborts the request, and the UI cancels
// the tap in nimbus and the workers at once.
import { ApiError, authToken, enc, setAuthToken } from './api';
import { h, setText } from './dom';
import type { TapStatus, TapTuple } from '../../src/tap-events';

/** Rows kept in the table; older ones are removed as new ones arrive. */
export const MAX_TAP_ROWS = 500;

/** The panel and what the page tells it. */
export interface TapPanel {
  readonly el: HTMLElement;
  /** The component's output streams (from its outputStats), for the stream selector. */
  setStreams(streams: readonly string[]): void;
  /** Stops a running tap (the page is left). */
  dispose(): void;
}

/** HH:MM:SS.mmm in the browser's zone. */
function clockMs(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
}

export function tapPanel(topologyId: string, component: string): TapPanel {
  let controller: AbortController | undefined;
  let paused = false;
  /** Tuples that arrived while paused, shown when resumed (at most MAX_TAP_ROWS of them). */
  let held: TapTuple[] = [];
  let received = 0;
  let status: TapStatus = { dropped: 0, droppedByUi: 0, rateCapped: 0, maxTuplesPerSec: 0, workers: [], notices: [] };
  let knownStreams = '';

  const streamSelect = h(
    'select',
    { id: 'tap-stream', 'data-testid': 'tap-stream' },
    h('option', { value: '' }, 'every stream'),
  );
  const sample = h('input', {
    id: 'tap-sample',
    type: 'number',
    min: 0.01,
    max: 100,
    step: 'any',
    value: 100,
    inputmode: 'decimal',
    'data-testid': 'tap-sample',
  });
  const filter = h('input', {
    id: 'tap-filter',
    type: 'text',
    placeholder: 'field=value, field=value',
    autocomplete: 'off',
    spellcheck: false,
    'data-testid': 'tap-filter',
  });
  const start = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'tap-start' }, 'Start tap');
  const stopBtn = h(
    'button',
    { type: 'button', class: 'btn', disabled: true, 'data-testid': 'tap-stop', onclick: () => stop('stopped') },
    'Stop',
  );
  const pauseBox = h('input', {
    type: 'checkbox',
    id: 'tap-pause',
    'data-testid': 'tap-pause',
    onchange: () => setPaused(pauseBox.checked),
  });
  const clear = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      onclick: () => {
        body.replaceChildren();
        held = [];
      },
    },
    'Clear',
  );
  const state = h('span', { class: 'tap-state', 'data-testid': 'tap-state', role: 'status' }, 'Not tapping');
  const error = h('p', { class: 'problem', role: 'alert', 'data-testid': 'tap-error' });
  const tokenInput = h('input', { type: 'password', id: 'tap-token', autocomplete: 'off' });
  const tokenField = h(
    'div',
    { class: 'field inline', hidden: true },
    h('label', { for: 'tap-token' }, 'Auth token (nimbus.auth.token)'),
    tokenInput,
  );

  const body = h('tbody');
  const table = h(
    'table',
    { 'data-testid': 'tap-table', class: 'tap-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Time', 'Task', 'Stream', 'Values', 'Message id', 'Worker'].map((l) => h('th', { scope: 'col' }, l)),
      ),
    ),
    body,
  );
  const form = h(
    'form',
    {
      class: 'log-controls',
      'aria-label': 'Tap settings',
      novalidate: true,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        void begin();
      },
    },
    h('label', { for: 'tap-stream' }, 'Stream'),
    streamSelect,
    h('label', { for: 'tap-sample' }, 'Sample %'),
    sample,
    h('label', { for: 'tap-filter' }, 'Filter'),
    filter,
    tokenField,
    start,
    stopBtn,
    h('label', { class: 'check', for: 'tap-pause' }, pauseBox, ' Pause'),
    clear,
  );
  const el = h('div', { class: 'tap-panel' }, form, h('p', {}, state), error, h('div', { class: 'tap-scroll' }, table));

  function setPaused(p: boolean): void {
    paused = p;
    if (!p && held.length > 0) {
      addRows(held);
      held = [];
    }
    renderState();
  }

  function renderState(): void {
    if (!controller) return;
    const workers = status.workers.length > 0 ? ` on ${status.workers.length} worker(s)` : '';
    setText(
      state,
      `Tapping${workers}: ${received.toLocaleString('en-US')} tuple(s) received, ${status.dropped.toLocaleString('en-US')} dropped${capped()}${paused ? `, paused (${held.length} held)` : ''}`,
    );
  }

  function addRows(tuples: TapTuple[]): void {
    const frag = document.createDocumentFragment();
    // Newest first: the batch's last tuple goes on top.
    for (let i = tuples.length - 1; i >= 0 && frag.childNodes.length < MAX_TAP_ROWS; i--) {
      const t = tuples[i]!;
      const values = Object.entries(t.values).map(([k, v]) =>
        h('span', { class: 'tap-value', 'data-field': k }, h('b', {}, k), '=', show(v)),
      );
      const spaced: Array<Node | string> = [];
      values.forEach((v, j) => spaced.push(...(j > 0 ? [' ', v] : [v])));
      frag.appendChild(
        h(
          'tr',
          { 'data-stream': t.stream },
          h('td', { title: t.time }, clockMs(t.timeMs)),
          h('td', { class: 'num' }, t.task),
          h('td', {}, t.stream),
          h('td', { class: 'pre' }, ...spaced),
          h('td', { class: 'pre' }, t.messageId === undefined ? '' : show(t.messageId)),
          h('td', {}, t.worker),
        ),
      );
    }
    body.insertBefore(frag, body.firstChild);
    while (body.childElementCount > MAX_TAP_ROWS) body.lastElementChild!.remove();
  }

  function onEvent(event: string, data: string): void {
    if (event === 'tuples') {
      const tuples = JSON.parse(data) as TapTuple[];
      received += tuples.length;
      if (paused) held = [...held, ...tuples].slice(-MAX_TAP_ROWS);
      else addRows(tuples);
    } else if (event === 'status') {
      status = JSON.parse(data) as TapStatus;
      if (status.notices.length > 0) setText(error, status.notices.join('; '));
    } else if (event === 'end') stop(`ended: ${(JSON.parse(data) as { reason: string }).reason}`);
    else if (event === 'error') {
      setText(error, `Tap failed: ${(JSON.parse(data) as { error: string }).error}`);
      stop('failed');
    }
    renderState();
  }

  function filters(): string[] | string {
    const parts = filter.value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const p of parts) if (p.indexOf('=') <= 0) return `a filter is FIELD=VALUE, got '${p}'`;
    return parts;
  }

  async function begin(): Promise<void> {
    if (controller) return;
    setText(error, '');
    const pct = Number(sample.value);
    if (!(pct > 0 && pct <= 100)) {
      setText(error, 'Sample %: enter a number above 0 and at most 100.');
      sample.focus();
      return;
    }
    const f = filters();
    if (typeof f === 'string') {
      setText(error, `Filter: ${f}.`);
      filter.focus();
      return;
    }
    if (!tokenField.hidden) setAuthToken(tokenInput.value.trim());
    const params = new URLSearchParams({ sample: String(pct) });
    if (streamSelect.value) params.set('stream', streamSelect.value);
    for (const x of f) params.append('filter', x);
    const ctl = (controller = new AbortController());
    received = 0;
    status = { dropped: 0, droppedByUi: 0, rateCapped: 0, maxTuplesPerSec: 0, workers: [], notices: [] };
    held = [];
    start.disabled = true;
    stopBtn.disabled = false;
    setText(state, 'Starting…');
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    const token = authToken();
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      const res = await fetch(
        `api/v1/topology/${enc(topologyId)}/component/${enc(component)}/tap?${params.toString()}`,
        { headers, signal: ctl.signal, cache: 'no-store' },
      );
      if (!res.ok) {
        let message = `${res.status} ${res.statusText}`;
        try {
          const b = (await res.json()) as { errorMessage?: string };
          message = b.errorMessage ?? message;
        } catch {
          /* keep the status line */
        }
        throw new ApiError(res.status, message);
      }
      tokenField.hidden = true;
      renderState();
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) onEvent(event, data.join('\n'));
        }
      }
      if (controller === ctl) stop('ended');
    } catch (err) {
      if (controller !== ctl) return;
      const e = err instanceof Error ? err : new Error(String(err));
      if (e instanceof ApiError && e.status === 401) {
        tokenField.hidden = false;
        tokenInput.value = authToken();
        tokenInput.focus();
        setText(error, `${e.message}: enter the auth token and start again.`);
      } else setText(error, `Tap failed: ${e.message}`);
      stop('failed');
    }
  }

  function stop(why: string): void {
    const ctl = controller;
    if (!ctl) return;
    controller = undefined;
    ctl.abort();
    start.disabled = false;
    stopBtn.disabled = true;
    setText(
      state,
      `Not tapping (${why}): ${received.toLocaleString('en-US')} tuple(s) received, ${status.dropped.toLocaleString('en-US')} dropped${capped()}`,
    );
  }

  /** ", N rate-capped" once the workers skipped tuples over the tap's rate cap. */
  function capped(): string {
    return status.rateCapped ? `, ${status.rateCapped.toLocaleString('en-US')} rate-capped` : '';
  }

  return {
    el,
    setStreams(streams) {
      const key = streams.join(',');
      if (key === knownStreams) return;
      knownStreams = key;
      const chosen = streamSelect.value;
      streamSelect.replaceChildren(
        h('option', { value: '' }, 'every stream'),
        ...streams.map((s) => h('option', { value: s, selected: s === chosen }, s)),
      );
    },
    dispose: () => stop('left the page'),
  };
}
