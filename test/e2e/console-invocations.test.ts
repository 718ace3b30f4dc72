/**
 * A service's invocations in the console, in real headless Chromium (Debian's, through
 * playwright-core) against a real `fluoro up`: a request whose email job runs in a worker
 * segment of another service continuing the request's trace. The request succeeds, the job
 * faults. From the map, the worker's node → View invocations lists the job with its own
 * duration and fault (not the trace's), filters by outcome, and opens the trace at the job.
 */
import { PutTraceSegmentsCommand } from '@aws-sdk/client-xray';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  collectPageErrors,
  docsScreenshotDir,
  hasChromium,
  launchChromium,
  poll,
} from '../helpers/chromium.js';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { requireOrSkip } from '../helpers/require-or-skip.js';

describe.runIf(requireOrSkip(hasChromium(), `Chromium (${CHROMIUM})`))(
  "a service's invocations in the console",
  () => {
    let fluoro: RunningFluoro;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];
    const t0 = Math.floor(Date.now() / 1000) - 120;
    const failedTrace = `1-${t0.toString(16)}-${'c0ffee'.repeat(4)}`;
    const okTrace = `1-${(t0 + 30).toString(16)}-${'beef00'.repeat(4)}`;
    const failedJob = 'f00000000000000f';
    const okJob = 'f00000000000000a';

    beforeAll(async () => {
      fluoro = await startFluoro();
      const docs: object[] = [
        {
          trace_id: failedTrace,
          id: 'a00000000000000a',
          name: 'shop-api',
          start_time: t0,
          end_time: t0 + 0.2,
          http: { request: { method: 'POST', url: 'http://shop/orders' }, response: { status: 202 } },
          subsegments: [
            {
              id: 'a00000000000000b',
              name: 'email-queue',
              namespace: 'remote',
              start_time: t0 + 0.1,
              end_time: t0 + 0.15,
            },
          ],
        },
        {
          // The queue consumer continues the request's trace: its own segment, faulted.
          trace_id: failedTrace,
          id: failedJob,
          parent_id: 'a00000000000000b',
          name: 'email-worker',
          start_time: t0 + 2,
          end_time: t0 + 2.75,
          fault: true,
          cause: { exceptions: [{ message: 'SMTP refused' }] },
          annotations: { job_id: 'mail-17', attempt: 3 },
        },
        {
          trace_id: okTrace,
          id: okJob,
          name: 'email-worker',
          start_time: t0 + 30,
          end_time: t0 + 30.05,
        },
      ];
      // One more sms-worker job than the console's page of 100, each in a trace of its own.
      for (let i = 0; i < 101; i++)
        docs.push({
          trace_id: `1-${(t0 + i).toString(16)}-${i.toString(16).padStart(24, 'd')}`,
          id: `e${i.toString(16).padStart(15, '0')}`,
          name: 'sms-worker',
          start_time: t0 + i,
          end_time: t0 + i + 0.01,
        });
      for (let i = 0; i < docs.length; i += 50)
        await fluoro.xray().send(
          new PutTraceSegmentsCommand({
            TraceSegmentDocuments: docs.slice(i, i + 50).map((d) => JSON.stringify(d)),
          }),
        );
      const count = async (service: string) => {
        const r = await fetch(`${fluoro.httpUrl}/api/segments?service=${service}&limit=1000`);
        return ((await r.json()) as { segments: unknown[] }).segments.length;
      };
      await eventually(async () =>
        (await count('email-worker')) === 2 && (await count('sms-worker')) === 101 ? true : undefined,
      );
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
      collectPageErrors(page, pageErrors);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await fluoro?.dispose();
    });

    const rows = () =>
      page
        .getByTestId('invocation-table')
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [
            tr.getAttribute('data-segment-id'),
            tr.querySelector('.badge')?.textContent ?? '',
            tr.querySelector('[data-testid="invocation-duration"]')?.textContent ?? '',
            [...tr.querySelectorAll('.chip')].map((c) => c.textContent).join(' '),
          ]),
        );

    it("goes from the worker's map node to its invocations, with each job's own duration and outcome", async () => {
      await page.goto(`${fluoro.httpUrl}/map?last=1h`);
      const node = page.locator('g[data-node="email-worker"]');
      await poll(() => node.count()).toBe(1);
      await node.click();
      await poll(() => page.url()).toContain('node=');
      await page.getByTestId('view-invocations').click();
      await poll(() => page.url()).toBe(`${fluoro.httpUrl}/service/email-worker?last=1h`);
      expect(await page.getByTestId('invocations-service').textContent()).toBe('email-worker');
      // Newest first; the failed job shows its own 750 ms and Fault, though its trace's request
      // succeeded, and the annotations that tell it from other jobs.
      await poll(rows).toEqual([
        [okJob, 'OK', '50.0 ms', ''],
        [failedJob, 'Fault', '750 ms', 'job_id=mail-17 attempt=3'],
      ]);
      await page.screenshot({ path: `${docsScreenshotDir()}invocations.png` });

      await page.getByTestId('outcome-filter').selectOption('fault');
      await poll(() => page.url()).toBe(`${fluoro.httpUrl}/service/email-worker?last=1h&outcome=fault`);
      await poll(rows).toEqual([[failedJob, 'Fault', '750 ms', 'job_id=mail-17 attempt=3']]);
      await page.getByTestId('outcome-filter').selectOption('error');
      await poll(() => page.getByTestId('invocation-count').textContent()).toBe('0 invocations');
      await page.getByTestId('outcome-filter').selectOption('');
      // The slow ones: only the failed job took 500 ms or more.
      await page.getByTestId('min-duration-filter').selectOption('0.5');
      await poll(() => page.url()).toBe(`${fluoro.httpUrl}/service/email-worker?last=1h&min=0.5`);
      await poll(rows).toEqual([[failedJob, 'Fault', '750 ms', 'job_id=mail-17 attempt=3']]);
      await page.getByTestId('min-duration-filter').selectOption('');
      await page.getByTestId('outcome-filter').selectOption('fault');
      await poll(rows).toEqual([[failedJob, 'Fault', '750 ms', 'job_id=mail-17 attempt=3']]);

      // The trace id opens the trace with the job's row selected.
      const link = page.getByTestId('invocation-table').getByRole('link', { name: failedTrace });
      expect(await link.getAttribute('href')).toBe(`/trace/${failedTrace}?row=${failedJob}`);
      await link.click();
      await poll(() => page.url()).toBe(`${fluoro.httpUrl}/trace/${failedTrace}?row=${failedJob}`);
      await poll(() => page.locator('.detail-title').textContent()).toBe('email-worker');
      expect(await page.getByTestId('trace-id').textContent()).toBe(failedTrace);
      expect(pageErrors).toEqual([]);
    });

    it('pages older invocations with Load more', async () => {
      await page.goto(`${fluoro.httpUrl}/service/sms-worker?last=1h`);
      await poll(async () => (await rows()).length).toBe(100);
      expect(await page.getByTestId('invocation-count').textContent()).toBe(
        '100 invocations (more available)',
      );
      expect((await rows())[0]?.[0]).toBe(`e${(100).toString(16).padStart(15, '0')}`);
      await page.getByRole('button', { name: 'Load more (older)' }).click();
      await poll(async () => (await rows()).length).toBe(101);
      expect((await rows())[100]?.[0]).toBe(`e${'0'.repeat(15)}`);
      expect(await page.getByTestId('invocation-count').textContent()).toBe('101 invocations');
      expect(await page.getByRole('button', { name: 'Load more (older)' }).count()).toBe(0);
      expect(pageErrors).toEqual([]);
    });
  },
);
