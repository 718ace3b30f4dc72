/**
 * Span links and events in the console, in real headless Chromium (Debian's, through
 * playwright-core) against a real `fluoro up`: the real OpenTelemetry SDK and OTLP exporter send
 * a producer span and, in another trace, a consumer span linked to it with events. The consumer's
 * details show the link, which opens the producer's trace with its span selected; the events
 * show in the Metadata tab. A link to a trace id that is not Fluoro's is text, and link
 * attributes never run as HTML.
 */
import { PutTraceSegmentsCommand } from '@aws-sdk/client-xray';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, collectPageErrors, hasChromium, launchChromium, poll } from '../helpers/chromium.js';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { requireOrSkip } from '../helpers/require-or-skip.js';

const XSS = '<img src=x onerror=alert(1)>';
const toXRay = (w3c: string) => `1-${w3c.slice(0, 8)}-${w3c.slice(8)}`;

describe.runIf(requireOrSkip(hasChromium(), `Chromium (${CHROMIUM})`))(
  'span links and events in the console',
  () => {
    let fluoro: RunningFluoro;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];
    const dialogs: string[] = [];
    const providers: BasicTracerProvider[] = [];
    const ids = {
      producerTrace: '',
      producerSpan: '',
      consumerTrace: '',
      consumerSpan: '',
      foreignTrace: '',
    };

    const tracer = (service: string) => {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        spanProcessors: [
          new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${fluoro.httpUrl}/v1/traces` })),
        ],
      });
      providers.push(provider);
      return provider.getTracer('queue');
    };

    const stored = async (traceId: string) => {
      const r = await fetch(`${fluoro.httpUrl}/Traces`, {
        method: 'POST',
        body: JSON.stringify({ TraceIds: [traceId] }),
      });
      return ((await r.json()) as { Traces: { Segments: unknown[] }[] }).Traces[0]?.Segments.length
        ? true
        : undefined;
    };

    beforeAll(async () => {
      fluoro = await startFluoro();
      const producer = tracer('orders-api').startSpan('publish order', { kind: SpanKind.PRODUCER });
      producer.end();
      const consumer = tracer('billing-worker').startSpan('process order', {
        kind: SpanKind.CONSUMER,
        root: true,
        links: [{ context: producer.spanContext(), attributes: { 'messaging.operation': 'receive' } }],
      });
      consumer.addEvent('retry', { attempt: 2, reason: 'lock held' });
      consumer.end();
      for (const p of providers) await p.forceFlush();
      ids.producerTrace = toXRay(producer.spanContext().traceId);
      ids.producerSpan = producer.spanContext().spanId;
      ids.consumerTrace = toXRay(consumer.spanContext().traceId);
      ids.consumerSpan = consumer.spanContext().spanId;

      // A document linking to a trace of another system, with an attribute shaped like HTML.
      const now = Date.now() / 1000;
      ids.foreignTrace = `1-${Math.floor(now).toString(16)}-${'ef56'.repeat(6)}`;
      await fluoro.xray().send(
        new PutTraceSegmentsCommand({
          TraceSegmentDocuments: [
            JSON.stringify({
              name: 'bridge',
              id: '5a5a5a5a5a5a5a5a',
              trace_id: ids.foreignTrace,
              start_time: now - 1,
              end_time: now,
              links: [{ trace_id: 'legacy-trace-42', id: 'span-7', attributes: { note: XSS } }],
            }),
          ],
        }),
      );
      for (const id of [ids.producerTrace, ids.consumerTrace, ids.foreignTrace])
        await eventually(() => stored(id));

      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
      collectPageErrors(page, pageErrors);
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      for (const p of providers) await p.shutdown();
      await fluoro?.dispose();
    });

    it("shows a consumer's link to its producer, which opens the producer's trace with its span selected", async () => {
      await page.goto(`${fluoro.httpUrl}/trace/${ids.consumerTrace}?row=${ids.consumerSpan}`);
      const links = page.getByTestId('span-links');
      await poll(() => links.locator('h3').textContent()).toBe('Links (1)');
      const anchor = links.getByRole('link');
      expect(await anchor.textContent()).toBe(ids.producerTrace);
      expect(await anchor.getAttribute('href')).toBe(`/trace/${ids.producerTrace}?row=${ids.producerSpan}`);
      expect(await links.textContent()).toContain(ids.producerSpan);
      expect(await links.textContent()).toContain('messaging.operationreceive');

      // Events are in the metadata, under otel.
      await page.getByRole('tab', { name: /Metadata/ }).click();
      const metadata = (await page.getByTestId('detail-panel').locator('pre.json').textContent()) ?? '';
      expect(JSON.parse(metadata)).toMatchObject({
        otel: { events: [{ name: 'retry', attributes: { attempt: 2, reason: 'lock held' } }] },
      });

      await page.getByRole('tab', { name: /Overview/ }).click();
      await anchor.click();
      await poll(() => page.url()).toBe(
        `${fluoro.httpUrl}/trace/${ids.producerTrace}?row=${ids.producerSpan}`,
      );
      await poll(() => page.locator('.detail-title').textContent()).toBe('orders-api');
      expect(await page.getByTestId('trace-id').textContent()).toBe(ids.producerTrace);
      // The producer links to nothing.
      expect(await page.getByTestId('span-links').count()).toBe(0);
      await page.goBack();
      await poll(() => page.getByTestId('trace-id').textContent()).toBe(ids.consumerTrace);
      expect(pageErrors).toEqual([]);
    });

    it('shows a link to a trace id of another system as text, and its attributes as text', async () => {
      await page.goto(`${fluoro.httpUrl}/trace/${ids.foreignTrace}?row=5a5a5a5a5a5a5a5a`);
      const links = page.getByTestId('span-links');
      await poll(() => links.locator('h3').textContent()).toBe('Links (1)');
      expect(await links.getByRole('link').count()).toBe(0);
      expect(await links.textContent()).toContain('legacy-trace-42');
      expect(await links.textContent()).toContain(XSS);
      expect(await page.locator('img').count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  },
);
