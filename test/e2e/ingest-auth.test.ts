/**
 * `fluoro up --auth-token-file PATH --ingest-auth`: ingest needs the token too. The real
 * OpenTelemetry OTLP exporters (HTTP JSON on the HTTP port, HTTP protobuf on OTLP's own port,
 * gRPC), given the token by OTEL_EXPORTER_OTLP_HEADERS as docs/deploy.md says, deliver spans that
 * are then readable; without it they are refused and nothing is stored. Zipkin takes a bearer
 * token; PutTraceSegments takes the real `@aws-sdk/client-xray` signing with the token as its
 * secret (as the X-Ray daemon given that secret does). UDP and the SDKs' sampling calls stay
 * open, as does OTLP's CORS preflight. A read-only token (`read-only TOKEN` in the file) reads
 * but is refused every kind of ingest. A token rotation (SIGHUP) covers ingest.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetTracesCommand, PutTraceSegmentsCommand, XRayClient } from '@aws-sdk/client-xray';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';

const TOKEN = 'e2e-ingest-token-0123456789abcdef';
const NEXT = 'e2e-ingest-next-token-fedcba9876543210';
const READER = 'e2e-ingest-read-only-token-0123456789';
const bearer = { authorization: `Bearer ${TOKEN}` };
const t = Math.floor(Date.now() / 1000) - 60;
const toXRay = (w3c: string) => `1-${w3c.slice(0, 8)}-${w3c.slice(8)}`;
const traceId = (n: number) => `1-${t.toString(16)}-${n.toString(16).padStart(24, '0')}`;
const segment = (id: number, name: string) => ({
  trace_id: traceId(id),
  id: id.toString(16).padStart(16, '0'),
  name,
  start_time: t,
  end_time: t + 0.25,
});
/** A Zipkin trace id whose first 8 hex digits are `t`, as X-Ray's epoch part wants. */
const zipkinId = (suffix: string) => `${t.toString(16)}${'0'.repeat(20)}${suffix}`;
const zipkinSpan = (traceIdHex: string, name: string) => [
  {
    traceId: traceIdHex,
    id: traceIdHex.slice(16),
    name: 'get /',
    timestamp: t * 1_000_000,
    duration: 1000,
    localEndpoint: { serviceName: name },
  },
];

describe('fluoro up --ingest-auth', () => {
  let fluoro: RunningFluoro;
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-ingest-auth-'));
  const tokenFile = join(dir, 'token');
  const xray = (secretAccessKey: string) =>
    new XRayClient({
      region: 'us-east-1',
      endpoint: fluoro.httpUrl,
      credentials: { accessKeyId: 'xray-daemon', secretAccessKey },
      maxAttempts: 1,
    });
  /** The stored documents' ids of a trace (read with the token); [] when it is not there. */
  const storedIds = async (id: string): Promise<string[]> => {
    const r = await xray(TOKEN).send(new BatchGetTracesCommand({ TraceIds: [id] }));
    return (r.Traces?.[0]?.Segments ?? []).map((s) => (JSON.parse(s.Document!) as { id: string }).id);
  };
  const unauthenticated = async (): Promise<number> => {
    const r = await fetch(`${fluoro.httpUrl}/api/stats`, { headers: bearer });
    return (
      ((await r.json()) as { ingest: { rejected: Record<string, number> } }).ingest.rejected[
        'unauthenticated'
      ] ?? 0
    );
  };

  beforeAll(async () => {
    writeFileSync(tokenFile, `${TOKEN}\nread-only ${READER}\n`);
    fluoro = await startFluoro({ args: ['--auth-token-file', tokenFile, '--ingest-auth'] });
  }, 60_000);
  afterAll(async () => {
    await fluoro?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says at start that ingest needs the token, without printing it', () => {
    expect(fluoro.output()).toMatch(
      /^fluoro: auth token required for the query API, console and ingest \(OTLP, Zipkin, PutTraceSegments; UDP, the SDKs' sampling calls and \/api\/health are open; 2 tokens accepted: 1 full access, 1 read-only\)$/m,
    );
    expect(fluoro.output()).not.toContain(TOKEN);
    expect(fluoro.output()).not.toContain(READER);
  });

  /** One finished span from the real SDK, to hand to an exporter as its BatchSpanProcessor would. */
  function oneSpan(service: string): ReadableSpan {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    provider.getTracer('ingest-auth').startSpan('GET /orders').end();
    const [span] = memory.getFinishedSpans();
    return span!;
  }

  const exportWith = (exporter: SpanExporter, span: ReadableSpan) =>
    new Promise<ExportResult>((resolve) => exporter.export([span], resolve)).finally(() =>
      exporter.shutdown(),
    );

  /** An exporter built as an app builds it, with OTEL_EXPORTER_OTLP_HEADERS as given (or unset). */
  function withHeaders<T>(headers: string | undefined, make: () => T): T {
    const before = process.env['OTEL_EXPORTER_OTLP_HEADERS'];
    if (headers === undefined) delete process.env['OTEL_EXPORTER_OTLP_HEADERS'];
    else process.env['OTEL_EXPORTER_OTLP_HEADERS'] = headers;
    try {
      return make();
    } finally {
      if (before === undefined) delete process.env['OTEL_EXPORTER_OTLP_HEADERS'];
      else process.env['OTEL_EXPORTER_OTLP_HEADERS'] = before;
    }
  }

  /** Each exporter, and the codes its error carries without the token and with a wrong one. */
  const exporters: [string, () => SpanExporter, [number, number]][] = [
    [
      'OTLP/HTTP JSON on the HTTP port',
      () => new JsonExporter({ url: `${fluoro.httpUrl}/v1/traces` }),
      [401, 403],
    ],
    ['OTLP/HTTP protobuf on the OTLP port', () => new ProtoExporter({ url: fluoro.otlpUrl }), [401, 403]],
    // gRPC status codes: 16 UNAUTHENTICATED, 7 PERMISSION_DENIED.
    ['OTLP/gRPC', () => new GrpcExporter({ url: `http://${fluoro.otlpGrpcAddress}` }), [16, 7]],
  ];

  it.each(exporters)('%s: refused without the token, stored with it', async (name, make, codes) => {
    const service = `ingest-auth-${name.replace(/\W+/g, '-')}`;
    const before = await unauthenticated();

    const refusedSpan = oneSpan(`${service}-refused`);
    const none = await exportWith(withHeaders(undefined, make), refusedSpan);
    expect(none.code).toBe(ExportResultCode.FAILED);
    const wrong = await exportWith(
      withHeaders('authorization=Bearer%20not-the-ingest-token-000', make),
      oneSpan(`${service}-wrong`),
    );
    expect(wrong.code).toBe(ExportResultCode.FAILED);
    expect([(none.error as { code?: number }).code, (wrong.error as { code?: number }).code]).toEqual(codes);
    expect(String(none.error)).not.toContain(TOKEN);
    expect(await unauthenticated()).toBe(before + 2);

    const span = oneSpan(service);
    const ok = await exportWith(withHeaders(`authorization=Bearer%20${TOKEN}`, make), span);
    expect(ok.error).toBeUndefined();
    expect(ok.code).toBe(ExportResultCode.SUCCESS);
    const ids = await eventually(async () => {
      const found = await storedIds(toXRay(span.spanContext().traceId));
      return found.length > 0 ? found : undefined;
    });
    expect(ids).toContain(span.spanContext().spanId);
    // The refused export was answered before it was read: nothing of it was queued, so once the
    // accepted span (sent after it) is stored, the refused one would be too.
    expect(await storedIds(toXRay(refusedSpan.spanContext().traceId))).toEqual([]);
  });

  it('answers OTLP/HTTP 401 and 403 in the request encoding, and leaves the CORS preflight open', async () => {
    for (const url of [`${fluoro.httpUrl}/v1/traces`, fluoro.otlpUrl]) {
      const none = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"resourceSpans":[]}',
      });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="fluoro"');
      expect(none.headers.get('access-control-allow-origin')).toBe('*');
      expect(await none.json()).toMatchObject({ code: 16, message: expect.stringContaining('auth token') });
      const wrong = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer wrong-token-0123456789' },
        body: new Uint8Array(),
      });
      expect(wrong.status).toBe(403);
      expect(wrong.headers.get('content-type')).toBe('application/x-protobuf');
      const ok = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer },
        body: '{"resourceSpans":[]}',
      });
      expect(ok.status).toBe(200);
      const preflight = await fetch(url, {
        method: 'OPTIONS',
        headers: { origin: 'http://app.example', 'access-control-request-headers': 'authorization' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    }
  });

  it('takes Zipkin spans with the bearer token only', async () => {
    const refusedId = zipkinId('a001');
    const okId = zipkinId('a002');
    const post = (id: string, headers: Record<string, string>) =>
      fetch(`${fluoro.httpUrl}/api/v2/spans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(zipkinSpan(id, 'zipkin-svc')),
      });
    const before = await unauthenticated();
    const none = await post(refusedId, {});
    expect(none.status).toBe(401);
    expect(await none.text()).toMatch(/requires its auth token/);
    expect((await post(refusedId, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(403);
    expect((await post(okId, bearer)).status).toBe(202);
    expect(await unauthenticated()).toBe(before + 2);
    await eventually(async () => ((await storedIds(toXRay(okId))).length > 0 ? true : undefined));
    expect(await storedIds(toXRay(refusedId))).toEqual([]);
  });

  it('takes PutTraceSegments signed with the token as the secret, and refuses it unsigned or signed with another secret', async () => {
    const before = await unauthenticated();
    const unsigned = await fetch(`${fluoro.httpUrl}/TraceSegments`, {
      method: 'POST',
      body: JSON.stringify({ TraceSegmentDocuments: [JSON.stringify(segment(0xb001, 'unsigned-svc'))] }),
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const other = await xray('the-daemons-own-aws-secret')
      .send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [JSON.stringify(segment(0xb002, 'x'))] }))
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    const telemetry = await fetch(`${fluoro.httpUrl}/TelemetryRecords`, { method: 'POST', body: '{}' });
    expect(telemetry.status).toBe(401);
    expect(await unauthenticated()).toBe(before + 3);

    await expect(
      xray(TOKEN).send(
        new PutTraceSegmentsCommand({
          TraceSegmentDocuments: [JSON.stringify(segment(0xb003, 'daemon-svc'))],
        }),
      ),
    ).resolves.toMatchObject({ UnprocessedTraceSegments: [] });
    await eventually(async () => ((await storedIds(traceId(0xb003))).length > 0 ? true : undefined));
    expect(await storedIds(traceId(0xb001))).toEqual([]);
    expect(await storedIds(traceId(0xb002))).toEqual([]);
  });

  it('refuses a read-only token every kind of ingest (403, PERMISSION_DENIED), counted, while it still reads', async () => {
    const before = await unauthenticated();
    const refusedSpans: ReadableSpan[] = [];
    for (const [name, make, codes] of exporters) {
      const span = oneSpan(`ingest-read-only-${name.replace(/\W+/g, '-')}`);
      refusedSpans.push(span);
      const r = await exportWith(withHeaders(`authorization=Bearer%20${READER}`, make), span);
      expect(r.code, name).toBe(ExportResultCode.FAILED);
      expect((r.error as { code?: number }).code, name).toBe(codes[1]);
      expect(String(r.error), name).not.toContain(READER);
    }
    // The exporters keep only the status; the body says why, in OTLP's shape.
    const otlp = await fetch(`${fluoro.httpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${READER}` },
      body: '{"resourceSpans":[]}',
    });
    expect(otlp.status).toBe(403);
    expect(await otlp.json()).toMatchObject({
      code: 7,
      message: expect.stringMatching(/auth token is read-only/),
    });
    const zipkinRefused = zipkinId('a0d1');
    const zipkin = await fetch(`${fluoro.httpUrl}/api/v2/spans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${READER}` },
      body: JSON.stringify(zipkinSpan(zipkinRefused, 'zipkin-read-only')),
    });
    expect(zipkin.status).toBe(403);
    expect(await zipkin.text()).toMatch(/auth token is read-only/);
    const signed = await xray(READER)
      .send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [JSON.stringify(segment(0xd001, 'ro'))] }))
      .catch((e: unknown) => e);
    expect(signed).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    const telemetry = await fetch(`${fluoro.httpUrl}/TelemetryRecords`, {
      method: 'POST',
      headers: { authorization: `Bearer ${READER}` },
      body: '{}',
    });
    expect(telemetry.status).toBe(403);
    expect(telemetry.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(await unauthenticated()).toBe(before + exporters.length + 4);

    // The read-only token reads; the full token's span, sent after the refused ones, is stored and
    // none of the refused ones is.
    const stats = await fetch(`${fluoro.httpUrl}/api/stats`, {
      headers: { authorization: `Bearer ${READER}` },
    });
    expect(stats.status).toBe(200);
    const after = oneSpan('ingest-read-only-then-full');
    expect(
      (await exportWith(withHeaders(`authorization=Bearer%20${TOKEN}`, exporters[0]![1]), after)).code,
    ).toBe(ExportResultCode.SUCCESS);
    await eventually(async () =>
      (await storedIds(toXRay(after.spanContext().traceId))).length > 0 ? true : undefined,
    );
    for (const span of refusedSpans) expect(await storedIds(toXRay(span.spanContext().traceId))).toEqual([]);
    expect(await storedIds(toXRay(zipkinRefused))).toEqual([]);
    expect(await storedIds(traceId(0xd001))).toEqual([]);
  });

  it('still takes UDP and answers the SDKs’ sampling calls without a token', async () => {
    const socket = createSocket('udp4');
    const datagram = `{"format":"json","version":1}\n${JSON.stringify(segment(0xc001, 'udp-svc'))}`;
    await new Promise<void>((resolve, reject) =>
      socket.send(datagram, fluoro.udpPort, fluoro.udpHost, (e) => (e ? reject(e) : resolve())),
    );
    socket.close();
    await eventually(async () => ((await storedIds(traceId(0xc001))).length > 0 ? true : undefined));
    const rules = await fetch(`${fluoro.httpUrl}/GetSamplingRules`, { method: 'POST', body: '{}' });
    expect(rules.status).toBe(200);
    const targets = await fetch(`${fluoro.httpUrl}/SamplingTargets`, {
      method: 'POST',
      body: JSON.stringify({ SamplingStatisticsDocuments: [] }),
    });
    expect(targets.status).toBe(200);
  });

  it('follows a token rotation (SIGHUP) for ingest as for queries', async () => {
    writeFileSync(tokenFile, `${NEXT}\n`);
    fluoro.process.kill('SIGHUP');
    await eventually(async () => (/auth tokens read again from/.test(fluoro.output()) ? true : undefined));
    const post = (token: string) =>
      fetch(`${fluoro.httpUrl}/api/v2/spans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(zipkinSpan(zipkinId('a003'), 'rotated-svc')),
      });
    expect((await post(TOKEN)).status).toBe(403);
    expect((await post(NEXT)).status).toBe(202);
    // Refusals were logged once, naming the request, never a token.
    expect(
      fluoro.output().match(/^fluoro: refused an ingest request \(unauthenticated\): .*$/gm),
    ).toHaveLength(1);
    expect(fluoro.output()).not.toContain(TOKEN);
    expect(fluoro.output()).not.toContain(NEXT);
  });
});
