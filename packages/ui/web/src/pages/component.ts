// The component page: per-window totals, input and output streams, executors with their workers, errors, and a live
// tap of the tuples it emits.
import {
  enc,
  getJson,
  type ComponentPage,
  type ExecutorStat,
  type InputStat,
  type OutputStat,
  type TopologyPage,
  type WindowStats,
} from '../api';
import { facts, h, LiveTable, section, setText } from '../dom';
import { clock, count, duration, fraction, ms, statusClass } from '../format';
import type { Page, PageContext } from '../page';
import { tapPanel } from '../tap-panel';
import { errorsOf, logHref, windowSelect, type ErrorRow } from './shared';

type WindowRow = WindowStats & {
  executed?: number;
  executeLatency?: string | number;
  processLatency?: string | number;
  capacity?: string | number;
};

export function componentPage(topologyId: string, component: string, ctx: PageContext): Page {
  let window = sessionStorage.getItem('squall.ui.window') ?? ':all-time';
  let kind = '';
  const heading = h('h1', {}, component);
  const type = h('span', { class: 'badge' }, '…');
  const topoLink = h('a', { href: `#/topology/${enc(topologyId)}` }, topologyId);
  const summary = facts({ topology: 'Topology', status: 'Topology status', executors: 'Executors', tasks: 'Tasks' });
  const select = windowSelect(window, (v) => {
    window = v;
    sessionStorage.setItem('squall.ui.window', v);
    void ctx.refreshNow();
  });

  const windows = new LiveTable<WindowRow>(
    [
      { label: 'Window', value: (w) => w.windowPretty ?? w.window },
      { label: 'Emitted', value: (w) => count(w.emitted), numeric: true },
      { label: 'Transferred', value: (w) => count(w.transferred), numeric: true },
      // Storm's spout rows have no execute figures and its bolt rows no complete latency.
      { label: 'Executed', value: (w) => (kind === 'spout' ? '–' : count(w.executed)), numeric: true },
      { label: 'Complete latency', value: (w) => (kind === 'bolt' ? '–' : ms(w.completeLatency)), numeric: true },
      { label: 'Execute latency', value: (w) => (kind === 'spout' ? '–' : ms(w.executeLatency)), numeric: true },
      { label: 'Process latency', value: (w) => (kind === 'spout' ? '–' : ms(w.processLatency)), numeric: true },
      { label: 'Acked', value: (w) => count(w.acked), numeric: true },
      { label: 'Failed', value: (w) => count(w.failed), numeric: true },
    ],
    (w) => w.window,
    { emptyText: 'No statistics yet', testId: 'window-table' },
  );
  const inputs = new LiveTable<InputStat>(
    [
      {
        label: 'Component',
        value: (i) =>
          i.component.startsWith('__')
            ? i.component
            : { text: i.component, href: `#/topology/${enc(topologyId)}/component/${enc(i.component)}` },
      },
      { label: 'Stream', value: (i) => i.stream },
      { label: 'Grouping', value: (i) => i.grouping || groupings?.get(`${i.component}:${i.stream}`) || '–' },
      { label: 'Executed', value: (i) => count(i.executed), numeric: true },
      { label: 'Execute latency', value: (i) => ms(i.executeLatency), numeric: true },
      { label: 'Process latency', value: (i) => ms(i.processLatency), numeric: true },
      { label: 'Acked', value: (i) => count(i.acked), numeric: true },
      { label: 'Failed', value: (i) => count(i.failed), numeric: true },
    ],
    (i) => `${i.component}:${i.stream}`,
    { emptyText: 'No inputs', testId: 'inputs-table' },
  );
  const outputs = new LiveTable<OutputStat>(
    [
      { label: 'Stream', value: (o) => o.stream },
      { label: 'Emitted', value: (o) => count(o.emitted), numeric: true },
      { label: 'Transferred', value: (o) => count(o.transferred), numeric: true },
      { label: 'Complete latency', value: (o) => ms(o.completeLatency), numeric: true },
      { label: 'Acked', value: (o) => count(o.acked), numeric: true },
      { label: 'Failed', value: (o) => count(o.failed), numeric: true },
    ],
    (o) => o.stream,
    { emptyText: 'No outputs', testId: 'outputs-table' },
  );
  const executors = new LiveTable<ExecutorStat>(
    [
      { label: 'Executor', value: (e) => e.id },
      { label: 'Worker', value: (e) => ({ text: `${e.host}:${e.port}`, href: logHref(topologyId, e.host, e.port) }) },
      {
        label: 'Uptime',
        value: (e) => (e.uptimeSeconds !== undefined ? duration(e.uptimeSeconds) : (e.uptime ?? '–')),
        numeric: true,
      },
      { label: 'Emitted', value: (e) => count(e.emitted), numeric: true },
      { label: 'Transferred', value: (e) => count(e.transferred), numeric: true },
      { label: 'Executed', value: (e) => count(e.executed), numeric: true },
      { label: 'Capacity', value: (e) => fraction(e.capacity), numeric: true },
      { label: 'Latency', value: (e) => ms(e.completeLatency ?? e.executeLatency), numeric: true },
      { label: 'Acked', value: (e) => count(e.acked), numeric: true },
      { label: 'Failed', value: (e) => count(e.failed), numeric: true },
    ],
    (e) => e.id,
    { emptyText: 'No executors', testId: 'executors-table' },
  );
  const errors = new LiveTable<ErrorRow>(
    [
      { label: 'Time', value: (e) => clock(e.time) },
      {
        label: 'Worker',
        value: (e) =>
          e.host ? { text: `${e.host}:${e.port ?? '?'}`, href: logHref(topologyId, e.host, e.port) } : '–',
      },
      { label: 'Error', value: (e) => ({ text: e.error, cls: 'error-text pre' }) },
    ],
    (e) => `${e.time ?? ''}|${e.host ?? ''}:${e.port ?? ''}|${e.error}`,
    { emptyText: 'No errors reported', testId: 'component-errors-table' },
  );

  const tap = tapPanel(topologyId, component);

  const el = h(
    'div',
    { class: 'page page-component' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Cluster'), ' › ', topoLink, ' › Component'),
    h('div', { class: 'title-row' }, heading, type),
    section('Summary', 'summary', summary.el, h('div', { class: 'window-row' }, select)),
    section('Statistics by window', 'windows', windows.el),
    section('Inputs', 'inputs', inputs.el),
    section('Outputs', 'outputs', outputs.el),
    section('Executors', 'executors', executors.el),
    section('Errors', 'errors', errors.el),
    section('Tap: live tuples', 'tap', tap.el),
  );

  // Groupings are part of the topology, not of a component's statistics: read them once from the topology's edges.
  let groupings: Map<string, string> | undefined;

  return {
    el,
    title: component,
    dispose: () => tap.dispose(),
    async refresh() {
      const [c, edges] = await Promise.all([
        getJson<ComponentPage>(`/topology/${enc(topologyId)}/component/${enc(component)}?window=${enc(window)}`),
        groupings
          ? undefined
          : getJson<TopologyPage>(`/topology/${enc(topologyId)}`).then(
              (t) => t.edges ?? [],
              () => [],
            ),
      ]);
      if (edges)
        groupings = new Map(
          edges.filter((e) => e.target === component).map((e) => [`${e.source}:${e.stream}`, e.grouping ?? '']),
        );
      kind = c.componentType.toLowerCase();
      setText(type, c.componentType);
      type.className = `badge kind-${c.componentType.toLowerCase()}`;
      setText(topoLink, c.name ?? topologyId);
      summary.set('topology', c.name ? `${c.name} (${c.topologyId})` : c.topologyId);
      summary.set('status', c.topologyStatus ?? '–', c.topologyStatus ? statusClass(c.topologyStatus) : '');
      summary.set('executors', count(c.executors));
      summary.set('tasks', count(c.tasks));
      windows.update([...(c.spoutSummary ?? c.boltStats ?? [])] as WindowRow[]);
      inputs.update(
        [...(c.inputStats ?? [])].sort((a, b) =>
          `${a.component}:${a.stream}`.localeCompare(`${b.component}:${b.stream}`),
        ),
      );
      outputs.update([...(c.outputStats ?? [])].sort((a, b) => a.stream.localeCompare(b.stream)));
      tap.setStreams(
        [...new Set((c.outputStats ?? []).map((o) => o.stream).filter((s) => !s.startsWith('__')))].sort(),
      );
      executors.update([...(c.executorStats ?? [])].sort((a, b) => taskOf(a.id) - taskOf(b.id)));
      errors.update(errorsOf(c.componentErrors, []));
    },
  };
}

/** "[3-4]" → 3, for sorting executors by their first task. */
function taskOf(id: string): number {
  const m = /(\d+)/.exec(id);
  return m ? Number(m[1]) : 0;
}
