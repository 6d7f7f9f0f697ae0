// Cluster overview: summary figures, nimbuses (which one leads), supervisors with their slots, topologies.
import {
  enc,
  getJson,
  type ClusterSummary,
  type NimbusSummary,
  type SupervisorSummary,
  type TopologySummary,
} from '../api';
import { facts, h, LiveTable, section } from '../dom';
import { count, duration, statusClass } from '../format';
import type { Page } from '../page';

export function clusterPage(): Page {
  const summary = facts({
    supervisors: 'Supervisors',
    slots: 'Slots used / total',
    slotsFree: 'Free slots',
    topologies: 'Topologies',
    executors: 'Executors',
    tasks: 'Tasks',
    version: 'Version',
  });
  const nimbuses = new LiveTable<NimbusSummary>(
    [
      { label: 'Host', value: (n) => n.host },
      { label: 'Port', value: (n) => n.port, numeric: true },
      { label: 'Status', value: (n) => ({ text: n.status, cls: statusClass(n.status) }) },
      { label: 'Version', value: (n) => n.version ?? '–' },
      {
        label: 'Uptime',
        value: (n) => (n.nimbusUpTimeSeconds !== undefined ? duration(n.nimbusUpTimeSeconds) : (n.nimbusUpTime ?? '–')),
        numeric: true,
      },
    ],
    (n) => `${n.host}:${n.port}`,
    { emptyText: 'No nimbus registered', testId: 'nimbus-table' },
  );
  const topologies = new LiveTable<TopologySummary>(
    [
      { label: 'Name', value: (t) => ({ text: t.name, href: `#/topology/${enc(t.id)}` }) },
      { label: 'Id', value: (t) => t.id },
      { label: 'Status', value: (t) => ({ text: t.status, cls: statusClass(t.status) }) },
      {
        label: 'Uptime',
        value: (t) => (t.uptimeSeconds !== undefined ? duration(t.uptimeSeconds) : (t.uptime ?? '–')),
        numeric: true,
      },
      { label: 'Workers', value: (t) => count(t.workersTotal), numeric: true },
      { label: 'Executors', value: (t) => count(t.executorsTotal), numeric: true },
      { label: 'Tasks', value: (t) => count(t.tasksTotal), numeric: true },
    ],
    (t) => t.id,
    { emptyText: 'No topologies running', testId: 'topology-table' },
  );
  const supervisors = new LiveTable<SupervisorSummary>(
    [
      { label: 'Id', value: (s) => s.id },
      { label: 'Host', value: (s) => s.host },
      {
        label: 'Uptime',
        value: (s) => (s.uptimeSeconds !== undefined ? duration(s.uptimeSeconds) : (s.uptime ?? '–')),
        numeric: true,
      },
      { label: 'Slots', value: (s) => count(s.slotsTotal), numeric: true },
      { label: 'Used', value: (s) => count(s.slotsUsed), numeric: true },
      {
        label: 'Slot use',
        value: (s) => ({
          text: slotBar(s.slotsUsed, s.slotsTotal),
          title: `${s.slotsUsed} of ${s.slotsTotal} slots used`,
          cls: 'slots',
        }),
      },
      { label: 'Version', value: (s) => s.version ?? '–' },
    ],
    (s) => s.id,
    { emptyText: 'No supervisors registered', testId: 'supervisor-table' },
  );

  const el = h(
    'div',
    { class: 'page page-cluster' },
    h('h1', {}, 'Cluster'),
    section('Summary', 'summary', summary.el),
    section('Topologies', 'topologies', topologies.el),
    h(
      'div',
      { class: 'two-col' },
      section('Nimbus', 'nimbus', nimbuses.el),
      section('Supervisors', 'supervisors', supervisors.el),
    ),
  );

  return {
    el,
    title: 'Cluster',
    async refresh() {
      const [c, n, s, t] = await Promise.all([
        getJson<ClusterSummary>('/cluster/summary'),
        getJson<{ nimbuses: NimbusSummary[] }>('/nimbus/summary'),
        getJson<{ supervisors: SupervisorSummary[] }>('/supervisor/summary'),
        getJson<{ topologies: TopologySummary[] }>('/topology/summary'),
      ]);
      summary.set('supervisors', count(c.supervisors));
      summary.set('slots', `${count(c.slotsUsed)} / ${count(c.slotsTotal)}`);
      summary.set('slotsFree', count(c.slotsFree));
      summary.set('topologies', count(c.topologies ?? t.topologies.length));
      summary.set('executors', count(c.executorsTotal));
      summary.set('tasks', count(c.tasksTotal));
      summary.set('version', c.stormVersion ?? '–');
      // The leader first, then by address, so the table does not reshuffle between refreshes.
      nimbuses.update(
        [...n.nimbuses].sort(
          (a, b) =>
            Number(isLeader(b)) - Number(isLeader(a)) || `${a.host}:${a.port}`.localeCompare(`${b.host}:${b.port}`),
        ),
      );
      supervisors.update([...s.supervisors].sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id)));
      topologies.update([...t.topologies].sort((a, b) => a.name.localeCompare(b.name)));
    },
  };
}

function isLeader(n: NimbusSummary): boolean {
  return /^leader$/i.test(n.status);
}

/** "■■□□" for 2 of 4 slots used (capped at 16 marks). */
function slotBar(used: number, total: number): string {
  if (!total) return '–';
  if (total > 16) return `${Math.round((100 * used) / total)}%`;
  return '■'.repeat(Math.min(used, total)) + '□'.repeat(Math.max(0, total - used));
}
