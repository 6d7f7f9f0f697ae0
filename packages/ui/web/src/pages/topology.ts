// The topology page: summary and actions, the live graph, throughput and latency charts, spout and bolt tables,
// recent errors and worker placement.
import {
  enc,
  getJson,
  postJson,
  type BoltRow,
  type GraphEdge,
  type SpoutRow,
  type TopologyPage,
  type WindowStats,
  type WorkerSummary,
} from '../api';
import { LiveChart } from '../charts';
import { confirmAction } from '../dialog';
import { facts, h, LiveTable, section, setText } from '../dom';
import { clock, count, duration, fraction, ms, rate, statusClass, WINDOWS } from '../format';
import { TopologyGraph, type GraphEdgeView, type GraphNodeView } from '../graph';
import type { Page, PageContext } from '../page';
import { IntervalMean, RateTracker } from '../rates';
import { errorsOf, logHref, windowSelect, type ErrorRow } from './shared';

export function topologyPage(id: string, ctx: PageContext): Page {
  const base = `/topology/${enc(id)}`;
  let window = sessionStorage.getItem('squall.ui.window') ?? ':all-time';
  let last: TopologyPage | undefined;

  const heading = h('h1', {}, id);
  const status = h('span', { class: 'badge', 'data-testid': 'topology-status' }, '…');
  const summary = facts({
    id: 'Id',
    uptime: 'Uptime',
    workers: 'Workers',
    executors: 'Executors',
    tasks: 'Tasks',
    timeout: 'Message timeout',
    owner: 'Owner',
  });

  const act = (label: string, onclick: () => void, danger = false): HTMLButtonElement =>
    h(
      'button',
      { type: 'button', class: danger ? 'btn btn-danger' : 'btn', 'data-action': label.toLowerCase(), onclick },
      label,
    );
  const activate = act('Activate', () => void doAction('activate'));
  const deactivate = act('Deactivate', () => void doAction('deactivate'));
  const rebalance = act('Rebalance', () => void doAction('rebalance'));
  const kill = act('Kill', () => void doAction('kill'), true);
  const actions = h(
    'div',
    { class: 'actions', role: 'group', 'aria-label': 'Topology actions' },
    activate,
    deactivate,
    rebalance,
    kill,
  );

  const select = windowSelect(window, (v) => {
    window = v;
    sessionStorage.setItem('squall.ui.window', v);
    throughput.setSpan(spanOf(v));
    latency.setSpan(spanOf(v));
    void ctx.refreshNow();
  });

  const graph = new TopologyGraph();
  const throughput = new LiveChart(
    'Throughput (tuples/s)',
    [
      { label: 'Emitted', stroke: '#2f6fdb' },
      { label: 'Acked', stroke: '#1f9d55' },
      { label: 'Failed', stroke: '#d64545' },
    ],
    (v) => rate(v),
    (v) => rate(v).replace('/s', ''),
    'chart-throughput',
  );
  const latency = new LiveChart(
    'Complete latency (ms)',
    [{ label: 'Complete latency', stroke: '#9b59b6' }],
    (v) => ms(v),
    (v) => `${Number(v.toPrecision(3))}`,
    'chart-latency',
  );
  throughput.setSpan(spanOf(window));
  latency.setSpan(spanOf(window));

  const compHref = (c: string): string => `#${base}/component/${enc(c)}`;
  const errCell = (r: { lastError?: string }) => ({
    text: firstLine(r.lastError ?? '') || '–',
    title: r.lastError ?? '',
    cls: r.lastError ? 'error-text' : '',
  });
  const spouts = new LiveTable<SpoutRow>(
    [
      { label: 'Id', value: (s) => ({ text: s.spoutId, href: compHref(s.spoutId) }) },
      { label: 'Executors', value: (s) => count(s.executors), numeric: true },
      { label: 'Tasks', value: (s) => count(s.tasks), numeric: true },
      { label: 'Emitted', value: (s) => count(s.emitted), numeric: true },
      { label: 'Transferred', value: (s) => count(s.transferred), numeric: true },
      { label: 'Complete latency', value: (s) => ms(s.completeLatency), numeric: true },
      { label: 'Acked', value: (s) => count(s.acked), numeric: true },
      { label: 'Failed', value: (s) => count(s.failed), numeric: true },
      { label: 'Last error', value: errCell },
    ],
    (s) => s.spoutId,
    { emptyText: 'No spouts', testId: 'spouts-table' },
  );
  const bolts = new LiveTable<BoltRow>(
    [
      { label: 'Id', value: (b) => ({ text: b.boltId, href: compHref(b.boltId) }) },
      { label: 'Executors', value: (b) => count(b.executors), numeric: true },
      { label: 'Tasks', value: (b) => count(b.tasks), numeric: true },
      { label: 'Emitted', value: (b) => count(b.emitted), numeric: true },
      { label: 'Transferred', value: (b) => count(b.transferred), numeric: true },
      { label: 'Capacity', value: (b) => fraction(b.capacity), numeric: true },
      { label: 'Execute latency', value: (b) => ms(b.executeLatency), numeric: true },
      { label: 'Executed', value: (b) => count(b.executed), numeric: true },
      { label: 'Process latency', value: (b) => ms(b.processLatency), numeric: true },
      { label: 'Acked', value: (b) => count(b.acked), numeric: true },
      { label: 'Failed', value: (b) => count(b.failed), numeric: true },
      { label: 'Last error', value: errCell },
    ],
    (b) => b.boltId,
    { emptyText: 'No bolts', testId: 'bolts-table' },
  );
  const errors = new LiveTable<ErrorRow>(
    [
      { label: 'Time', value: (e) => clock(e.time) },
      { label: 'Component', value: (e) => (e.component ? { text: e.component, href: compHref(e.component) } : '–') },
      {
        label: 'Worker',
        value: (e) => (e.host ? { text: `${e.host}:${e.port ?? '?'}`, href: logHref(id, e.host, e.port) } : '–'),
      },
      { label: 'Error', value: (e) => ({ text: firstLine(e.error), title: e.error, cls: 'error-text' }) },
    ],
    (e) => `${e.time ?? ''}|${e.component ?? ''}|${e.host ?? ''}:${e.port ?? ''}|${e.error}`,
    { emptyText: 'No errors reported', testId: 'errors-table' },
  );
  const workers = new LiveTable<WorkerSummary>(
    [
      { label: 'Host', value: (w) => w.host },
      { label: 'Port', value: (w) => w.port, numeric: true },
      { label: 'Supervisor', value: (w) => w.supervisorId ?? '–' },
      { label: 'Status', value: (w) => (w.status ? { text: w.status, cls: statusClass(w.status) } : '–') },
      {
        label: 'Uptime',
        value: (w) => (w.uptimeSeconds !== undefined ? duration(w.uptimeSeconds) : (w.uptime ?? '–')),
        numeric: true,
      },
      { label: 'Executors', value: (w) => count(w.executorsTotal), numeric: true },
      {
        label: 'Components',
        value: (w) =>
          Object.entries(w.componentNumTasks ?? {})
            .map(([c, n]) => `${c} (${n})`)
            .join(', ') || '–',
      },
      { label: 'Log', value: (w) => ({ text: 'worker log', href: logHref(id, w.host, w.port) }) },
    ],
    (w) => `${w.host}:${w.port}`,
    { emptyText: 'No workers assigned', testId: 'workers-table' },
  );

  const el = h(
    'div',
    { class: 'page page-topology' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Cluster'), ' › Topology'),
    h('div', { class: 'title-row' }, heading, status, actions),
    section('Summary', 'summary', summary.el, h('div', { class: 'window-row' }, select)),
    section(
      'Graph',
      'graph',
      graph.el,
      h('p', { class: 'hint' }, 'Arrows: stream, grouping and current tuples/s. Select a component to open it.'),
    ),
    section('Live', 'live', h('div', { class: 'charts' }, throughput.el, latency.el)),
    section('Spouts', 'spouts', spouts.el),
    section('Bolts', 'bolts', bolts.el),
    section('Errors', 'errors', errors.el),
    section('Workers', 'workers', workers.el),
  );

  const rates = new RateTracker();
  const latencyMean = new IntervalMean();

  async function doAction(kind: 'activate' | 'deactivate' | 'rebalance' | 'kill'): Promise<void> {
    const name = last?.name ?? id;
    const wait = last?.msgTimeout ?? 30;
    const opener = { activate, deactivate, rebalance, kill }[kind];
    const specs = {
      activate: {
        title: `Activate ${name}?`,
        message: 'Its spouts start emitting again.',
        confirmLabel: 'Activate',
        fields: [],
      },
      deactivate: {
        title: `Deactivate ${name}?`,
        message: 'Its spouts stop emitting; tuples in flight still complete.',
        confirmLabel: 'Deactivate',
        fields: [],
      },
      rebalance: {
        title: `Rebalance ${name}?`,
        message: 'The topology is deactivated for the wait, then its executors are rescheduled over the workers.',
        confirmLabel: 'Rebalance',
        fields: [
          { name: 'wait', label: 'Wait (seconds)', value: wait, min: 0 },
          { name: 'workers', label: `Workers (now ${last?.workersTotal ?? '?'})`, min: 1, optional: true },
          ...components().map((c) => ({
            name: `executors:${c.id}`,
            label: `Executors of ${c.id} (now ${c.executors})`,
            min: 1,
            optional: true,
          })),
        ],
      },
      kill: {
        title: `Kill ${name}?`,
        message: 'Its spouts stop now; its workers are stopped after the wait. This cannot be undone.',
        confirmLabel: 'Kill',
        danger: true,
        fields: [{ name: 'wait', label: 'Wait (seconds)', value: wait, min: 0 }],
      },
    }[kind];
    const done = await confirmAction({
      ...specs,
      perform: async (v) => {
        if (kind === 'activate' || kind === 'deactivate') await postJson(`${base}/${kind}`);
        else if (kind === 'kill') await postJson(`${base}/kill/${v.wait ?? 0}`);
        else {
          const executors = Object.fromEntries(
            Object.entries(v)
              .filter(([k, n]) => k.startsWith('executors:') && n !== undefined)
              .map(([k, n]) => [k.slice('executors:'.length), n]),
          );
          await postJson(`${base}/rebalance/${v.wait ?? 0}`, {
            rebalanceOptions: {
              ...(v.workers !== undefined ? { numWorkers: v.workers } : {}),
              ...(Object.keys(executors).length > 0 ? { executors } : {}),
            },
          });
        }
      },
    });
    if (!done) return;
    ctx.announce(`${specs.confirmLabel}: request accepted for ${name}`);
    if (kind === 'kill') {
      // The topology is going away; the cluster overview shows it as KILLED until its workers have stopped.
      location.hash = '#/';
      return;
    }
    await ctx.refreshNow();
    // The button just used is usually disabled now; keep keyboard focus on the actions, not on the page body.
    if (opener.disabled && (document.activeElement === opener || document.activeElement === document.body)) {
      const next = [activate, deactivate, rebalance, kill].find((b) => !b.disabled);
      next?.focus();
    }
  }

  /** The user components (not the acker), for the rebalance dialog. */
  function components(): Array<{ id: string; executors: number }> {
    return [
      ...(last?.spouts ?? []).map((c) => ({ id: c.spoutId, executors: c.executors })),
      ...(last?.bolts ?? []).map((c) => ({ id: c.boltId, executors: c.executors })),
    ].filter((c) => !c.id.startsWith('__'));
  }

  /** The graph's edges: Squall's `edges`, with executed counts (so rates). */
  function edgesOf(page: TopologyPage): GraphEdge[] {
    return page.edges;
  }

  return {
    el,
    get title() {
      return last?.name ?? id;
    },
    async refresh() {
      const allTimePromise = getJson<TopologyPage>(`${base}?window=:all-time`);
      const [allTime, windowed] = await Promise.all([
        allTimePromise,
        window === ':all-time' ? allTimePromise : getJson<TopologyPage>(`${base}?window=${enc(window)}`),
      ]);
      const now = Date.now();
      last = windowed;
      setText(heading, windowed.name);
      document.title = `${windowed.name} · Squall`;
      setText(status, windowed.status);
      status.className = statusClass(windowed.status);
      summary.set('id', windowed.id);
      summary.set(
        'uptime',
        windowed.uptimeSeconds !== undefined ? duration(windowed.uptimeSeconds) : (windowed.uptime ?? '–'),
      );
      summary.set('workers', count(windowed.workersTotal));
      summary.set('executors', count(windowed.executorsTotal));
      summary.set('tasks', count(windowed.tasksTotal));
      summary.set('timeout', windowed.msgTimeout !== undefined ? `${windowed.msgTimeout} s` : '–');
      summary.set('owner', windowed.owner ?? '–');
      const st = windowed.status.toUpperCase();
      activate.disabled = st === 'ACTIVE' || st === 'KILLED';
      deactivate.disabled = st !== 'ACTIVE';
      rebalance.disabled = st === 'KILLED' || st === 'REBALANCING';
      kill.disabled = st === 'KILLED';

      spouts.update([...(windowed.spouts ?? [])].sort((a, b) => a.spoutId.localeCompare(b.spoutId)));
      bolts.update([...(windowed.bolts ?? [])].sort((a, b) => a.boltId.localeCompare(b.boltId)));
      const errList = errorsOf(windowed.errors, [
        ...(windowed.spouts ?? []).map((s) => ({ ...s, component: s.spoutId })),
        ...(windowed.bolts ?? []).map((b) => ({ ...b, component: b.boltId })),
      ]);
      errors.update(errList);
      workers.update([...(windowed.workers ?? [])].sort((a, b) => a.host.localeCompare(b.host) || a.port - b.port));

      // Live figures come from the all-time counters: the rate is the change since the previous refresh.
      const total =
        allTime.topologyStats?.find((s) => s.window === ':all-time' || s.window === '0') ?? sumStats(allTime);
      const emitted = rates.sample('t:emitted', total.emitted, now);
      const acked = rates.sample('t:acked', total.acked, now);
      const failed = rates.sample('t:failed', total.failed, now);
      const lat = latencyMean.sample(num(total.completeLatency), total.acked);
      if (emitted !== undefined || acked !== undefined || failed !== undefined)
        throughput.push(now / 1000, [emitted ?? null, acked ?? null, failed ?? null]);
      if (acked !== undefined) latency.push(now / 1000, [lat ?? null]);

      const keys = new Set(['t:emitted', 't:acked', 't:failed']);
      const nodes: GraphNodeView[] = [];
      const errored = new Set(errList.map((e) => e.component));
      for (const s of allTime.spouts ?? []) {
        keys.add(`n:${s.spoutId}`);
        const r = rates.sample(`n:${s.spoutId}`, s.emitted, now);
        nodes.push({
          id: s.spoutId,
          kind: 'spout',
          detail: `spout · ${s.executors}× · ${rate(r)}`,
          href: compHref(s.spoutId),
          hasError: !!s.lastError || errored.has(s.spoutId),
        });
      }
      for (const b of allTime.bolts ?? []) {
        if (b.boltId.startsWith('__')) continue;
        keys.add(`n:${b.boltId}`);
        const r = rates.sample(`n:${b.boltId}`, b.executed ?? b.acked, now);
        nodes.push({
          id: b.boltId,
          kind: 'bolt',
          detail: `bolt · ${b.executors}× · ${rate(r)}`,
          href: compHref(b.boltId),
          hasError: !!b.lastError || errored.has(b.boltId),
        });
      }
      const edges: GraphEdgeView[] = edgesOf(allTime).map((e) => {
        const key = `e:${e.source}->${e.target}:${e.stream}`;
        keys.add(key);
        const r = e.rate ?? rates.sample(key, e.executed, now);
        return {
          source: e.source,
          target: e.target,
          stream: e.stream || 'default',
          grouping: e.grouping ?? 'subscribes',
          rate: r,
        };
      });
      rates.retain(keys);
      graph.update(nodes, edges);
    },
    dispose() {
      throughput.dispose();
      latency.dispose();
    },
  };
}

function spanOf(window: string): number {
  return WINDOWS.find((w) => w.value === window)?.secs ?? Infinity;
}

function num(v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/** Totals when the server sends no topologyStats: spouts' emitted/acked/failed (as Storm counts them). */
function sumStats(p: TopologyPage): WindowStats {
  const spouts = p.spouts ?? [];
  const acked = spouts.reduce((a, s) => a + s.acked, 0);
  const weighted = spouts.reduce((a, s) => a + (num(s.completeLatency) ?? 0) * s.acked, 0);
  return {
    windowPretty: 'All time',
    window: ':all-time',
    emitted: [...spouts, ...(p.bolts ?? [])].reduce((a, c) => a + c.emitted, 0),
    transferred: [...spouts, ...(p.bolts ?? [])].reduce((a, c) => a + c.transferred, 0),
    acked,
    failed: spouts.reduce((a, s) => a + s.failed, 0),
    completeLatency: (acked > 0 ? weighted / acked : 0).toFixed(3),
  };
}
