// Entry point: the shell (header, status bar, main area), hash routing and the refresh loop.
//   #/                                 cluster overview
//   #/topology/:id                     topology page
//   #/topology/:id/component/:c        component page
//   #/log?topologyId=&host=&port=      worker log viewer
import './app.css';
import { h, setText } from './dom';
import type { Page, PageContext } from './page';
import { clusterPage } from './pages/cluster';
import { componentPage } from './pages/component';
import { logPage } from './pages/log';
import { notFoundPage } from './pages/not-found';
import { topologyPage } from './pages/topology';

/** Milliseconds between refreshes of the current page. */
const REFRESH_MS = 3000;

const main = h('main', { id: 'main', tabindex: -1 });
const updated = h('span', { class: 'updated', 'data-testid': 'updated' });
const problem = h('span', { class: 'problem', role: 'alert', 'data-testid': 'refresh-error' });
const live = h('div', { class: 'sr-only', 'aria-live': 'polite' });
const toast = h('div', { class: 'toast', hidden: true });

document.body.append(
  h(
    'a',
    {
      class: 'skip',
      href: '#main',
      onclick: (ev: Event) => {
        ev.preventDefault();
        main.focus();
      },
    },
    'Skip to content',
  ),
  h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: '#/' }, 'Squall'),
    h('nav', { 'aria-label': 'Main' }, h('a', { href: '#/' }, 'Cluster')),
    h('div', { class: 'status' }, problem, updated),
  ),
  main,
  toast,
  live,
);

let current: Page | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let generation = 0;
let inFlight: Promise<void> | undefined;
let toastTimer: ReturnType<typeof setTimeout> | undefined;
/** False until the first page is shown: the initial load leaves focus where the browser puts it. */
let navigated = false;

const ctx: PageContext = {
  refreshNow: () => refresh(generation),
  announce(message) {
    live.textContent = message;
    toast.textContent = message;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toast.hidden = true), 4000);
  },
};

function route(): Page {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?', 2) as [string, string?];
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return clusterPage();
  if (parts[0] === 'topology' && parts.length === 2) return topologyPage(parts[1]!, ctx);
  if (parts[0] === 'topology' && parts.length === 4 && parts[2] === 'component')
    return componentPage(parts[1]!, parts[3]!, ctx);
  if (parts[0] === 'log' && parts.length === 1) return logPage(new URLSearchParams(query), ctx);
  return notFoundPage(hash);
}

async function refresh(gen: number): Promise<void> {
  if (inFlight) await inFlight.catch(() => undefined);
  const page = current;
  if (!page || gen !== generation) return;
  const run = page.refresh().then(
    () => {
      if (gen !== generation) return;
      setText(problem, '');
      setText(updated, `Updated ${new Date().toLocaleTimeString('en-GB', { hour12: false })}`);
    },
    (err: unknown) => {
      if (gen !== generation) return;
      setText(problem, `Refresh failed: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
  inFlight = run;
  await run;
  if (inFlight === run) inFlight = undefined;
}

function schedule(gen: number): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (gen !== generation) return;
    // A hidden tab does not poll; it refreshes as soon as it is shown again.
    if (document.hidden) return schedule(gen);
    void refresh(gen).finally(() => schedule(gen));
  }, REFRESH_MS);
}

function navigate(): void {
  generation++;
  clearTimeout(timer);
  current?.dispose?.();
  current = route();
  document.title = `${current.title} · Squall`;
  main.replaceChildren(current.el);
  const gen = generation;
  void refresh(gen).finally(() => schedule(gen));
  // Keyboard and screen-reader users land on the new page's heading, as after a full page load.
  const heading = current.el.querySelector('h1');
  if (heading && navigated) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
  navigated = true;
}

window.addEventListener('hashchange', navigate);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refresh(generation);
});
navigate();
