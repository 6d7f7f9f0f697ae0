// Small DOM helpers. Pages build their elements once and then change only text, attributes and table rows on each
// refresh, so focus, selection and scroll position survive the live updates.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

/** Creates an element; `on…` attributes that are functions become event listeners, `false`/null attributes are skipped. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  append(el, ...children);
  return el;
}

/** Sets text only when it changed (a no-op write still restarts CSS transitions and screen-reader announcements). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** A cell value: plain text, a link, or text with a CSS class (status badges). */
export type Cell = string | number | { text: string; href?: string; cls?: string; title?: string };

/** A column of a {@link LiveTable}. */
export interface Column<R> {
  label: string;
  value: (row: R) => Cell;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
}

/**
 * A table whose rows are keyed: `update()` adds, removes and reorders rows and rewrites only cells whose content
 * changed, reusing the same elements, so a focused link in the table keeps its focus across refreshes.
 */
export class LiveTable<R> {
  readonly el: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private readonly empty: HTMLTableRowElement;

  constructor(
    private readonly columns: Column<R>[],
    private readonly key: (row: R) => string,
    options: { caption?: string; emptyText?: string; testId?: string } = {},
  ) {
    this.body = h('tbody');
    this.empty = h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, options.emptyText ?? 'None'));
    this.el = h(
      'table',
      { 'data-testid': options.testId },
      options.caption ? h('caption', {}, options.caption) : null,
      h(
        'thead',
        {},
        h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label))),
      ),
      this.body,
    );
    this.body.appendChild(this.empty);
  }

  update(data: R[]): void {
    const seen = new Set<string>();
    let prev: HTMLTableRowElement | null = null;
    for (const row of data) {
      const k = this.key(row);
      if (seen.has(k)) continue;
      seen.add(k);
      let tr = this.rows.get(k);
      if (!tr) {
        tr = h('tr', { 'data-key': k }, ...this.columns.map((c) => h('td', { class: c.numeric ? 'num' : null })));
        this.rows.set(k, tr);
      }
      this.columns.forEach((c, i) => renderCell(tr.cells[i]!, c.value(row)));
      const want: ChildNode | null = prev ? prev.nextSibling : this.body.firstChild;
      if (want !== tr) this.body.insertBefore(tr, want);
      prev = tr;
    }
    for (const [k, tr] of this.rows) {
      if (!seen.has(k)) {
        tr.remove();
        this.rows.delete(k);
      }
    }
    if (data.length === 0 && !this.empty.isConnected) this.body.appendChild(this.empty);
    if (data.length > 0 && this.empty.isConnected) this.empty.remove();
  }
}

function renderCell(td: HTMLTableCellElement, cell: Cell): void {
  const c = typeof cell === 'object' ? cell : { text: String(cell) };
  if (c.href) {
    let a = td.firstElementChild as HTMLAnchorElement | null;
    if (!a || a.tagName !== 'A' || td.childNodes.length !== 1) {
      a = h('a', { href: c.href });
      td.replaceChildren(a);
    }
    setAttr(a, 'href', c.href);
    setText(a, c.text);
    if (c.cls !== undefined) setAttr(a, 'class', c.cls);
  } else {
    if (td.firstElementChild) td.replaceChildren();
    setText(td, c.text);
  }
  if (c.title !== undefined) setAttr(td, 'title', c.title);
  const cls = [td.classList.contains('num') ? 'num' : '', !c.href && c.cls ? c.cls : ''].filter(Boolean).join(' ');
  if ((td.getAttribute('class') ?? '') !== cls) {
    if (cls) td.setAttribute('class', cls);
    else td.removeAttribute('class');
  }
}

/** A titled section of a page. */
export function section(title: string, id: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...children);
}

/** Label/value pairs shown as a definition list; returns the list and setters for each value. */
export function facts(labels: Record<string, string>): {
  el: HTMLDListElement;
  set: (key: string, value: string, cls?: string) => void;
} {
  const values = new Map<string, HTMLElement>();
  const el = h('dl', { class: 'facts' });
  for (const [key, label] of Object.entries(labels)) {
    const dd = h('dd', { 'data-fact': key });
    values.set(key, dd);
    el.append(h('div', {}, h('dt', {}, label), dd));
  }
  return {
    el,
    set: (key, value, cls) => {
      const dd = values.get(key);
      if (!dd) return;
      setText(dd, value);
      if (cls !== undefined) setAttr(dd, 'class', cls);
    },
  };
}
