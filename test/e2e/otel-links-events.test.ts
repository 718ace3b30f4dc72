/**
 * Span links and events end to end: the real OpenTelemetry SDK (`@opentelemetry/sdk-trace-base`)
 * makes a producer span and, in a trace of its own, a consumer span linked to it with a retry
 * event, and the real OTLP exporters (HTTP JSON, HTTP protobuf, gRPC) send them to a real
 * `fluoro up`. BatchGetTraces through the real `@aws-sdk/client-xray` returns the link in the
 * consumer's `links` (the producer's trace id in X-Ray form) and the event in its metadata. A
 * document carrying `links` as AWS's awsxrayexporter sends it to PutTraceSegments comes back as
 * it was sent.
 */
import { BatchGetTracesCommand, PutTraceSegmentsCommand } from '@aws-sdk/client-xray';
import {
  type Attributes,
  context,
  createTraceState,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanLimits,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';

type Doc = Record<string, unknown> & { id: string; name: string; subsegments?: Doc[] };

const toXRay = (w3c: string) => `1-${w3c.slice(0, 8)}-${w3c.slice(8)}`;

describe('OpenTelemetry span links and events → fluoro up → @aws-sdk/client-xray', () => {
  let fluoro: RunningFluoro;
  const providers: BasicTracerProvider[] = [];

  beforeAll(async () => {
    fluoro = await startFluoro();
  });
  afterAll(async () => {
    for (const p of providers) await p.shutdown();
    await fluoro?.dispose();
  });

  function tracerFor(
    service: string,
    exporter: SpanExporter,
    spanLimits?: SpanLimits,
  ): { tracer: Tracer; provider: BasicTracerProvider } {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      ...(spanLimits ? { spanLimits } : {}),
    });
    providers.push(provider);
    return { tracer: provider.getTracer('queue-worker'), provider };
  }

  /** The documents of a trace once one with `id` is stored. */
  async function documentsOf(traceId: string, id: string): Promise<Doc[]> {
    const xray = fluoro.xray();
    return eventually(async () => {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
      const docs = (r.Traces?.[0]?.Segments ?? []).map((s) => JSON.parse(s.Document!) as Doc);
      return docs.some((d) => d.id === id) ? docs : undefined;
    });
  }

  const exporters: [string, () => SpanExporter][] = [
    ['OTLP/HTTP JSON', () => new JsonExporter({ url: `${fluoro.httpUrl}/v1/traces` })],
    ['OTLP/HTTP protobuf', () => new ProtoExporter({ url: fluoro.otlpUrl })],
    ['OTLP/gRPC', () => new GrpcExporter({ url: `http://${fluoro.otlpGrpcAddress}` })],
  ];

  it.each(exporters)(
    '%s: a consumer linked to its producer keeps the link and its events',
    async (name, make) => {
      const { tracer, provider } = tracerFor(`worker-${name.replace(/\W+/g, '-')}`, make());
      const producer: Span = tracer.startSpan('publish order', { kind: SpanKind.PRODUCER });
      producer.end();
      const linkAttributes: Attributes = { 'messaging.operation': 'receive', 'batch.index': 3 };
      // A new trace (root: true), linked to the producer's, as a queue consumer's span is.
      const consumer = tracer.startSpan('process order', {
        kind: SpanKind.CONSUMER,
        root: true,
        links: [{ context: producer.spanContext(), attributes: linkAttributes }],
      });
      consumer.addEvent('retry', { attempt: 2, reason: 'lock held' });
      consumer.addEvent('order validated');
      consumer.end();
      await provider.forceFlush();

      const p = producer.spanContext();
      const c = consumer.spanContext();
      expect(c.traceId).not.toBe(p.traceId);
      const [doc] = (await documentsOf(toXRay(c.traceId), c.spanId)).filter((d) => d.id === c.spanId);
      expect(doc!['links']).toEqual([
        {
          trace_id: toXRay(p.traceId),
          id: p.spanId,
          attributes: { 'messaging.operation': 'receive', 'batch.index': 3 },
        },
      ]);
      const otel = (doc!['metadata'] as { otel: { events: { name: string; time: number }[] } }).otel;
      expect(otel.events.map((e) => e.name)).toEqual(['retry', 'order validated']);
      expect(otel.events[0]).toMatchObject({ attributes: { attempt: 2, reason: 'lock held' } });
      expect(otel.events[0]!.time).toBeGreaterThanOrEqual(doc!['start_time'] as number);
      expect(otel.events[0]!.time).toBeLessThanOrEqual(doc!['end_time'] as number);
      // The linked trace is there to follow.
      const producerDocs = await documentsOf(toXRay(p.traceId), p.spanId);
      expect(producerDocs.find((d) => d.id === p.spanId)!['links']).toBeUndefined();
    },
  );

  it.each(exporters)(
    "%s: what the SDK dropped at its span limits, and the span's trace state, are kept",
    async (name, make) => {
      const limits = { attributeCountLimit: 2, eventCountLimit: 1, linkCountLimit: 1 };
      const { tracer, provider } = tracerFor(`limited-${name.replace(/\W+/g, '-')}`, make(), limits);
      const other = tracer.startSpan('other', { root: true });
      other.end();
      // A parent from an incoming request that carried a W3C tracestate.
      const parent = trace.setSpanContext(context.active(), {
        traceId: other.spanContext().traceId,
        spanId: other.spanContext().spanId,
        traceFlags: 1,
        isRemote: true,
        traceState: createTraceState('vendor=opaque,other=1'),
      });
      const span = tracer.startSpan(
        'busy',
        {
          kind: SpanKind.SERVER,
          attributes: { a: 1, b: 2, c: 3, d: 4 },
          links: [{ context: other.spanContext() }, { context: other.spanContext() }],
        },
        parent,
      );
      for (const event of ['one', 'two', 'three']) span.addEvent(event);
      span.end();
      await provider.forceFlush();
      const c = span.spanContext();
      const [doc] = (await documentsOf(toXRay(c.traceId), c.spanId)).filter((d) => d.id === c.spanId);
      const otel = (doc!['metadata'] as { otel: Record<string, unknown> }).otel;
      expect(otel['attributes.dropped']).toBe(2);
      expect(otel['events.dropped']).toBe(2);
      expect(otel['links.dropped']).toBe(1);
      expect(otel['trace_state']).toBe('vendor=opaque,other=1');
    },
  );

  it('PutTraceSegments: documents with links, as awsxrayexporter sends them, come back unchanged', async () => {
    const now = Date.now() / 1000;
    const traceId = `1-${Math.floor(now).toString(16)}-${'ab12'.repeat(6)}`;
    const linked = `1-${Math.floor(now - 60).toString(16)}-${'cd34'.repeat(6)}`;
    const segment = {
      name: 'orders-consumer',
      id: '7a1b2c3d4e5f6071',
      start_time: now - 1,
      end_time: now,
      trace_id: traceId,
      links: [
        { trace_id: linked, id: '0123456789abcdef', attributes: { 'messaging.system': 'aws_sqs', n: 1.5 } },
      ],
      subsegments: [
        {
          name: 'SQS',
          id: '7a1b2c3d4e5f6072',
          start_time: now - 0.5,
          end_time: now - 0.25,
          namespace: 'aws',
          links: [{ trace_id: linked, id: '0123456789abcdee' }],
        },
      ],
    };
    const xray = fluoro.xray();
    const put = await xray.send(
      new PutTraceSegmentsCommand({ TraceSegmentDocuments: [JSON.stringify(segment)] }),
    );
    expect(put.UnprocessedTraceSegments).toEqual([]);
    const [doc] = await documentsOf(traceId, segment.id);
    expect(doc).toEqual(segment);
  });
});
