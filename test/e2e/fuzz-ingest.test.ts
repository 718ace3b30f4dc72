/**
 * Structured fuzzing of ingest: documents captured from the real X-Ray SDKs, with values swapped
 * for hostile ones (huge, negative and fractional numbers, wrong types, long and odd strings,
 * missing and extra keys), sent to a real `fluoro up` through PutTraceSegments and UDP.
 *
 * The invariant: whatever validation accepts, the store stores, and every query still answers.
 * A value that passes validation and that the store then refuses costs the documents written
 * with it (`store_rejected`), so that count must stay at zero. Seeded: a failure names its seed
 * and replays exactly. OTLP (JSON, protobuf over HTTP and gRPC) and Zipkin get the same treatment.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect as connectHttp2 } from 'node:http2';
import {
  BatchGetTracesCommand,
  GetServiceGraphCommand,
  GetTimeSeriesServiceStatisticsCommand,
  GetTraceSummariesCommand,
} from '@aws-sdk/client-xray';
import { Client, credentials, status } from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  startClickHouse,
} from '../../packages/store/src/clickhouse/clickhouse-harness.test-helpers.js';
import { eventually, ingestStats, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { containers, type Json, mutate, random } from '../helpers/fuzz.js';

const FIXTURES = ['node-aws-xray-sdk-core-3.12.jsonl', 'django-python-sdk-0.95.jsonl'];
const HEADER = '{"format":"json","version":1}\n';
const SEED = Number(process.env['FLUORO_FUZZ_SEED'] ?? 20261127);
const DOCUMENTS = 1200;
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** The SDKs' documents (header line dropped). */
function baseDocuments(): Record<string, Json>[] {
  const docs: Record<string, Json>[] = [];
  for (const file of FIXTURES) {
    const text = readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8');
    for (const line of text.split('\n').filter(Boolean)) {
      const datagram = JSON.parse(line) as string;
      docs.push(JSON.parse(datagram.slice(datagram.indexOf('\n') + 1)) as Record<string, Json>);
    }
  }
  return docs;
}

let counter = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);

/** A copy of `base` with fresh ids, moved to now, then mutated 1 to 3 times. */
function fuzzed(base: Record<string, Json>, rand: () => number): Record<string, Json> {
  const doc = structuredClone(base);
  const now = Date.now() / 1000;
  const shift = now - Number(doc['start_time']);
  const traceId = `1-${hex(Math.floor(now), 8)}-${hex(SEED, 8)}${hex(++counter, 16)}`;
  for (const c of containers(doc)) {
    if (Array.isArray(c)) continue;
    for (const k of ['start_time', 'end_time'])
      if (typeof c[k] === 'number') c[k] = Math.round(((c[k] as number) + shift) * 1e6) / 1e6;
    if (typeof c['id'] === 'string' && /^[0-9a-f]{16}$/.test(c['id'])) c['id'] = hex(++counter, 16);
  }
  doc['trace_id'] = traceId;
  const mutations = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < mutations; i++) mutate(doc, rand);
  return doc;
}

/** An OTLP/JSON export of three spans (server, database client, internal with an exception), fresh ids, now. */
function otlpRequest(n: number): Record<string, Json> {
  const ns = (ms: number) => String(BigInt(Math.round(ms)) * 1_000_000n);
  const now = Date.now();
  const traceId = `${hex(Math.floor(now / 1000), 8)}${hex(SEED, 8)}${hex(n, 16)}`;
  const id = (k: number) => hex(n * 4 + k, 16);
  const attr = (key: string, value: Json) => ({ key, value: value as Json });
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            attr('service.name', { stringValue: 'otel-fuzz' }),
            attr('service.version', { stringValue: '1.2.3' }),
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'fuzz' },
            spans: [
              {
                traceId,
                spanId: id(1),
                name: 'GET /orders',
                kind: 2,
                startTimeUnixNano: ns(now - 20),
                endTimeUnixNano: ns(now),
                attributes: [
                  attr('http.request.method', { stringValue: 'GET' }),
                  attr('url.full', { stringValue: 'http://shop/orders?id=1' }),
                  attr('http.response.status_code', { intValue: '200' }),
                  attr('enduser.id', { stringValue: 'alice' }),
                  attr('tenant', { stringValue: 'acme' }),
                ],
                status: { code: 0 },
              },
              {
                traceId,
                spanId: id(2),
                parentSpanId: id(1),
                name: 'SELECT orders',
                kind: 3,
                startTimeUnixNano: ns(now - 15),
                endTimeUnixNano: ns(now - 5),
                attributes: [
                  attr('db.system', { stringValue: 'postgresql' }),
                  attr('db.name', { stringValue: 'shop' }),
                  attr('server.address', { stringValue: 'db' }),
                  attr('db.statement', { stringValue: 'SELECT * FROM orders' }),
                ],
                links: [{ traceId, spanId: id(1), attributes: [attr('why', { stringValue: 'retry' })] }],
              },
              {
                traceId,
                spanId: id(3),
                parentSpanId: id(1),
                name: 'render',
                kind: 1,
                startTimeUnixNano: ns(now - 4),
                endTimeUnixNano: ns(now - 1),
                events: [
                  {
                    name: 'exception',
                    timeUnixNano: ns(now - 2),
                    attributes: [
                      attr('exception.type', { stringValue: 'TypeError' }),
                      attr('exception.message', { stringValue: 'boom' }),
                      attr('exception.stacktrace', {
                        stringValue: 'TypeError: boom\n    at render (/app/x.js:1:2)',
                      }),
                    ],
                  },
                ],
                status: { code: 2, message: 'boom' },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** An OTLP protobuf export of six spans (a server span, a client span with an event, and their attributes). */
function protobufExport(): Buffer {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('fuzz');
  for (let i = 0; i < 3; i++) {
    tracer.startActiveSpan(
      'GET /orders',
      { kind: 1, attributes: { 'http.request.method': 'GET', tenant: 'acme' } },
      (span) => {
        const child = tracer.startSpan('SELECT', {
          kind: 2,
          attributes: { 'db.system': 'postgresql', n: [1, 2] },
        });
        child.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'boom' });
        child.end();
        span.end();
      },
    );
  }
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!);
}

/** Every fourth: random bytes that are no export; otherwise `valid` with 1 to 4 bytes flipped. */
function damaged(valid: Buffer, n: number, rand: () => number): Buffer {
  if (n % 4 === 3)
    return Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 400) }, () => Math.floor(rand() * 256)));
  const body = Buffer.from(valid);
  for (let flips = 1 + Math.floor(rand() * 4); flips > 0; flips--)
    body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
  return body;
}

/** A Zipkin v2 export of a server span and its client call, fresh ids, now. */
function zipkinSpans(n: number): Json[] {
  const us = Date.now() * 1000;
  const traceId = `${hex(SEED, 8)}${hex(n, 24)}`;
  const id = (k: number) => hex(n * 4 + k, 16);
  return [
    {
      traceId,
      id: id(1),
      name: 'get /cart',
      kind: 'SERVER',
      timestamp: us - 20_000,
      duration: 20_000,
      localEndpoint: { serviceName: 'zipkin-fuzz', ipv4: '10.0.0.1' },
      tags: { 'http.method': 'GET', 'http.path': '/cart', 'http.status_code': '500', error: 'boom' },
      annotations: [{ timestamp: us - 10_000, value: 'cache miss' }],
    },
    {
      traceId,
      id: id(2),
      parentId: id(1),
      name: 'get',
      kind: 'CLIENT',
      timestamp: us - 15_000,
      duration: 5_000,
      localEndpoint: { serviceName: 'zipkin-fuzz' },
      remoteEndpoint: { serviceName: 'inventory', ipv4: '10.0.0.2', port: 8080 },
      tags: { 'http.url': 'http://inventory:8080/stock' },
      shared: false,
    },
  ];
}

/** The suite, run once per store: `start` starts `fluoro up` on it. */
function fuzzSuite(start: () => Promise<RunningFluoro>): void {
  let fluoro: RunningFluoro;
  const accepted: string[] = [];
  const since = new Date(Date.now() - 60_000);
  beforeAll(async () => {
    fluoro = await start();
  });
  afterAll(() => fluoro?.dispose());

  it('PutTraceSegments: each hostile document is accepted or refused with a reason, and what is accepted is stored', async () => {
    const rand = random(SEED);
    const bases = baseDocuments();
    for (let sent = 0; sent < DOCUMENTS; ) {
      const batch: string[] = [];
      const traceIds: string[] = [];
      for (let i = 0; i < 25 && sent < DOCUMENTS; i++, sent++) {
        const doc = fuzzed(bases[Math.floor(rand() * bases.length)]!, rand);
        batch.push(JSON.stringify(doc));
        traceIds.push(String(doc['trace_id']));
      }
      const res = await fetch(`${fluoro.httpUrl}/TraceSegments`, {
        method: 'POST',
        body: JSON.stringify({ TraceSegmentDocuments: batch }),
      });
      expect(res.status).toBe(200);
      const out = (await res.json()) as { UnprocessedTraceSegments: { Id?: string; ErrorCode?: string }[] };
      for (const u of out.UnprocessedTraceSegments) expect(u.ErrorCode).toBeTruthy();
      expect(out.UnprocessedTraceSegments.length).toBeLessThanOrEqual(batch.length);
      const refused = new Set(out.UnprocessedTraceSegments.map((u) => u.Id));
      batch.forEach((text, i) => {
        // Refusals name the segment id; a document without a valid one cannot have been accepted.
        const id = (JSON.parse(text) as { id?: unknown }).id;
        if (typeof id === 'string' && /^[0-9a-f]{16}$/.test(id) && !refused.has(id))
          accepted.push(traceIds[i]!);
      });
    }
    // Hostile values are meant to hit validation; a fuzzer that never gets past it tests nothing.
    expect(accepted.length).toBeGreaterThan(DOCUMENTS / 4);
    expect(accepted.length).toBeLessThan(DOCUMENTS);
    await everythingWritten(fluoro);
  });

  it('UDP: the same documents, and datagrams with bytes flipped, leave the server answering', async () => {
    const rand = random(SEED + 1);
    const bases = baseDocuments();
    const sock = createSocket('udp4');
    const send = (b: Buffer) =>
      new Promise<void>((resolve, reject) =>
        sock.send(b, fluoro.udpPort, fluoro.udpHost, (e) => (e ? reject(e) : resolve())),
      );
    for (let i = 0; i < 400; i++) {
      const datagram = Buffer.from(
        HEADER + JSON.stringify(fuzzed(bases[Math.floor(rand() * bases.length)]!, rand)),
      );
      if (i % 2 === 1) {
        for (let flips = 1 + Math.floor(rand() * 4); flips > 0; flips--)
          datagram[Math.floor(rand() * datagram.length)] = Math.floor(rand() * 256);
      }
      await send(datagram);
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
    }
    sock.close();
    await everythingWritten(fluoro);
    expect((await fetch(`${fluoro.httpUrl}/api/health`)).status).toBe(200);
  });

  it('OTLP/JSON: hostile exports are answered 200 or 400, and what is accepted is stored', async () => {
    const rand = random(SEED + 2);
    const before = (await ingestStats(fluoro.httpUrl)).ingest.accepted;
    for (let n = 1; n <= 300; n++) {
      const request = otlpRequest(n);
      for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) mutate(request, rand);
      const res = await fetch(`${fluoro.otlpUrl}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      await res.text();
      expect([200, 400]).toContain(res.status);
    }
    const stats = await everythingWritten(fluoro);
    // Most mutations leave some of the three spans acceptable: the fuzzer reaches the writer.
    expect(stats.ingest.accepted - before).toBeGreaterThan(300);
  });

  it('OTLP/protobuf: exports with bytes flipped, and bytes that are no export, are answered 200 or 400', async () => {
    const rand = random(SEED + 4);
    const valid = protobufExport();
    const post = (body: Buffer) =>
      fetch(`${fluoro.otlpUrl}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
    const before = (await ingestStats(fluoro.httpUrl)).ingest.accepted;
    expect((await post(valid)).status).toBe(200);
    for (let n = 0; n < 200; n++) {
      const res = await post(damaged(valid, n, rand));
      await res.arrayBuffer();
      expect([200, 400]).toContain(res.status);
    }
    const stats = await everythingWritten(fluoro);
    // The valid export's six spans, and those of many flipped ones.
    expect(stats.ingest.accepted - before).toBeGreaterThan(6 * 20);
  });

  it('OTLP/gRPC: damaged exports and malformed gRPC framing each get a status, and the server goes on', async () => {
    const rand = random(SEED + 5);
    const valid = protobufExport();
    const identity = (b: Buffer) => b;
    const client = new Client(fluoro.otlpGrpcAddress, credentials.createInsecure());
    const exportCall = (body: Buffer) =>
      new Promise<number>((resolve) =>
        client.makeUnaryRequest(EXPORT_PATH, identity, identity, body, (err) =>
          resolve(err ? err.code : status.OK),
        ),
      );
    const before = (await ingestStats(fluoro.httpUrl)).ingest.accepted;
    expect(await exportCall(valid)).toBe(status.OK);
    const codes = new Set<number>();
    for (let n = 0; n < 200; n++) codes.add(await exportCall(damaged(valid, n, rand)));
    client.close();
    expect([...codes].filter((c) => c !== status.OK && c !== status.INVALID_ARGUMENT)).toEqual([]);
    expect(codes).toContain(status.INVALID_ARGUMENT);

    // Framing grpc-js's client never sends: a gRPC message is a compressed flag, a 4-byte length and the bytes.
    const frame = (flag: number, length: number, body: Buffer) => {
      const head = Buffer.alloc(5);
      head[0] = flag;
      head.writeUInt32BE(length, 1);
      return Buffer.concat([head, body]);
    };
    // Each is refused with a non-zero grpc-status, but the first: grpc-js reads a flagged message
    // with no encoding as plain bytes (here a valid export), which is as good as refusing it.
    const malformed: [string, Record<string, string>, Buffer][] = [
      ['compressed flag without an encoding', {}, frame(1, valid.length, valid)],
      ['gzip declared, not gzip', { 'grpc-encoding': 'gzip' }, frame(1, valid.length, valid)],
      ['an unknown encoding', { 'grpc-encoding': 'zstd-9' }, frame(1, valid.length, valid)],
      ['length past the end', {}, frame(0, valid.length + 100, valid)],
      ['length of 4 GiB', {}, frame(0, 0xffffffff, valid.subarray(0, 64))],
      ['three bytes of a header', {}, Buffer.from([0, 0, 0])],
      [
        'two messages in a unary call',
        {},
        Buffer.concat([frame(0, valid.length, valid), frame(0, valid.length, valid)]),
      ],
    ];
    const session = connectHttp2(`http://${fluoro.otlpGrpcAddress}`);
    try {
      for (const [what, headers, bytes] of malformed) {
        const grpcStatus = await new Promise<string | undefined>((resolve, reject) => {
          const req = session.request({
            ':method': 'POST',
            ':path': EXPORT_PATH,
            'content-type': 'application/grpc',
            te: 'trailers',
            ...headers,
          });
          let found: string | undefined;
          const read = (h: Record<string, unknown>) => {
            if (h['grpc-status'] !== undefined) found = String(h['grpc-status']);
          };
          req.on('response', read);
          req.on('trailers', read);
          req.on('error', reject);
          req.on('close', () => resolve(found));
          req.resume();
          req.end(bytes);
        });
        expect({ what, answered: grpcStatus !== undefined }).toEqual({ what, answered: true });
        if (what !== malformed[0]![0]) expect({ what, grpcStatus }).not.toEqual({ what, grpcStatus: '0' });
      }
    } finally {
      session.close();
    }
    const stats = await everythingWritten(fluoro);
    expect(stats.ingest.accepted - before).toBeGreaterThan(6 * 20);
    expect((await fetch(`${fluoro.httpUrl}/api/health`)).status).toBe(200);
  });

  it('Zipkin v2: hostile span lists are answered 202 or 400, and what is accepted is stored', async () => {
    const rand = random(SEED + 3);
    const before = (await ingestStats(fluoro.httpUrl)).ingest.accepted;
    for (let n = 1; n <= 200; n++) {
      const spans = { spans: zipkinSpans(n) };
      for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) mutate(spans, rand);
      const res = await fetch(`${fluoro.httpUrl}/api/v2/spans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spans['spans']),
      });
      await res.text();
      expect([202, 400]).toContain(res.status);
    }
    const stats = await everythingWritten(fluoro);
    expect(stats.ingest.accepted - before).toBeGreaterThan(150);
  });

  it('every query still answers over the stored documents', async () => {
    const xray = fluoro.xray();
    const end = new Date(Date.now() + 60_000);
    // The stored documents read back as JSON with the ids they were sent with.
    for (let i = 0; i < accepted.length; i += 5) {
      const ids = accepted.slice(i, i + 5);
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: ids }));
      expect(r.Traces?.map((t) => t.Id).sort()).toEqual([...new Set(ids)].sort());
      for (const t of r.Traces ?? []) for (const s of t.Segments ?? []) JSON.parse(s.Document!);
    }
    for (const FilterExpression of [
      undefined,
      'fault OR error OR throttle',
      'responsetime > 0.001',
      'http.status >= 500',
      'annotation.tenant = "acme" OR annotation.k1 > 3',
      'service() { fault }',
      'user = "x"',
      'http.url CONTAINS "script"',
      'rootcause.fault.entity { name = "query-stock" }',
    ]) {
      let NextToken: string | undefined;
      let pages = 0;
      do {
        const r = await xray.send(
          new GetTraceSummariesCommand({ StartTime: since, EndTime: end, FilterExpression, NextToken }),
        );
        NextToken = r.NextToken;
        pages++;
      } while (NextToken && pages < 50);
    }
    const graph = await xray.send(new GetServiceGraphCommand({ StartTime: since, EndTime: end }));
    expect(graph.Services?.length).toBeGreaterThan(0);
    await xray.send(
      new GetTimeSeriesServiceStatisticsCommand({
        StartTime: since,
        EndTime: end,
        EntitySelectorExpression: 'service("otel-fuzz")',
      }),
    );
    for (const id of accepted.slice(0, 50)) {
      const r = await fetch(`${fluoro.httpUrl}/api/service-times?traceId=${id}`);
      expect(r.status).toBe(200);
    }
  });
}

describe(`ingest fuzzing, DuckDB (seed ${SEED}; FLUORO_FUZZ_SEED replays another)`, () => {
  fuzzSuite(() => startFluoro());
});

describeWithClickHouse(`ingest fuzzing, ClickHouse (seed ${SEED})`, () => {
  let ch: ClickHouseServer;
  beforeAll(async () => {
    ch = await startClickHouse();
  });
  afterAll(() => ch?.dispose());
  fuzzSuite(() =>
    startFluoro({
      args: ['--store', 'clickhouse', '--clickhouse-url', ch.url, '--clickhouse-database', 'fuzz'],
    }),
  );
});

/**
 * The ingest counters once the write queue is empty: nothing was dropped (a value validation let
 * through that the store refused would be `store_rejected`) and every accepted document written.
 */
async function everythingWritten(fluoro: RunningFluoro): Promise<Awaited<ReturnType<typeof ingestStats>>> {
  const stats = await eventually(async () => {
    const s = await ingestStats(fluoro.httpUrl);
    return s.queued === 0 && s.ingest.written + sum(s.ingest.dropped) >= s.ingest.accepted ? s : undefined;
  }, 60_000);
  expect(stats.ingest.dropped).toEqual({});
  expect(stats.ingest.written).toBe(stats.ingest.accepted);
  return stats;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
