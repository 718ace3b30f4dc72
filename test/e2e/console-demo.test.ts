/**
 * A new user's first look, in real headless Chromium (Debian's, through playwright-core): `fluoro
 * demo` sends its traced shop to a real `fluoro up`, and the console shows a checkout across
 * its services, the card processor's row marked as inferred, and every service on the map.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium, poll } from '../helpers/chromium.js';
import { type RunningFluoro, runDemo, startFluoro } from '../helpers/fluoro-up.js';
import { requireOrSkip } from '../helpers/require-or-skip.js';

describe.runIf(requireOrSkip(hasChromium(), `Chromium (${CHROMIUM})`))('the console on fluoro demo', () => {
  let fluoro: RunningFluoro;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    fluoro = await startFluoro();
    await runDemo(fluoro);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });
  afterAll(async () => {
    await browser?.close();
    await fluoro?.dispose();
  });

  it('opens a checkout: every service in order, the untraced card processor marked inferred', async () => {
    await page.goto(`${fluoro.httpUrl}/?last=1h&filter=${encodeURIComponent('service("email-worker")')}`);
    const first = page.locator('[data-testid=trace-table] tbody tr').first();
    await poll(() => first.getAttribute('data-trace-id')).toMatch(/^1-/);
    await page.goto(`${fluoro.httpUrl}/trace/${await first.getAttribute('data-trace-id')}`);
    const rows = page.locator('[data-testid=timeline] [data-row-index]');
    await poll(() => rows.count()).toBeGreaterThanOrEqual(12);
    const names = await rows.locator('.row-name').allTextContents();
    for (const name of ['shop-frontend', 'catalog', 'SELECT item', 'payments', 'charge card', 'email-worker'])
      expect(names).toContain(name);
    // The card processor: the payments call's row, and under it the segment inferred from it.
    const cards = rows.filter({ has: page.locator('.row-name', { hasText: /^cards\.example$/ }) });
    expect(await cards.count()).toBe(2);
    expect(await cards.nth(0).locator('.origin').count()).toBe(0);
    expect(await cards.nth(1).locator('.origin').allTextContents()).toEqual(['remote', 'inferred']);
    expect(pageErrors).toEqual([]);
  });

  it('draws every service of the shop on the map', async () => {
    await page.goto(`${fluoro.httpUrl}/map?last=1h`);
    for (const name of ['shop-frontend', 'catalog', 'payments', 'cards.example', 'email-worker'])
      await poll(() => page.locator(`g[data-node="${name}"]`).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
