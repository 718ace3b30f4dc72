/**
 * The console in real headless Chromium (Debian's, driven by playwright-core) against a real
 * `fluoro up` filled by the real aws-xray-sdk-core: two services calling each other, a fault,
 * a 404, a subsegment named like an XSS payload, and a 50,000-subsegment trace. Saves the
 * screenshots the README shows (docs/screenshots/; Settings' is console-sampling.test.ts's).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSeconds } from '../../packages/console/src/model/time-range.js';
import { sendBigTrace } from '../helpers/big-trace.js';
import { CHROMIUM, docsScreenshotDir, hasChromium, launchChromium, poll } from '../helpers/chromium.js';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { requireOrSkip } from '../helpers/require-or-skip.js';
import { startApp } from '../helpers/start-app.js';

const APP = fileURLToPath(new URL('./apps/console-app.cjs', import.meta.url));
// Screenshots go to a temporary folder; FLUORO_UPDATE_SCREENSHOTS=1 refreshes the README's in docs/screenshots/.
const SHOTS = docsScreenshotDir();
const XSS = '<img src=x onerror=alert(1)>';
const BIG = 50_000;

interface Doc {
  name: string;
  start_time: number;
  end_time: number;
  subsegments?: Doc[];
}

describe.runIf(requireOrSkip(hasChromium(), `Chromium (${CHROMIUM})`))('console in Chromium', () => {
  let fluoro: RunningFluoro;
  let app: ChildProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  const ids = { checkout: [] as string[], globex: [] as string[], fail: '', missing: '', xss: '' };

  const call = async (appUrl: string, path: string) =>
    ((await (await fetch(appUrl + path)).json()) as { traceId: string }).traceId;
  const summaries = async () => {
    const r = await fetch(`${fluoro.httpUrl}/TraceSummaries`, {
      method: 'POST',
      body: JSON.stringify({ StartTime: Date.now() / 1000 - 3600, EndTime: Date.now() / 1000 + 60 }),
    });
    return ((await r.json()) as { TraceSummaries: { Id: string; ServiceIds: { Name: string }[] }[] })
      .TraceSummaries;
  };
  const getTrace = async (id: string) => {
    const r = await fetch(`${fluoro.httpUrl}/Traces`, {
      method: 'POST',
      body: JSON.stringify({ TraceIds: [id] }),
    });
    return ((await r.json()) as { Traces: { Duration: number; Segments: { Document: string }[] }[] })
      .Traces[0];
  };
  const rowsShown = () =>
    page
      .locator('[data-testid=trace-table] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trace-id')));
  const filterParam = () => new URL(page.url()).searchParams.get('filter') ?? '';
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png` });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    fluoro = await startFluoro();
    const started = await startApp(APP, [], fluoro.udpAddress);
    app = started.child;
    const appUrl = started.url;
    for (const [tenant, user] of [
      ['acme', 'alice'],
      ['globex', 'bob'],
      ['acme', 'carol'],
      ['globex', 'dave'],
    ] as const) {
      const id = await call(appUrl, `/checkout?tenant=${tenant}&user=${user}`);
      ids.checkout.push(id);
      if (tenant === 'globex') ids.globex.push(id);
    }
    ids.fail = await call(appUrl, '/fail');
    ids.missing = await call(appUrl, '/missing');
    ids.xss = await call(appUrl, '/xss');
    // Every trace is in, with both services' segments where two services took part.
    await eventually(async () => {
      const s = await summaries();
      const twoServices = [...ids.checkout, ids.fail].every(
        (id) => s.find((t) => t.Id === id)?.ServiceIds.length === 2,
      );
      return s.length === 7 && twoServices ? true : undefined;
    }, 30_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      // Script errors and CSP violations count; an HTTP error status the page handles does not.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
    // Any alert is the XSS payload running; the settings page's delete confirmation is answered by its test.
    page.on('dialog', (d) => {
      if (d.type() === 'confirm') return;
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    app?.kill();
    await fluoro?.dispose();
  });

  it('serves the app at / and at deep links under a strict Content-Security-Policy', async () => {
    for (const path of ['/', `/trace/${ids.xss}`, '/map']) {
      const r = await fetch(fluoro.httpUrl + path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(await r.text()).not.toMatch(/<script>(?!<\/script>)/);
    }
    // Unknown API paths stay JSON 404s, not the app.
    const api = await fetch(`${fluoro.httpUrl}/api/nope`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toBe('application/json');
  });

  it('lists traces newest first and narrows them with a filter expression', async () => {
    await page.goto(`${fluoro.httpUrl}/?last=1h`);
    await poll(rowsShown).toHaveLength(7);
    const all = await rowsShown();
    expect(all[0]).toBe(ids.xss);
    expect(all.at(-1)).toBe(ids.checkout[0]);
    await poll(() => page.getByTestId('match-count').textContent()).toBe('7 matched of 7 scanned');
    await shot('traces');

    await page.locator('#filter').fill('annotation.tenant = "globex"');
    await page.locator('#filter').press('Enter');
    await poll(() => page.url()).toContain('filter=annotation.tenant');
    await poll(async () => (await rowsShown()).sort()).toEqual([...ids.globex].sort());
    await expect
      .poll(() => page.getByTestId('match-count').textContent())
      .toMatch(/^2 matched of \d+ scanned/);

    await page.locator('#filter').fill('http.status = 500');
    await page.getByRole('button', { name: 'Search' }).click();
    await poll(rowsShown).toEqual([ids.fail]);
    await expect(page.locator(`tr[data-trace-id="${ids.fail}"]`).textContent()).resolves.toContain(
      '500 Fault',
    );

    // A filter the server cannot parse: its message, and a caret under the column it names.
    await page.locator('#filter').fill('responsetime > AND ok');
    await page.locator('#filter').press('Enter');
    const alert = page.getByRole('alert');
    await poll(() => alert.textContent()).toMatch(/column 16/);
    expect(await alert.locator('.caret-line').textContent()).toBe(`${' '.repeat(15)}^`);
  });

  it('completes keywords and services in the filter bar', async () => {
    await page.goto(`${fluoro.httpUrl}/?last=1h`);
    await poll(rowsShown).toHaveLength(7);
    await page.locator('#filter').fill('');
    await page.locator('#filter').pressSequentially('serv');
    const options = page.getByRole('listbox', { name: 'Completions' }).getByRole('option');
    await poll(() => options.allTextContents()).toContain('service("orders")service');
    await page.getByRole('option', { name: /service\("orders"\)/ }).click();
    expect(await page.locator('#filter').inputValue()).toBe('service("orders")');
    await page.locator('#filter').press('Enter');
    await poll(async () => (await rowsShown()).sort()).toEqual([...ids.checkout, ids.fail].sort());
  });

  it('opens a trace from the list: segments and subsegments in order, with their durations', async () => {
    const id = ids.checkout[1]!;
    await page.goto(`${fluoro.httpUrl}/?last=1h`);
    await page.getByRole('link', { name: id }).click();
    await poll(() => page.url()).toBe(`${fluoro.httpUrl}/trace/${id}`);
    const rows = page.locator('[data-testid=timeline] [data-row-index]');
    await poll(() => rows.count()).toBe(5);
    const names = await rows.locator('.row-name').allTextContents();
    expect(names).toEqual(['frontend', 'validate-cart', '127.0.0.1', 'orders', 'db-query']);
    // The durations shown are the documents' own (end - start), in the same order.
    const trace = (await getTrace(id))!;
    const docs = trace.Segments.map((s) => JSON.parse(s.Document) as Doc);
    const frontend = docs.find((d) => d.name === 'frontend')!;
    const orders = docs.find((d) => d.name === 'orders')!;
    const expected = [
      frontend,
      frontend.subsegments![0]!,
      frontend.subsegments![1]!,
      orders,
      orders.subsegments![0]!,
    ].map((d) => formatSeconds(d.end_time - d.start_time));
    expect(await rows.locator('.tl-dur').allTextContents()).toEqual(expected);
    // The trace lasts from its first start to its last end, as BatchGetTraces reports.
    expect(await page.getByTestId('trace-duration').textContent()).toBe(formatSeconds(trace.Duration));
    // Time in each service: the server's numbers, largest first.
    const times = (await (await fetch(`${fluoro.httpUrl}/api/service-times?traceId=${id}`)).json()) as {
      services: { name: string; selfUs: number }[];
    };
    const legend = page.getByRole('region', { name: 'Time in each service' }).locator('.stack-legend li');
    await poll(() => legend.locator('.name').allTextContents()).toEqual(times.services.map((x) => x.name));
    expect(await legend.first().textContent()).toContain(formatSeconds(times.services[0]!.selfUs / 1e6));
    // The detail panel, by click and by keyboard, with its tabs in the URL.
    await rows.filter({ hasText: 'db-query' }).click();
    await poll(() => page.url()).toContain('row=');
    await page.getByRole('tab', { name: /Annotations/ }).click();
    expect(await page.getByTestId('annotations').textContent()).toContain('tableorders');
    await page.keyboard.press('k');
    await poll(() => page.locator('.detail-title').textContent()).toBe('orders');
    await page.keyboard.press('Enter');
    await poll(() => rows.count()).toBe(4);
    await page.keyboard.press('Enter');
    await poll(() => rows.count()).toBe(5);
    await page.getByRole('tab', { name: /Overview/ }).click();
    await shot('trace');
    // Raw JSON shows the documents as sent; Download saves them.
    await page.getByRole('button', { name: 'Raw JSON' }).click();
    expect(await page.getByTestId('raw-json').textContent()).toContain('"name": "db-query"');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download JSON' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${id}.json`);
    const saved = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
      Id: string;
      Segments: Doc[];
    };
    expect(saved.Id).toBe(id);
    expect(saved.Segments.map((d) => d.name).sort()).toEqual(['frontend', 'orders']);
    await page.getByRole('button', { name: 'Timeline' }).click();
    // The downloaded file opens again in the console, without the server.
    await page.goto(`${fluoro.httpUrl}/?last=1h`);
    await page.getByLabel('Open trace file').setInputFiles((await download.path())!);
    await poll(() => page.url()).toBe(`${fluoro.httpUrl}/trace/file`);
    await poll(() => page.locator('[data-row-index] .row-name').allTextContents()).toEqual(names);
    expect(await page.getByTestId('trace-id').textContent()).toBe(id);
    await page.goto(`${fluoro.httpUrl}/trace/${id}`);
    await poll(() => rows.count()).toBe(5);
    // The fault trace: the failing subsegment and its exception.
    await page.goto(`${fluoro.httpUrl}/trace/${ids.fail}`);
    await page.locator('[data-row-index]').filter({ hasText: 'db-query' }).click();
    // The Overview names the exception; its link opens the Exceptions tab.
    await page.getByRole('tab', { name: /Overview/ }).click();
    expect(await page.getByTestId('overview-exception').textContent()).toContain('orders database is down');
    await page.getByTestId('overview-exception').getByRole('button').click();
    expect(await page.getByRole('tab', { name: /Exceptions/ }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('detail-panel').textContent()).toContain('orders database is down');
    expect(await page.locator('[data-row-index] .tl-bar.outcome-fault').count()).toBeGreaterThanOrEqual(2);
  });

  it('shows a segment named like HTML as text, and runs none of it', async () => {
    await page.goto(`${fluoro.httpUrl}/trace/${ids.xss}`);
    const row = page.locator('[data-row-index]').filter({ hasText: XSS });
    await poll(() => row.count()).toBe(1);
    expect(await row.locator('.row-name').textContent()).toBe(XSS);
    await row.click();
    await page.getByRole('tab', { name: /Annotations/ }).click();
    expect(await page.getByTestId('annotations').textContent()).toContain(XSS);
    await page.getByRole('tab', { name: /Metadata/ }).click();
    expect(await page.getByTestId('detail-panel').textContent()).toContain(XSS);
    await page.goto(`${fluoro.httpUrl}/?last=1h`);
    await expect
      .poll(() => page.locator(`tr[data-trace-id="${ids.xss}"] .chip`).textContent())
      .toBe(`note=${XSS}`);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('opens the service map and clicks a service through to its traces', async (ctx) => {
    const probe = await fetch(`${fluoro.httpUrl}/ServiceGraph`, {
      method: 'POST',
      body: JSON.stringify({ StartTime: Date.now() / 1000 - 3600, EndTime: Date.now() / 1000 + 60 }),
    });
    if (probe.status === 404) ctx.skip(); // GetServiceGraph is not on this server yet
    await page.goto(`${fluoro.httpUrl}/map?last=1h`);
    const node = page.locator('g[data-node="orders"]');
    await poll(() => node.count()).toBe(1);
    await shot('service-map');
    await node.click();
    await poll(() => page.url()).toContain('node=');
    await page.getByTestId('view-traces').click();
    await poll(() => decodeURIComponent(page.url())).toContain('filter=service(');
    await poll(async () => (await rowsShown()).sort()).toEqual([...ids.checkout, ids.fail].sort());
    // Narrowed to the service's faults, as X-Ray's map panel does.
    await page.goBack();
    await page.getByRole('checkbox', { name: 'fault' }).check();
    await page.getByTestId('view-traces').click();
    await poll(filterParam).toBe('service("orders") { fault }');
    await poll(rowsShown).toEqual([ids.fail]);
    // An edge: its panel, and its traces through edge("caller", "callee").
    await page.goto(`${fluoro.httpUrl}/map?last=1h`);
    const edges = page.locator('g.map-edge');
    await poll(() => edges.count()).toBeGreaterThanOrEqual(2);
    const keys = await edges.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-edge')));
    let opened = false;
    for (const key of keys) {
      await page.locator(`g.map-edge[data-edge="${key}"] .edge-line`).dispatchEvent('click');
      await poll(() => page.locator('.detail-title').count()).toBe(1);
      if ((await page.locator('.detail-title').textContent()) === 'frontend → orders') {
        opened = true;
        break;
      }
    }
    expect(opened).toBe(true);
    await page.getByTestId('view-traces').click();
    await poll(filterParam).toBe('edge("frontend", "orders")');
    await poll(async () => (await rowsShown()).sort()).toEqual([...ids.checkout, ids.fail].sort());
  });

  it('jumps to a pasted W3C trace id, and narrows the list by dragging across the chart', async () => {
    await page.goto(`${fluoro.httpUrl}/?last=1h`);
    await poll(rowsShown).toHaveLength(7);
    const w3c = ids.fail.slice(2).replace('-', '');
    await page.getByRole('textbox', { name: 'Go to trace id' }).fill(w3c);
    await page.getByRole('textbox', { name: 'Go to trace id' }).press('Enter');
    await poll(() => page.url()).toBe(`${fluoro.httpUrl}/trace/${ids.fail}`);
    await page.goBack();
    await poll(rowsShown).toHaveLength(7);
    // Drag across the right half of the distribution: the slower traces only.
    const box = (await page.locator('figure.chart svg').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await poll(filterParam).toMatch(/^responsetime >= [0-9.]+ AND responsetime <= [0-9.]+$/);
    const range = /responsetime >= ([0-9.]+) AND responsetime <= ([0-9.]+)/.exec(filterParam())!;
    const all = (await summaries()) as unknown as { Id: string; ResponseTime: number }[];
    const expected = all
      .filter((t) => t.ResponseTime >= Number(range[1]) && t.ResponseTime <= Number(range[2]))
      .map((t) => t.Id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(7);
    await poll(async () => (await rowsShown()).sort()).toEqual(expected.sort());
  });

  it('creates a group in settings and narrows the traces page to it', async (ctx) => {
    const probe = await fetch(`${fluoro.httpUrl}/Groups`, { method: 'POST', body: '{}' });
    if (probe.status === 404) ctx.skip(); // the group API is not routed on this server yet
    await page.goto(`${fluoro.httpUrl}/settings`);
    await page.getByRole('button', { name: 'New group' }).click();
    await page.getByRole('textbox', { name: 'Group name' }).fill('failing');
    await page.getByRole('textbox', { name: 'Group filter expression' }).fill('fault');
    await page.getByRole('button', { name: 'Create group' }).click();
    const row = page.locator('tr[data-group="failing"]');
    await poll(() => row.count()).toBe(1);
    await row.getByRole('link', { name: 'View traces' }).click();
    await poll(() => page.url()).toContain('group=failing');
    await poll(rowsShown).toEqual([ids.fail]);
    expect(await page.getByRole('combobox', { name: 'Group' }).inputValue()).toBe('failing');
    await page.goto(`${fluoro.httpUrl}/settings`);
    page.once('dialog', (d) => void d.accept());
    await page.locator('tr[data-group="failing"]').getByRole('button', { name: 'Delete' }).click();
    await poll(() => page.locator('tr[data-group="failing"]').count()).toBe(0);
  });

  it('compares two filters on the analytics page', async () => {
    const a = encodeURIComponent('annotation.tenant = "acme"');
    const b = encodeURIComponent('annotation.tenant = "globex"');
    await page.goto(`${fluoro.httpUrl}/analytics?last=1h&a=${a}&b=${b}`);
    await expect
      .poll(() => page.getByTestId('analytics-count').textContent())
      .toMatch(/^A: 2 traces · B: 2 traces/);
    const users = page.locator('.breakdown').filter({ hasText: 'Users' });
    expect(await users.locator('tbody tr').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^alice50\.0%0\.0%-50\.0$/),
        expect.stringMatching(/^bob0\.0%50\.0%\+50\.0$/),
      ]),
    );
    // URLs show their path; the whole URL is the tooltip and what a click filters on.
    const url = page.locator('.breakdown').filter({ hasText: 'URLs' }).locator('tbody td').first();
    expect(await url.textContent()).toMatch(/^\/checkout\?tenant=/);
    expect(await url.getAttribute('title')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/checkout\?tenant=/);
    await shot('analytics');
    // Dragging across a time series narrows the range to that part (absolute from/to).
    const chart = (await page.getByRole('img', { name: 'Requests' }).boundingBox())!;
    await page.mouse.move(chart.x + chart.width * 0.25, chart.y + chart.height / 2);
    await page.mouse.down();
    await page.mouse.move(chart.x + chart.width - 1, chart.y + chart.height / 2, { steps: 5 });
    await page.mouse.up();
    await poll(() => new URL(page.url()).searchParams.get('from')).toMatch(/^\d+$/);
    const u = new URL(page.url()).searchParams;
    expect(Number(u.get('to')) - Number(u.get('from'))).toBeLessThan(0.8 * 3600_000);
    expect(u.get('a')).toBe('annotation.tenant = "acme"');
    await poll(() => page.getByTestId('analytics-count').textContent()).toMatch(/^A: 2 traces · B: 2 traces/);
  });

  it(`loads a ${BIG.toLocaleString('en')}-subsegment trace and scrolls it`, async () => {
    const big = await sendBigTrace(fluoro.httpUrl, BIG);
    await eventually(async () => {
      const t = await getTrace(big.traceId);
      const doc = t?.Segments[0] ? (JSON.parse(t.Segments[0].Document) as Doc) : undefined;
      return t?.Segments.length === 1 && doc?.subsegments?.length === BIG ? true : undefined;
    }, 150_000);
    await page.goto(`${fluoro.httpUrl}/trace/${big.traceId}`);
    const timeline = page.getByTestId('timeline');
    await expect
      .poll(() => timeline.getAttribute('data-row-count'), { timeout: 60_000 })
      .toBe(String(BIG + 1));
    // Only the rows on screen are in the DOM.
    expect(await page.locator('[data-row-index]').count()).toBeLessThan(150);
    const body = page.getByTestId('timeline-body');
    await body.evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await expect
      .poll(() => page.locator('[data-row-index="25000"] .row-name').textContent())
      .toBe('row-24999');
    await body.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await expect
      .poll(() => page.locator(`[data-row-index="${BIG}"] .row-name`).textContent())
      .toBe('row-49999');
    expect(await page.locator('[data-row-index]').count()).toBeLessThan(150);
    // Find jumps to a row far down and selects it.
    await page.getByRole('textbox', { name: 'Find in trace' }).fill('row-31337');
    await page.getByRole('textbox', { name: 'Find in trace' }).press('Enter');
    await poll(() => page.locator('.detail-title').textContent()).toBe('row-31337');
    await shot('trace-50k');
    expect(pageErrors).toEqual([]);
  }, 240_000);

  it('has a dark mode and stays usable on a narrow screen', async () => {
    const narrow = await browser.newPage({ viewport: { width: 420, height: 860 }, colorScheme: 'dark' });
    await narrow.goto(`${fluoro.httpUrl}/trace/${ids.checkout[0]}`);
    await poll(() => narrow.locator('[data-row-index]').count()).toBe(5);
    expect(await narrow.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    // Nothing wider than the screen but the timeline's own scroller.
    const overflow = await narrow.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await narrow.screenshot({ path: `${SHOTS}trace-narrow-dark.png` });
    await narrow.close();
  });
});
