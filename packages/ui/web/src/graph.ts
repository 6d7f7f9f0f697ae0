// The topology graph: components as boxes, subscriptions as arrows labelled with grouping and current throughput,
// laid out left to right by dagre and drawn as SVG. The layout is recomputed only when the graph's structure
// changes; a refresh with the same structure rewrites labels and edge widths in place (focus stays on a node).
import dagre from '@dagrejs/dagre';
import { h, setAttr, setText, svg } from './dom';
import { rate } from './format';

export interface GraphNodeView {
  id: string;
  kind: 'spout' | 'bolt' | 'system';
  /** Second line of the box, e.g. "2 executors · 12.1k/s". */
  detail: string;
  href: string;
  /** Marks a component with a recent error. */
  hasError?: boolean;
}

export interface GraphEdgeView {
  source: string;
  target: string;
  stream: string;
  grouping: string;
  /** Tuples/s; undefined until two samples have been seen. */
  rate?: number;
}

const NODE_W = 168;
const NODE_H = 48;

const edgeKey = (e: GraphEdgeView): string => `${e.source}->${e.target}:${e.stream}`;

/** The SVG graph of one topology; `update()` on every refresh. */
export class TopologyGraph {
  readonly el: HTMLElement;
  private structure = '';
  private readonly nodeEls = new Map<string, { a: SVGAElement; detail: SVGTextElement; box: SVGRectElement }>();
  private readonly edgeEls = new Map<string, { path: SVGPathElement; label: SVGTextElement; bg: SVGRectElement }>();

  constructor() {
    this.el = h('div', { class: 'graph', 'data-testid': 'topology-graph' });
  }

  update(nodes: GraphNodeView[], edges: GraphEdgeView[]): void {
    const ids = new Set(nodes.map((n) => n.id));
    const shown = edges.filter((e) => ids.has(e.source) && ids.has(e.target));
    const structure = JSON.stringify([
      nodes.map((n) => `${n.id}/${n.kind}`).sort(),
      shown.map((e) => `${edgeKey(e)}/${e.grouping}`).sort(),
    ]);
    if (structure !== this.structure) {
      this.structure = structure;
      this.layout(nodes, shown);
    }
    const max = Math.max(1, ...shown.map((e) => e.rate ?? 0));
    for (const n of nodes) {
      const els = this.nodeEls.get(n.id);
      if (!els) continue;
      setText(els.detail, n.detail);
      setAttr(els.box, 'class', n.hasError ? 'node-box has-error' : 'node-box');
      setAttr(els.a, 'aria-label', `${n.kind} ${n.id}: ${n.detail}${n.hasError ? ', has errors' : ''}`);
    }
    for (const e of shown) {
      const els = this.edgeEls.get(edgeKey(e));
      if (!els) continue;
      const text = edgeLabel(e);
      setText(els.label, text);
      els.bg.setAttribute('width', String(text.length * 6.6 + 8));
      els.bg.setAttribute('x', String(Number(els.label.getAttribute('x')) - (text.length * 6.6 + 8) / 2));
      // Width grows with the log of the share of the busiest edge, so a quiet edge stays visible.
      const w = e.rate && e.rate > 0 ? 1.5 + 4 * (Math.log1p(e.rate) / Math.log1p(max)) : 1.5;
      setAttr(els.path, 'stroke-width', w.toFixed(1));
      setAttr(els.path, 'class', e.rate && e.rate > 0 ? 'edge flowing' : 'edge');
    }
  }

  private layout(nodes: GraphNodeView[], edges: GraphEdgeView[]): void {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 90, edgesep: 16, marginx: 12, marginy: 12 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
    for (const e of edges) {
      if (e.source === e.target) continue;
      g.setEdge(e.source, e.target, { width: edgeLabel(e).length * 6.6 + 8, height: 16, labelpos: 'c' }, edgeKey(e));
    }
    dagre.layout(g);
    const graph = g.graph() as { width?: number; height?: number };
    const width = Math.max(graph.width ?? 0, NODE_W + 24);
    const height = Math.max(graph.height ?? 0, NODE_H + 24);

    this.nodeEls.clear();
    this.edgeEls.clear();
    const marker = svg(
      'marker',
      {
        id: 'arrow',
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 9,
        markerHeight: 9,
        markerUnits: 'userSpaceOnUse',
        orient: 'auto-start-reverse',
      },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }),
    );
    const root = svg(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': 'Topology graph' },
      svg('defs', {}, marker),
    );
    const edgeLayer = svg('g', { class: 'edges' });
    const nodeLayer = svg('g', { class: 'nodes' });
    root.append(edgeLayer, nodeLayer);

    for (const e of edges) {
      if (e.source === e.target) continue;
      const info = g.edge({ v: e.source, w: e.target, name: edgeKey(e) }) as {
        points?: Array<{ x: number; y: number }>;
        x?: number;
        y?: number;
      };
      const pts = info.points ?? [];
      const d = pts.length > 0 ? `M${pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' L')}` : '';
      const path = svg('path', { d, class: 'edge', 'marker-end': 'url(#arrow)', 'stroke-width': 1.5 });
      const lx = info.x ?? 0;
      const ly = info.y ?? 0;
      const text = edgeLabel(e);
      const bg = svg('rect', {
        class: 'edge-label-bg',
        x: lx - (text.length * 6.6 + 8) / 2,
        y: ly - 9,
        width: text.length * 6.6 + 8,
        height: 17,
        rx: 3,
      });
      const label = svg('text', { class: 'edge-label', x: lx, y: ly + 4, 'text-anchor': 'middle' }, text);
      edgeLayer.append(
        svg(
          'g',
          { 'data-edge': edgeKey(e), 'data-grouping': e.grouping },
          svg('title', {}, `${e.source} → ${e.target} (stream ${e.stream}, ${e.grouping} grouping)`),
          path,
          bg,
          label,
        ),
      );
      this.edgeEls.set(edgeKey(e), { path, label, bg });
    }
    for (const n of nodes) {
      const pos = g.node(n.id) as { x: number; y: number };
      const x = pos.x - NODE_W / 2;
      const y = pos.y - NODE_H / 2;
      const box = svg('rect', {
        class: 'node-box',
        x,
        y,
        width: NODE_W,
        height: NODE_H,
        rx: n.kind === 'spout' ? 24 : 6,
      });
      const name = svg(
        'text',
        { class: 'node-name', x: pos.x, y: pos.y - 4, 'text-anchor': 'middle' },
        truncate(n.id, 22),
      );
      const detail = svg('text', { class: 'node-detail', x: pos.x, y: pos.y + 13, 'text-anchor': 'middle' }, n.detail);
      const a = svg(
        'a',
        { href: n.href, class: `node node-${n.kind}`, 'data-node': n.id },
        svg('title', {}, `${n.kind} ${n.id}`),
        box,
        name,
        detail,
      );
      nodeLayer.append(a);
      this.nodeEls.set(n.id, { a, detail, box });
    }
    this.el.replaceChildren(root);
  }
}

function edgeLabel(e: GraphEdgeView): string {
  const stream = e.stream === 'default' ? '' : `${e.stream}: `;
  return `${stream}${e.grouping} · ${rate(e.rate)}`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
