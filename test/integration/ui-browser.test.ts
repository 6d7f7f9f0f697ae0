// Browser tests of the web UI: a real cluster (ZooKeeper, nimbus, 2 supervisors, workers) and a real `squall ui`
// daemon, driven through Debian's headless Chromium with playwright-core. Every page is loaded and checked against
// the running topology; deactivate/activate go through the confirmation dialog by keyboard. The browser may only
// talk to the UI daemon on loopback (anything else is aborted and fails the test), and any console error fails it.
// Screenshots are written to test/artifacts/ (gitignored); the topology page's is copied to docs/ui-topology.png
// when that file is missing or SQUALL_UPDATE_SCREENSHOTS=1.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createWorkerClient, unaryCall, WorkerService } from '@squall/protocol';
import { canInstallDebianPackages, installDebianPackages } from '@squall/cluster-state';
import { ROOT, TestCluster, eventually } from '../harness/test-cluster';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const FIXTURE = path.join(ROOT, 'test/fixtures/ui-demo.ts');
const NAME = 'ui-demo';

let cluster: TestCluster;
let base = '';
let topologyId = '';
let userDataDir = '';
let context: BrowserContext;
let page: Page;
const offHost: string[] = [];
const consoleErrors: string[] = [];
/** Console errors a test provokes on purpose (the browser logs every 401 response). */
let expectedConsole: RegExp[] = [];

/**
 * Chromium from Debian: `npm test` installs it before any test runs; run alone, this test installs it as root (under
 * the same install lock), else fails with one line saying how.
 */
async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  if (canInstallDebianPackages()) await installDebianPackages(['chromium'], { showOutput: true });
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with 'apt-get install -y chromium'`);
}

const isLoopback = (url: string): boolean => {
  const u = new URL(url);
  return (
    u.protocol === 'data:' ||
    u.protocol === 'blob:' ||
    u.protocol === 'about:' ||
    ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
  );
};

async function getJson<T>(p: string): Promise<T> {
  const res = await fetch(`${base}${p}`);
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface TopologyJson {
  status: string;
  spouts: Array<{ spoutId: string; emitted: number; acked: number }>;
  bolts: Array<{ boltId: string; executed: number }>;
  errors?: unknown[];
}

/** Taps a worker serves, from its Ping. */
async function activeTaps(address: string): Promise<number> {
  const client = createWorkerClient(address);
  try {
    return (await unaryCall(client, WorkerService.ping, { nonce: 1 }, { deadline: Date.now() + 5000 })).activeTaps;
  } finally {
    client.close();
  }
}

async function shot(name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Tabs forward from the top of the page until `selector` has focus; returns how many presses it took. */
async function tabTo(selector: string, max = 60): Promise<number> {
  // Browser-side code is passed as strings: this project compiles without the DOM library.
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(`document.activeElement === document.querySelector(${JSON.stringify(selector)})`)) return i;
  }
  throw new Error(`${selector} not reached with ${max} Tab presses`);
}

/** Whether keyboard focus is inside the open dialog. */
async function focusInDialog(): Promise<boolean> {
  return (await page.evaluate(`!!document.querySelector('dialog[open]')?.contains(document.activeElement)`)) === true;
}

/** A cell's number ("1,234" → 1234) in `table` for the row whose first cell is `key`, column `col` (0-based). */
async function cellNumber(testId: string, key: string, col: number): Promise<number> {
  const text = await page.locator(`[data-testid="${testId}"] tbody tr[data-key="${key}"] td`).nth(col).textContent();
  return Number((text ?? '').replace(/[^0-9.]/g, '') || NaN);
}

before(async () => {
  await ensureChromium();
  cluster = await TestCluster.start({ supervisors: 2, slotsPerSupervisor: 2, ui: true });
  base = cluster.uiUrl.replace(/\/$/, '');
  await eventually(
    'the UI daemon to answer with 2 supervisors',
    async () => (await getJson<{ supervisors: number }>('/api/v1/cluster/summary')).supervisors === 2 || undefined,
    60000,
  );
  const r = cluster.cli([
    'submit',
    FIXTURE,
    '--name',
    NAME,
    '--json',
    '-c',
    'topology.workers=2',
    '-c',
    'squall.test.rate=150',
    '-c',
    'topology.message.timeout.secs=10',
  ]);
  assert.equal(r.code, 0, r.stderr);
  topologyId = (JSON.parse(r.stdout) as { topologyId: string }).topologyId;
  await eventually(
    'tuples acked',
    async () => {
      const t = await getJson<TopologyJson>(`/api/v1/topology/${encodeURIComponent(topologyId)}`);
      return (t.spouts[0]?.acked ?? 0) > 0 || undefined;
    },
    90000,
  );

  userDataDir = mkdtempSync(path.join(tmpdir(), 'squall-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Nothing may leave loopback: record and abort any other request (a CDN, a web font, a tracker).
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    offHost.push(url);
    return route.abort();
  });
  context.on('request', (req) => {
    if (!isLoopback(req.url())) offHost.push(req.url());
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error' && !expectedConsole.some((re) => re.test(m.text()))) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
});

afterEach(() => {
  expectedConsole = [];
  assert.deepEqual(offHost, [], 'the browser requested only the UI daemon on loopback');
  assert.deepEqual(consoleErrors, [], 'no console errors');
});

after(async () => {
  await context?.close().catch(() => undefined);
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await cluster?.shutdown();
});

test(
  'cluster overview: the leader nimbus, both supervisors with their slots, the running topology',
  { timeout: 60000 },
  async () => {
    await page.goto(`${base}/#/`);
    const topoLink = page.locator('[data-testid="topology-table"] a', { hasText: NAME });
    await topoLink.waitFor();
    assert.equal(
      await page.locator(`[data-testid="topology-table"] tr[data-key="${topologyId}"] td`).nth(2).textContent(),
      'ACTIVE',
    );
    await page.locator('[data-testid="nimbus-table"] td', { hasText: /^Leader$/ }).waitFor();
    assert.equal(await page.locator('[data-testid="supervisor-table"] tbody tr[data-key]').count(), 2);
    // Workers took 2 of the 4 slots.
    await page.locator('[data-fact="slots"]', { hasText: '2 / 4' }).waitFor();
    await shot('ui-cluster');
  },
);

test(
  'topology page: graph of components and groupings with live throughput, tables with counts, charts, errors, workers',
  { timeout: 90000 },
  async () => {
    await page.locator('[data-testid="topology-table"] a', { hasText: NAME }).click();
    await page.waitForURL(`**/#/topology/${encodeURIComponent(topologyId)}`);
    await page.locator('[data-testid="topology-status"]', { hasText: 'ACTIVE' }).waitFor();

    // The graph: one node per component, one edge per subscription with its grouping.
    const graph = page.locator('[data-testid="topology-graph"]');
    await graph.locator('[data-node]').nth(2).waitFor();
    assert.deepEqual(
      (await graph.locator('[data-node]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')))).sort(),
      ['count', 'sentences', 'split'],
    );
    const edges = await graph
      .locator('[data-edge]')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-edge')} ${e.getAttribute('data-grouping')}`));
    assert.equal(edges.length, 2, edges.join('; '));
    assert.ok(
      edges.some((e) => e.startsWith('sentences->split:default') && /shuffle/.test(e)),
      edges.join('; '),
    );
    assert.ok(
      edges.some((e) => e.startsWith('split->count:default') && /fields/.test(e) && /word/.test(e)),
      edges.join('; '),
    );
    // Current throughput appears on the edges once two refreshes have been seen.
    await eventually(
      'a non-zero rate on the split → count edge',
      async () =>
        /[1-9][0-9.]*k?\/s/.test((await graph.locator('[data-edge^="split->count"] text').textContent()) ?? '') ||
        undefined,
      30000,
    );

    // Tables: the spout emitted and acked, both bolts executed.
    assert.ok((await cellNumber('spouts-table', 'sentences', 3)) > 0, 'spout emitted');
    assert.ok((await cellNumber('spouts-table', 'sentences', 6)) > 0, 'spout acked');
    assert.ok((await cellNumber('bolts-table', 'split', 7)) > 0, 'split executed');
    assert.ok((await cellNumber('bolts-table', 'count', 7)) > 0, 'count executed');

    // Live charts have points and show current figures.
    await eventually(
      'throughput chart figures',
      async () =>
        /Emitted [1-9]/.test((await page.locator('[data-testid="chart-throughput-latest"]').textContent()) ?? '') ||
        undefined,
      30000,
    );
    assert.equal(await page.locator('[data-testid="chart-throughput"] canvas').count(), 1);
    assert.equal(await page.locator('[data-testid="chart-latency"] canvas').count(), 1);

    // The count bolt's deliberate failures show with their time and worker.
    const errorRow = page.locator('[data-testid="errors-table"] tbody tr', { hasText: 'demo failure' }).first();
    await errorRow.waitFor({ timeout: 30000 });
    assert.match((await errorRow.locator('td').nth(0).textContent()) ?? '', /^\d\d:\d\d:\d\d$/);
    assert.match((await errorRow.locator('td').nth(2).textContent()) ?? '', /^127\.0\.0\.1:\d+$/);

    // Another statistics window: the tables are re-read for the last 10 minutes (all of this run), still counting.
    const windowed = page.waitForRequest((r) => r.url().includes('window=600'));
    await page.selectOption('#window', '600');
    await windowed;
    await eventually(
      '10-minute counts',
      async () => (await cellNumber('spouts-table', 'sentences', 3)) > 0 || undefined,
      15000,
    );
    await page.selectOption('#window', ':all-time');

    // Worker placement: 2 workers, each with a log link.
    assert.equal(await page.locator('[data-testid="workers-table"] tbody tr[data-key]').count(), 2);
    assert.equal(await page.locator('[data-testid="workers-table"] a', { hasText: 'worker log' }).count(), 2);

    // Refreshes happen in place: the same row element survives an update.
    const row = await page.locator('[data-testid="bolts-table"] tr[data-key="count"]').elementHandle();
    const before = await page.locator('[data-testid="updated"]').textContent();
    await eventually(
      'another refresh',
      async () => (await page.locator('[data-testid="updated"]').textContent()) !== before || undefined,
      15000,
    );
    assert.ok(await row!.evaluate((el) => el.isConnected), 'the row was updated, not re-created');

    // A few points on the charts before the picture the README shows.
    await eventually(
      '6 points on the throughput chart',
      async () =>
        Number(await page.locator('[data-testid="chart-throughput"]').getAttribute('data-points')) >= 6 || undefined,
      60000,
    );
    const file = await shot('ui-topology');
    // The README's picture is refreshed on request only, so a test run does not leave a changed binary in the tree.
    const readmeShot = path.join(ROOT, 'docs/ui-topology.png');
    if (!existsSync(readmeShot) || process.env.SQUALL_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(path.dirname(readmeShot), { recursive: true });
      copyFileSync(file, readmeShot);
    }
  },
);

test(
  'keyboard: Tab reaches the actions; deactivate and activate through the confirmation dialog',
  { timeout: 90000 },
  async () => {
    const status = page.locator('[data-testid="topology-status"]');
    await status.filter({ hasText: 'ACTIVE' }).waitFor();
    await tabTo('button[data-action="deactivate"]');

    // Enter opens the dialog with focus inside; Escape closes it without doing anything and focus returns.
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    assert.ok(await focusInDialog(), 'focus moved into the dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(
      await page.evaluate(`document.activeElement?.getAttribute('data-action') === 'deactivate'`),
      'focus back on Deactivate',
    );
    assert.equal(await status.textContent(), 'ACTIVE');

    // Again, and confirm; Tab cycles inside the dialog (the page behind is inert).
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      assert.ok(await focusInDialog(), `focus stays in the dialog after ${i + 1} Tab(s)`);
    }
    await shot('ui-dialog');
    await dialog.getByRole('button', { name: 'Deactivate' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await status.filter({ hasText: 'INACTIVE' }).waitFor({ timeout: 30000 });
    assert.equal(
      (await getJson<TopologyJson>(`/api/v1/topology/${encodeURIComponent(topologyId)}`)).status,
      'INACTIVE',
    );
    assert.match(cluster.cli(['list']).stdout, /INACTIVE/);

    // Deactivate is now disabled; focus stays on an action button, and Activate is reachable by Tab.
    assert.ok(await page.locator('button[data-action="deactivate"]').isDisabled());
    await eventually(
      'focus kept on the actions',
      async () =>
        (await page.evaluate(`document.activeElement?.hasAttribute('data-action') ?? false`)) === true || undefined,
      5000,
    );
    await tabTo('button[data-action="activate"]');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Activate' }).click();
    await dialog.waitFor({ state: 'detached' });
    await status.filter({ hasText: /^ACTIVE$/ }).waitFor({ timeout: 30000 });
    assert.equal((await getJson<TopologyJson>(`/api/v1/topology/${encodeURIComponent(topologyId)}`)).status, 'ACTIVE');
  },
);

test('component page: executors with their workers, inputs with grouping, errors', { timeout: 60000 }, async () => {
  await page.locator('[data-testid="topology-graph"] [data-node="count"]').click();
  await page.waitForURL(`**/#/topology/${encodeURIComponent(topologyId)}/component/count`);
  await page.locator('h1', { hasText: 'count' }).waitFor();
  await page.locator('[data-testid="executors-table"] tbody tr[data-key]').nth(1).waitFor();
  assert.equal(await page.locator('[data-testid="executors-table"] tbody tr[data-key]').count(), 2);
  assert.match(
    (await page.locator('[data-testid="executors-table"] tbody tr[data-key] td').nth(1).textContent()) ?? '',
    /^127\.0\.0\.1:\d+$/,
  );
  await page.locator('[data-testid="inputs-table"] tr[data-key="split:default"]').waitFor();
  assert.ok((await cellNumber('inputs-table', 'split:default', 3)) > 0, 'executed from split');
  await page
    .locator('[data-testid="component-errors-table"] td', { hasText: 'demo failure' })
    .first()
    .waitFor({ timeout: 30000 });
  assert.ok((await page.locator('[data-testid="window-table"] tbody tr[data-key]').count()) >= 1);
  await shot('ui-component');
});

test(
  'component page: a live tap shows the words split emits, newest first, pauses, and stops in the workers too',
  { timeout: 120000 },
  async () => {
    const workers = (
      await getJson<{ workers: Array<{ host: string; port: number }> }>(
        `/api/v1/topology/${encodeURIComponent(topologyId)}`,
      )
    ).workers.map((w) => `${w.host}:${w.port}`);
    assert.equal(workers.length, 2);
    for (const w of workers) assert.equal(await activeTaps(w), 0, `no tap on ${w} yet`);
    await page.goto(`${base}/#/topology/${encodeURIComponent(topologyId)}/component/split`);
    await page.locator('h1', { hasText: 'split' }).waitFor();
    // The stream selector lists the component's output streams once the page has read them.
    await page.locator('[data-testid="tap-stream"] option[value="default"]').waitFor({ state: 'attached' });
    await page.selectOption('[data-testid="tap-stream"]', 'default');
    await page.fill('[data-testid="tap-sample"]', '50');
    const tapRequest = page.waitForResponse((r) => r.url().includes('/component/split/tap?'));
    await page.locator('[data-testid="tap-start"]').click();
    const res = await tapRequest;
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'] ?? '', /^text\/event-stream/);
    assert.equal(res.headers()['x-content-type-options'], 'nosniff', 'the stream carries the security headers');
    assert.match(res.url(), /stream=default/);
    assert.match(res.url(), /sample=50/);

    // Tuples arrive, with split's field name `word` and its task.
    const rows = page.locator('[data-testid="tap-table"] tbody tr');
    await eventually('tapped tuples', async () => (await rows.count()) >= 10 || undefined, 30000);
    assert.deepEqual(
      await rows
        .first()
        .locator('[data-field]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-field'))),
      ['word'],
    );
    assert.match((await rows.first().locator('td').nth(3).textContent()) ?? '', /^word="[^"]+"$/);
    assert.equal(await rows.first().locator('td').nth(2).textContent(), 'default');
    assert.match((await rows.first().locator('td').nth(0).textContent()) ?? '', /^\d\d:\d\d:\d\d\.\d{3}$/);
    assert.match((await rows.first().locator('td').nth(5).textContent()) ?? '', /^127\.0\.0\.1:\d+$/);
    // The workers running split serve the tap.
    const tapped = await eventually(
      'the tap in place in a worker',
      async () => {
        const counts = await Promise.all(workers.map(activeTaps));
        return counts.some((c) => c === 1) && counts.every((c) => c <= 1) ? counts : undefined;
      },
      15000,
    );
    assert.ok(tapped.includes(1));

    // Paused: the table stands still while tuples keep being received.
    await page.locator('[data-testid="tap-pause"]').check();
    const firstKept = await rows.first().elementHandle();
    await eventually(
      'tuples held while paused',
      async () =>
        /paused \([1-9]\d* held\)/.test((await page.locator('[data-testid="tap-state"]').textContent()) ?? '') ||
        undefined,
      15000,
    );
    assert.ok(
      await firstKept!.evaluate((el) => el === el.parentElement?.firstElementChild),
      'the top row did not move while paused',
    );
    await page.locator('[data-testid="tap-pause"]').uncheck();
    // Resumed: the held tuples go above the rows shown before (newest first).
    await eventually(
      'held tuples shown on resume',
      async () => (await firstKept!.evaluate((el) => el !== el.parentElement?.firstElementChild)) || undefined,
      15000,
    );
    await shot('ui-tap');

    // Stop: the browser ends the request, the UI cancels the nimbus call, nimbus the workers' taps.
    await page.locator('[data-testid="tap-stop"]').click();
    await page.locator('[data-testid="tap-state"]', { hasText: /^Not tapping \(stopped\)/ }).waitFor();
    await tapsGone(workers);
    const kept = await rows.count();
    assert.ok(kept > 0 && kept <= 500, `${kept} rows kept, at most 500`);

    // Leaving the page with a tap running ends it too.
    await page.locator('[data-testid="tap-start"]').click();
    await eventually(
      'the second tap in place',
      async () => (await Promise.all(workers.map(activeTaps))).some((c) => c === 1) || undefined,
      15000,
    );
    await page.goto(`${base}/#/`);
    await tapsGone(workers);
  },
);

test(
  'tap route: nimbus refusals are 4xx before the stream starts; at most 8 taps per UI; closing the requests ends them all',
  { timeout: 90000 },
  async () => {
    const tap = `${base}/api/v1/topology/${encodeURIComponent(topologyId)}/component/split/tap`;
    const noStream = await fetch(`${tap}?stream=nope`);
    assert.equal(noStream.status, 400);
    assert.match(
      ((await noStream.json()) as { errorMessage: string }).errorMessage,
      /declares no stream 'nope' \(declared: default\)/,
    );
    const noField = await fetch(`${tap}?filter=count=1`);
    assert.equal(noField.status, 400);
    assert.match(
      ((await noField.json()) as { errorMessage: string }).errorMessage,
      /no tapped stream has a field 'count' \(fields: word\)/,
    );
    assert.equal(
      (await fetch(`${base}/api/v1/topology/${encodeURIComponent(topologyId)}/component/nope/tap`)).status,
      400,
    );
    assert.equal((await fetch(`${base}/api/v1/topology/no-such-topology/component/split/tap`)).status, 404);

    const workers = (
      await getJson<{ workers: Array<{ host: string; port: number }> }>(
        `/api/v1/topology/${encodeURIComponent(topologyId)}`,
      )
    ).workers.map((w) => `${w.host}:${w.port}`);
    const aborts: AbortController[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const ctl = new AbortController();
        aborts.push(ctl);
        const res = await fetch(`${tap}?sample=1`, { signal: ctl.signal });
        assert.equal(res.status, 200, `tap ${i + 1}: ${res.status === 200 ? '' : await res.text()}`);
      }
      const ninth = await fetch(`${tap}?sample=1`);
      const ninthBody = await ninth.text();
      assert.equal(ninth.status, 429, `the ninth tap: ${ninthBody}`);
      assert.match((JSON.parse(ninthBody) as { errorMessage: string }).errorMessage, /already serves 8 taps/);
      await eventually(
        '8 taps in the workers running split',
        async () => (await Promise.all(workers.map(activeTaps))).some((c) => c === 8) || undefined,
        30000,
      );
    } finally {
      for (const a of aborts) a.abort();
    }
    await tapsGone(workers);
    // The slots are free again. The workers' counts fall when nimbus cancels their taps; the UI frees its slot when it
    // sees the response close, which is not ordered with that: a 429 may still come for a moment, never anything else.
    const ctl = new AbortController();
    await eventually(
      'the UI to serve a tap again after the 8 closed',
      async () => {
        const again = await fetch(`${tap}?sample=1`, { signal: ctl.signal });
        if (again.status === 200) return true;
        const body = await again.text();
        assert.equal(again.status, 429, `a tap after the 8 closed: ${again.status} ${body}`);
        throw new Error(`still refused: ${body}`);
      },
      15000,
    );
    ctl.abort();
    await tapsGone(workers);
  },
);

async function tapsGone(workers: string[]): Promise<void> {
  await eventually(
    'every worker back to zero taps',
    async () => (await Promise.all(workers.map(activeTaps))).every((c) => c === 0) || undefined,
    30000,
  );
}

test(
  'log page: a worker log reached from the topology page shows its lines, pages back and forth, follows',
  { timeout: 120000 },
  async () => {
    await page.goto(`${base}/#/topology/${encodeURIComponent(topologyId)}`);
    const link = page.locator('[data-testid="workers-table"] a', { hasText: 'worker log' }).first();
    await link.waitFor();
    await link.click();
    await page.waitForURL('**/#/log?*');
    const log = page.locator('[data-testid="log-text"]');
    await eventually(
      'log lines',
      async () => /\d\d:\d\d:\d\d\.\d{3} (INFO|WARN|ERROR)/.test((await log.textContent()) ?? '') || undefined,
      30000,
    );
    const text = (await log.textContent()) ?? '';
    assert.ok(text.split('\n').length >= 2, 'several lines');
    await shot('ui-log');

    // Paging: with 16 KiB pages, once the log is longer than a page, Older shows the bytes before the tail (and stops
    // following), Newer the ones after.
    const range = async (): Promise<[number, number]> => {
      const m = /^([\d,]+)–([\d,]+)$/.exec((await page.locator('[data-fact="range"]').textContent()) ?? '');
      return m ? [Number(m[1]!.replace(/,/g, '')), Number(m[2]!.replace(/,/g, ''))] : [NaN, NaN];
    };
    await page.selectOption('#page-size', '16384');
    const older = page.getByRole('button', { name: /Older/ });
    await eventually('the log to outgrow one page', async () => (await older.isEnabled()) || undefined, 60000);
    const [tailStart] = await range();
    await older.click();
    await eventually('an older page', async () => (await range())[0] < tailStart || undefined, 15000);
    assert.equal(await page.locator('#follow').isChecked(), false, 'paging back stops following');
    const [olderStart, olderEnd] = await range();
    assert.ok(olderEnd - olderStart <= 16384);
    await page.getByRole('button', { name: /Newer/ }).click();
    await eventually('the next page', async () => (await range())[0] === olderEnd || undefined, 15000);
    await page.locator('#follow').check();
    await eventually('following the tail again', async () => (await range())[0] >= olderEnd || undefined, 15000);
  },
);

test(
  'with nimbus.auth.token set, the dialog asks for the token, refuses a wrong one and acts with the right one',
  { timeout: 90000 },
  async () => {
    // A second UI daemon, this one requiring a token for actions (nimbus itself has none, so only the UI checks it).
    await cluster.startUi({ 'nimbus.auth.token': 's3cret-token' });
    const authBase = cluster.uiUrl.replace(/\/$/, '');
    assert.notEqual(authBase, base);
    expectedConsole = [/status of 401/];

    await page.goto(`${authBase}/#/topology/${encodeURIComponent(topologyId)}`);
    const status = page.locator('[data-testid="topology-status"]');
    await status.filter({ hasText: /^ACTIVE$/ }).waitFor();
    await page.locator('button[data-action="deactivate"]').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('button', { name: 'Deactivate' }).click();
    // Refused: the token field appears with the reason, focused; the dialog stays open.
    const token = dialog.getByLabel(/Auth token/);
    await token.waitFor();
    await dialog.locator('[role="alert"]', { hasText: /Authorization: Bearer/ }).waitFor();
    assert.ok(await token.evaluate((el) => el === el.ownerDocument.activeElement), 'focus on the token field');
    await token.fill('wrong');
    await dialog.getByRole('button', { name: 'Deactivate' }).click();
    await dialog.locator('[role="alert"]', { hasText: /Authorization: Bearer/ }).waitFor();
    assert.equal(
      (await getJson<TopologyJson>(`/api/v1/topology/${encodeURIComponent(topologyId)}`)).status,
      'ACTIVE',
      'a wrong token changes nothing',
    );
    await token.fill('s3cret-token');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await status.filter({ hasText: 'INACTIVE' }).waitFor({ timeout: 30000 });

    // The token is kept for the tab: activating does not ask again.
    await page.locator('button[data-action="activate"]').click();
    await dialog.getByRole('button', { name: 'Activate' }).click();
    await dialog.waitFor({ state: 'detached' });
    await status.filter({ hasText: /^ACTIVE$/ }).waitFor({ timeout: 30000 });
  },
);

test(
  'with nimbus.auth.token set, the log page asks for the token, then shows the log',
  { timeout: 90000 },
  async () => {
    // The UI started by the previous test requires the token; this tab forgets the one it was given there.
    const authBase = cluster.uiUrl.replace(/\/$/, '');
    assert.notEqual(authBase, base);
    expectedConsole = [/status of 401/];
    const worker = (
      await getJson<{ workers: Array<{ host: string; port: number }> }>(
        `/api/v1/topology/${encodeURIComponent(topologyId)}`,
      )
    ).workers[0]!;
    await page.goto(`${authBase}/#/`);
    await page.evaluate('sessionStorage.clear()');
    await page.goto(
      `${authBase}/#/log?topologyId=${encodeURIComponent(topologyId)}&host=${worker.host}&port=${worker.port}`,
    );
    const token = page.getByLabel(/Auth token/);
    await token.waitFor();
    assert.ok(await token.evaluate((el) => el === el.ownerDocument.activeElement), 'focus on the token field');
    assert.equal(
      ((await page.locator('[data-testid="log-text"]').textContent()) ?? '').trim(),
      '',
      'no log without the token',
    );
    await token.fill('s3cret-token');
    await page.keyboard.press('Enter');
    await eventually(
      'log lines',
      async () =>
        /\d\d:\d\d:\d\d\.\d{3} (INFO|WARN|ERROR)/.test(
          (await page.locator('[data-testid="log-text"]').textContent()) ?? '',
        ) || undefined,
      30000,
    );
    await token.waitFor({ state: 'hidden' });
  },
);

test('with nimbus.auth.token set, the tap panel asks for the token, then taps', { timeout: 90000 }, async () => {
  const authBase = cluster.uiUrl.replace(/\/$/, '');
  assert.notEqual(authBase, base);
  expectedConsole = [/status of 401/];
  const workers = (
    await getJson<{ workers: Array<{ host: string; port: number }> }>(
      `/api/v1/topology/${encodeURIComponent(topologyId)}`,
    )
  ).workers.map((w) => `${w.host}:${w.port}`);
  await page.goto(`${authBase}/#/`);
  await page.evaluate('sessionStorage.clear()');
  await page.goto(`${authBase}/#/topology/${encodeURIComponent(topologyId)}/component/split`);
  await page.locator('[data-testid="tap-start"]').click();
  const token = page.getByLabel(/Auth token/);
  await token.waitFor();
  await page.locator('[data-testid="tap-error"]', { hasText: /Authorization: Bearer/ }).waitFor();
  assert.equal(await page.locator('[data-testid="tap-table"] tbody tr').count(), 0, 'nothing tapped without the token');
  await token.fill('s3cret-token');
  await page.locator('[data-testid="tap-start"]').click();
  await page.locator('[data-testid="tap-table"] tbody tr [data-field="word"]').first().waitFor({ timeout: 30000 });
  await token.waitFor({ state: 'hidden' });
  await page.locator('[data-testid="tap-stop"]').click();
  await tapsGone(workers);
});

test(
  "a page on another origin cannot act through the operator's browser, even with no token set",
  { timeout: 60000 },
  async () => {
    // The attacker's page: on loopback too, but another port (so another origin, and the same site).
    const target = `${base}/api/v1/topology/${encodeURIComponent(topologyId)}`;
    const evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>cute cats</title><form id="f" method="post" action="${target}/kill/0" enctype="text/plain"><input name="x" value="y"></form>
<script>const post = () => document.getElementById('f').submit();
fetch(${JSON.stringify(`${target}/deactivate`)}, { method: 'POST', mode: 'no-cors' }).then(post, post);</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      // The refusals, the blocked opaque answer (Cross-Origin-Resource-Policy) and the favicon of the error page.
      expectedConsole = [/status of 40[34]/, /ERR_BLOCKED_BY_RESPONSE/];
      // The fetch reaches the UI, but its answer is not even handed to the page (Cross-Origin-Resource-Policy).
      const fetched = page.waitForEvent('requestfailed', (r) => r.url().endsWith('/deactivate'));
      const posted = page.waitForResponse((r) => r.url().endsWith('/kill/0'));
      await page.goto(`http://127.0.0.1:${(evil.address() as { port: number }).port}/`);
      assert.match((await fetched).failure()?.errorText ?? '', /ERR_BLOCKED_BY_RESPONSE/);
      assert.equal((await posted).status(), 403, 'the form post was refused');
      assert.match((await page.textContent('body')) ?? '', /refused a POST from another site/);
      const t = await getJson<TopologyJson>(`/api/v1/topology/${encodeURIComponent(topologyId)}`);
      assert.equal(t.status, 'ACTIVE', 'neither deactivated nor killed');
    } finally {
      evil.closeAllConnections();
      await new Promise((resolve) => evil.close(resolve));
    }
  },
);
