/** Debian's headless Chromium, driven by playwright-core (no browser is ever downloaded). */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';

export const hasChromium = (): boolean => existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Runs `fn` with a Chromium of its own, closed afterwards whatever happens. */
export async function withChromium<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** expect.poll with room for a loaded 2-core CI machine (its default gives up after 1 s). */
export const poll = <T>(fn: () => T | Promise<T>, opts: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: opts.timeout ?? 20_000, interval: 50 });

/** A new temporary folder for screenshots only looked at, ending in `/`. */
export const lookDir = (): string => `${mkdtempSync(join(tmpdir(), 'fluoro-screenshots-'))}/`;

/**
 * Where a console test writes the screenshots the docs show: docs/screenshots/ with
 * FLUORO_UPDATE_SCREENSHOTS=1 (which refreshes them), else a temporary folder.
 */
export const docsScreenshotDir = (): string =>
  process.env['FLUORO_UPDATE_SCREENSHOTS'] === '1'
    ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
    : lookDir();

/**
 * Collects into `errors` what a console page must never show: uncaught exceptions and console
 * errors, except the browser's own line for a response it got as an error (a 400 the page
 * shows on purpose).
 */
export function collectPageErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
}
