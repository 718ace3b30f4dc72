// OTLP/HTTP ingest: spans made by the real OpenTelemetry SDK, encoded by its own JSON and
// protobuf serializers, POSTed to a real `fluoro up` (its OTLP port) as fast as it answers, and
// counted once stored. `node bench/otlp-ingest.js` (or `npm run bench otlp`).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFluoroProcess } from './workload.js';

const require = createRequire(import.meta.url);
const SECONDS = Number(process.env.BENCH_OTLP_SECONDS ?? 3);
const SPANS_PER_REQUEST = 512; // the batch span processor's default export size
const IN_FLIGHT = 4;

/** 512 real spans: traces of one SERVER span, a CLIENT call and 6 INTERNAL steps. */
function makeSpans() {
  const {
    BasicTracerProvider,
    InMemorySpanExporter,
    SimpleSpanProcessor,
  } = require('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  const api = require('@opentelemetry/api');
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-api', 'service.version': '1.0.0' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench');
  for (let t = 0; exporter.getFinishedSpans().length < SPANS_PER_REQUEST; t++) {
    const root = tracer.startSpan('GET /items/:id', {
      kind: api.SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.path': `/items/${t}`,
        'http.route': '/items/:id',
        'http.response.status_code': 200,
        tenant: `t${t % 50}`,
      },
    });
    const ctx = api.trace.setSpan(api.context.active(), root);
    const call = tracer.startSpan(
      'GET',
      {
        kind: api.SpanKind.CLIENT,
        attributes: { 'server.address': 'inventory', 'http.request.method': 'GET' },
      },
      ctx,
    );
    call.end();
    for (let k = 0; k < 6; k++) tracer.startSpan(`step-${k}`, { attributes: { step: k } }, ctx).end();
    root.end();
  }
  return exporter.getFinishedSpans().slice(0, SPANS_PER_REQUEST);
}

/**
 * Where each trace id sits in an encoded body (as 16 bytes in protobuf, 32 hex digits in JSON),
 * so every request can carry new trace ids: the same spans sent again would be updates of
 * stored documents, a different (slower) path.
 */
function traceIdOffsets(body, spans, binary) {
  const offsets = [];
  for (const id of new Set(spans.map((s) => s.spanContext().traceId))) {
    const needle = binary ? Buffer.from(id, 'hex') : Buffer.from(id);
    for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 1)) offsets.push(at);
  }
  return offsets;
}

/** The body with request number `n` written into the last 4 bytes of every trace id. */
function stamped(template, offsets, binary, n) {
  const body = Buffer.from(template);
  for (const at of offsets) {
    if (binary) body.writeUInt32BE(n, at + 12);
    else body.write(n.toString(16).padStart(8, '0'), at + 24, 'latin1');
  }
  return body;
}

async function run(kind, template, offsets, contentType) {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-otlp-'));
  const f = await startFluoroProcess(dir);
  const stats = async () => (await (await fetch(`${f.http}/api/stats`)).json()).ingest;
  const started = performance.now();
  const end = started + SECONDS * 1000;
  let requests = 0;
  let refused = 0;
  let n = 0;
  const binary = contentType === 'application/x-protobuf';
  const worker = async () => {
    while (performance.now() < end) {
      const body = stamped(template, offsets, binary, ++n);
      const r = await fetch(f.otlp, { method: 'POST', headers: { 'content-type': contentType }, body });
      await r.arrayBuffer();
      if (r.status === 200) requests++;
      else refused++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  let s = await stats();
  while (s.written < s.accepted) {
    await new Promise((r) => setTimeout(r, 100));
    s = await stats();
  }
  const seconds = (performance.now() - started) / 1000;
  f.child.kill('SIGTERM');
  await new Promise((r) => f.child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return {
    kind,
    bytes: template.length,
    requests,
    refused,
    written: s.written,
    spansPerSec: s.written / seconds,
  };
}

export async function benchOtlpIngest() {
  const { JsonTraceSerializer, ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
  const spans = makeSpans();
  const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans));
  const proto = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans));
  const rows = [
    await run('OTLP/HTTP JSON', json, traceIdOffsets(json, spans, false), 'application/json'),
    await run('OTLP/HTTP protobuf', proto, traceIdOffsets(proto, spans, true), 'application/x-protobuf'),
  ];
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(
    `## OTLP/HTTP ingest (fluoro up, DuckDB; ${SPANS_PER_REQUEST} real spans per request, ${IN_FLIGHT} in flight, ${SECONDS} s)`,
  );
  console.log('encoding           | body bytes | requests | refused (429) | spans stored | spans/s stored');
  for (const r of rows) {
    console.log(
      `${r.kind.padEnd(18)} | ${fmt(r.bytes).padStart(10)} | ${fmt(r.requests).padStart(8)} | ${fmt(r.refused).padStart(13)} | ${fmt(r.written).padStart(12)} | ${fmt(r.spansPerSec)}`,
    );
  }
  console.log(
    'peer for scale: the OpenTelemetry Collector testbed expects 10,000 spans/s of OTLP/HTTP within 20 % of one core, passing them on, storing nothing\n',
  );
  return rows;
}

if (process.argv[1] === new URL(import.meta.url).pathname) await benchOtlpIngest();
