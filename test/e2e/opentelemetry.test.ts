/**
 * Services instrumented with the real OpenTelemetry JS SDK export to a real `fluoro up` with the
 * real exporters: OTLP/HTTP JSON to the HTTP port, OTLP/HTTP protobuf (gzip) to OTLP's own
 * port, OTLP/gRPC (gzip) and Zipkin v2 JSON. The traces read back through the real AWS SDK X-Ray client are one
 * trace per request across services, with the parent links, HTTP fields, faults and causes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  BatchGetTracesCommand,
  GetServiceGraphCommand,
  GetTraceSummariesCommand,
} from '@aws-sdk/client-xray';
import { credentials, Client as GrpcClient, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js';
import { CLI, eventually, ingestStats, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { requireOrSkip } from '../helpers/require-or-skip.js';
import { startApp } from '../helpers/start-app.js';

const APP = fileURLToPath(new URL('./apps/otel-app.cjs', import.meta.url));

type Doc = Record<string, unknown> & {
  id: string;
  name: string;
  parent_id?: string;
  subsegments?: Doc[];
};

const toXRay = (w3c: string) => `1-${w3c.slice(0, 8)}-${w3c.slice(8)}`;

describe('OpenTelemetry and Zipkin exporters → fluoro up → @aws-sdk/client-xray', () => {
  let fluoro: RunningFluoro;
  const apps: ChildProcess[] = [];
  let front = '';
  let back = '';
  let zipkinFront = '';
  let grpcFront = '';

  async function start(service: string, exporter: string, endpoint: string, downstream?: string) {
    const app = await startApp(APP, [service, exporter, endpoint, ...(downstream ? [downstream] : [])], '');
    apps.push(app.child);
    return app.url;
  }

  beforeAll(async () => {
    fluoro = await startFluoro();
    back = await start('otel-back', 'otlp-proto', fluoro.otlpUrl);
    front = await start('otel-front', 'otlp-json', `${fluoro.httpUrl}/v1/traces`, back);
    zipkinFront = await start('zipkin-front', 'zipkin', `${fluoro.httpUrl}/api/v2/spans`, back);
    grpcFront = await start('grpc-front', 'otlp-grpc', `http://${fluoro.otlpGrpcAddress}`, back);
  });
  afterAll(async () => {
    for (const app of apps) app.kill();
    await fluoro?.dispose();
  });

  /** The trace's documents once `count` segments of it are stored. */
  async function segmentsOf(traceId: string, count: number, subsegmentCount = 3): Promise<Doc[]> {
    const xray = fluoro.xray();
    return eventually(async () => {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
      const docs = (r.Traces?.[0]?.Segments ?? []).map((s) => JSON.parse(s.Document!) as Doc);
      const complete = docs.filter((d) => d.name !== undefined).length >= count;
      const subsegments = docs.reduce((n, d) => n + (d.subsegments?.length ?? 0), 0);
      // By default front: load-cart + the call to back; back: load-cart.
      return complete && subsegments >= subsegmentCount ? docs : undefined;
    });
  }

  async function request(url: string): Promise<string> {
    const r = await fetch(url);
    return toXRay(((await r.json()) as { traceId: string }).traceId);
  }

  it('OTLP JSON and OTLP protobuf services make one trace: parent links, http, subsegments', async () => {
    const traceId = await request(`${front}/work`);
    const docs = await segmentsOf(traceId, 2);
    const f = docs.find((d) => d.name === 'otel-front')!;
    const b = docs.find((d) => d.name === 'otel-back')!;
    expect(f).toMatchObject({
      trace_id: traceId,
      service: { version: '2.0.1' },
      http: { request: { method: 'GET', url: `${front}/work` }, response: { status: 200 } },
    });
    expect(f.parent_id).toBeUndefined();
    const call = f.subsegments!.find((s) => s['namespace'] === 'remote')!;
    expect(call).toMatchObject({
      name: '127.0.0.1',
      http: { request: { method: 'GET', url: `${back}/work` }, response: { status: 200 } },
    });
    // The callee's segment hangs off the caller's CLIENT span, across exporters and formats.
    expect(b.parent_id).toBe(call.id);
    expect(b.subsegments!.map((s) => s.name)).toEqual(['load-cart']);
    expect(b.subsegments![0]).toMatchObject({ annotations: { cart_items: 3, tenant: 'acme' } });
  });

  it("a service traced with Fluoro's SDK calling an OpenTelemetry service makes one trace (W3C traceparent)", async () => {
    // OpenTelemetry's default propagator reads only `traceparent`; the SDK sends it beside
    // X-Amzn-Trace-Id, so the OTel callee continues the caller's trace instead of starting one.
    const sdk = await import('../../packages/sdk/src/index.js');
    sdk.configure({
      daemonAddress: fluoro.udpAddress,
      sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 1 } }, centralized: false },
    });
    try {
      const traceId = await sdk.traceSegment('fluoro-front', async (segment) => {
        await fetch(`${back}/work`).then((r) => r.text());
        return segment.traceId;
      });
      await sdk.flush();
      const docs = await segmentsOf(traceId, 2, 2);
      const f = docs.find((d) => d.name === 'fluoro-front')!;
      const b = docs.find((d) => d.name === 'otel-back')!;
      const call = f.subsegments!.find((s) => s['namespace'] === 'remote')!;
      expect(call).toMatchObject({
        http: { request: { method: 'GET', url: `${back}/work` }, response: { status: 200 } },
      });
      expect(b).toMatchObject({ trace_id: traceId, parent_id: call.id });
      expect(b.subsegments!.map((s) => s.name)).toEqual(['load-cart']);
    } finally {
      await sdk.shutdown();
    }
  });

  it('a failing request is a fault with the exception as cause, and is found by filter expressions', async () => {
    const traceId = await request(`${front}/work?fail=1`);
    const docs = await segmentsOf(traceId, 2);
    const f = docs.find((d) => d.name === 'otel-front')!;
    expect(f).toMatchObject({ fault: true, http: { response: { status: 500 } } });
    const cart = f.subsegments!.find((s) => s.name === 'load-cart')!;
    expect(cart).toMatchObject({
      fault: true,
      cause: { exceptions: [{ type: 'Error', message: 'cart store unreachable' }] },
    });
    const frames = (cart['cause'] as { exceptions: { stack: { path: string }[] }[] }).exceptions[0]!.stack;
    expect(frames[0]!.path).toMatch(/otel-app\.cjs$/);
    const xray = fluoro.xray();
    const found = await eventually(async () => {
      const r = await xray.send(
        new GetTraceSummariesCommand({
          StartTime: new Date(Date.now() - 600_000),
          EndTime: new Date(Date.now() + 60_000),
          FilterExpression: 'service("otel-front") { fault } AND annotation.tenant = "acme"',
        }),
      );
      return r.TraceSummaries?.some((s) => s.Id === traceId) ? r.TraceSummaries : undefined;
    });
    expect(found.every((s) => s.HasFault)).toBe(true);
  });

  it('Zipkin v2 spans join the same model, and the service graph shows both callers of otel-back', async () => {
    const traceId = await request(`${zipkinFront}/work`);
    const docs = await segmentsOf(traceId, 2);
    const z = docs.find((d) => d.name === 'zipkin-front')!;
    const b = docs.find((d) => d.name === 'otel-back')!;
    const call = z.subsegments!.find((s) => s['namespace'] === 'remote')!;
    expect(call).toMatchObject({ http: { request: { method: 'GET' }, response: { status: 200 } } });
    expect(b.parent_id).toBe(call.id);
    const graph = await fluoro.xray().send(
      new GetServiceGraphCommand({
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(Date.now() + 60_000),
      }),
    );
    const services = graph.Services ?? [];
    const backRef = services.find((s) => s.Name === 'otel-back')!.ReferenceId;
    const callers = services
      .filter((s) => s.Edges?.some((e) => e.ReferenceId === backRef))
      .map((s) => s.Name)
      .sort();
    expect(callers).toEqual(expect.arrayContaining(['otel-front', 'zipkin-front']));
  });

  it('OTLP/gRPC (gzip) from the real exporter joins the same trace as OTLP/HTTP', async () => {
    const traceId = await request(`${grpcFront}/work`);
    const docs = await segmentsOf(traceId, 2);
    const g = docs.find((d) => d.name === 'grpc-front')!;
    const b = docs.find((d) => d.name === 'otel-back')!;
    expect(g).toMatchObject({ trace_id: traceId, http: { response: { status: 200 } } });
    const call = g.subsegments!.find((s) => s['namespace'] === 'remote')!;
    expect(b.parent_id).toBe(call.id);
  });

  it('OTLP/gRPC: bytes that are not an export are INVALID_ARGUMENT, a full queue UNAVAILABLE, and nothing else breaks', async () => {
    const exportCall = (address: string, bytes: Buffer) =>
      new Promise<{ error: ServiceError | null; reply?: Buffer }>((resolve) => {
        const client = new GrpcClient(address, credentials.createInsecure());
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (b: Buffer) => b,
          (b: Buffer) => b,
          bytes,
          (error, reply) => {
            client.close();
            resolve({ error, ...(reply ? { reply } : {}) });
          },
        );
      });
    // A length past the end: not an ExportTraceServiceRequest.
    const bad = await exportCall(fluoro.otlpGrpcAddress, Buffer.from([0x0a, 0xff, 0xff, 0x01]));
    expect(bad.error?.code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(bad.error?.details).toMatch(/not an OTLP trace export/);
    // An empty export is valid and answered with an empty response.
    const empty = await exportCall(fluoro.otlpGrpcAddress, Buffer.alloc(0));
    expect(empty.error).toBeNull();
    expect(empty.reply?.length).toBe(0);
    const small = await startFluoro({ args: ['--queue-size', '1'] });
    try {
      const { ProtobufTraceSerializer } = await import('@opentelemetry/otlp-transformer');
      const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
        '@opentelemetry/sdk-trace-base'
      );
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
      const tracer = provider.getTracer('queue-test');
      tracer.startSpan('one').end();
      tracer.startSpan('two').end();
      const bytes = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!;
      const full = await exportCall(small.otlpGrpcAddress, Buffer.from(bytes));
      expect(full.error?.code).toBe(grpcStatus.UNAVAILABLE);
      expect(full.error?.details).toMatch(/write queue is full/);
    } finally {
      await small.dispose();
    }
    expect((await fetch(`${fluoro.httpUrl}/api/health`)).status).toBe(200);
  });

  it('bad spans are rejected and counted while their neighbours are kept; bad requests get 4xx naming the problem', async () => {
    const url = `${fluoro.httpUrl}/v1/traces`;
    const good = {
      traceId: 'aaaabbbbccccddddeeeeffff00001111',
      spanId: '1234567812345678',
      name: 'kept',
      kind: 2,
      startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
      endTimeUnixNano: String(BigInt(Date.now() + 5) * 1_000_000n),
    };
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'mixed' } }] },
          scopeSpans: [{ spans: [good, { ...good, spanId: 'nothex', name: 'bad' }] }],
        },
      ],
    };
    const before = await ingestStats(fluoro.httpUrl);
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      partialSuccess: { rejectedSpans: '1', errorMessage: expect.stringMatching(/span id "nothex"/) },
    });
    const after = await ingestStats(fluoro.httpUrl);
    expect(after.ingest.rejected['invalid_id'] ?? 0).toBe((before.ingest.rejected['invalid_id'] ?? 0) + 1);
    const kept = await segmentsOfOne('1-aaaabbbb-ccccddddeeeeffff00001111');
    expect(kept.name).toBe('mixed');

    const post = (target: string, type: string, payload: Buffer | string, encoding?: string) =>
      fetch(target, {
        method: 'POST',
        headers: { 'content-type': type, ...(encoding ? { 'content-encoding': encoding } : {}) },
        body: payload,
      });
    const notJson = await post(url, 'application/json', '{"resourceSpans": [');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toMatch(/not an OTLP trace export/);
    // A length past the end (RangeError in the decoder) and an invalid wire type (a plain Error).
    for (const bytes of [
      [0x0a, 0xff, 0xff, 0x01],
      [0x17, 1, 1, 1, 1, 1, 1, 1, 1],
    ]) {
      const notProto = await post(fluoro.otlpUrl, 'application/x-protobuf', Buffer.from(bytes));
      expect(notProto.status).toBe(400);
      expect(notProto.headers.get('content-type')).toBe('application/x-protobuf');
    }
    expect((await post(url, 'text/plain', 'hello')).status).toBe(415);
    // 21 MiB of zeros, compressed to a few KiB: refused once inflated past OTLP's 20 MiB limit.
    const bomb = await post(url, 'application/json', gzipSync(Buffer.alloc(21 * 1024 * 1024)), 'gzip');
    expect(bomb.status).toBe(413);
    const zipkin = await post(`${fluoro.httpUrl}/api/v2/spans`, 'application/json', '{"not": "a list"}');
    expect(zipkin.status).toBe(400);
    expect(await zipkin.text()).toMatch(/not a Zipkin v2 span list/);
    // OTLP's own port serves nothing else (not the query API).
    const other = await fetch(fluoro.otlpUrl.replace('/v1/traces', '/TraceSummaries'), {
      method: 'POST',
      body: '{}',
    });
    expect(other.status).toBe(404);
    // The server is still answering.
    expect((await fetch(`${fluoro.httpUrl}/api/health`)).status).toBe(200);
  });

  it('a full write queue answers 429 with Retry-After, which OTLP exporters retry', async () => {
    const small = await startFluoro({ args: ['--queue-size', '1'] });
    try {
      const span = (spanId: string) => ({
        traceId: 'aaaabbbbccccddddeeeeffff00002222',
        spanId,
        name: 'x',
        startTimeUnixNano: '1764160000000000000',
        endTimeUnixNano: '1764160000100000000',
      });
      const r = await fetch(small.otlpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceSpans: [{ scopeSpans: [{ spans: [span('1111111111111111'), span('2222222222222222')] }] }],
        }),
      });
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(await r.json()).toEqual({ code: 8, message: expect.stringMatching(/write queue is full/) });
    } finally {
      await small.dispose();
    }
  });

  it("starts without OTLP's own ports when the defaults 4318 and 4317 are taken, and says so", async () => {
    // Whoever holds them (this test, or a local OpenTelemetry Collector), they are taken.
    const holders = [createServer(), createServer()];
    await Promise.all(
      [4318, 4317].map(
        (port, i) =>
          new Promise<void>((resolve) => {
            holders[i]!.once('error', () => resolve());
            holders[i]!.listen(port, '127.0.0.1', () => resolve());
          }),
      ),
    );
    const data = mkdtempSync(join(tmpdir(), 'fluoro-otlp-'));
    const child = spawn(
      process.execPath,
      [CLI, 'up', '--udp', 'off', '--http', '127.0.0.1:0', '--data', data],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    try {
      await eventually(async () => (/fluoro: ready/.test(out) ? true : undefined));
      expect(out).toMatch(/OTLP port 127\.0\.0\.1:4318 is in use; OTLP is served on the HTTP port only/);
      expect(out).toMatch(
        /OTLP\/gRPC port 127\.0\.0\.1:4317 is not available; OTLP is served over HTTP only/,
      );
      expect(out).not.toMatch(/listening otlp/);
    } finally {
      child.kill();
      await once(child, 'exit');
      for (const holder of holders) holder.close();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it.runIf(requireOrSkip(hasChromium(), `Chromium (${CHROMIUM})`))(
    'a web page on another origin can export spans (CORS preflight and POST), as the OpenTelemetry web SDK does',
    async () => {
      const site = createHttpServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<p>app</p>'),
      );
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', () => resolve()));
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
        const now = BigInt(Date.now()) * 1_000_000n;
        const body = JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web-app' } }] },
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: 'bbbbccccddddeeeeffff000011112222',
                      spanId: 'abcdefabcdefabcd',
                      name: 'documentLoad',
                      kind: 1,
                      startTimeUnixNano: String(now),
                      endTimeUnixNano: String(now + 30_000_000n),
                    },
                  ],
                },
              ],
            },
          ],
        });
        // From the page's origin: the browser sends the preflight, then the POST.
        const answer = await page.evaluate(
          async ([url, payload]) => {
            const r = await fetch(url!, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: payload!,
            });
            return { status: r.status, body: await r.text() };
          },
          [fluoro.otlpUrl, body],
        );
        expect(answer).toEqual({ status: 200, body: '{}' });
        expect((await segmentsOfOne('1-bbbbcccc-ddddeeeeffff000011112222')).name).toBe('web-app');
      } finally {
        await browser.close();
        site.close();
      }
    },
  );

  async function segmentsOfOne(traceId: string): Promise<Doc> {
    const xray = fluoro.xray();
    return eventually(async () => {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
      const doc = r.Traces?.[0]?.Segments?.[0]?.Document;
      return doc ? (JSON.parse(doc) as Doc) : undefined;
    });
  }
});
