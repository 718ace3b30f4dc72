/**
 * Malformed datagrams and documents are rejected and counted by reason, the valid ones beside
 * them land, and the server stays up.
 */
import { createSocket } from 'node:dgram';
import { BatchGetTracesCommand } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, ingestStats, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';

const HEADER = '{"format":"json","version":1}\n';
let n = 0;
const hex = (len: number) => (++n).toString(16).padStart(len, '0');
const now = () => Date.now() / 1000;
function segment(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now();
  return {
    trace_id: `1-${Math.floor(t).toString(16)}-${hex(24)}`,
    id: hex(16),
    name: 'svc',
    start_time: t,
    end_time: t + 0.01,
    ...extra,
  };
}

const BAD_DOCUMENTS: [string, string, string][] = [
  // [case, document text, reason counted]
  ['not JSON', '{"trace_id": ', 'not_json'],
  ['an array', '[1,2]', 'not_object'],
  ['no name', JSON.stringify({ ...segment(), name: undefined }), 'missing_field'],
  ['no start_time', JSON.stringify({ ...segment(), start_time: undefined }), 'missing_field'],
  [
    'neither end_time nor in_progress',
    JSON.stringify({ ...segment(), end_time: undefined }),
    'missing_field',
  ],
  ['both end_time and in_progress', JSON.stringify(segment({ in_progress: true })), 'invalid_time'],
  ['end before start', JSON.stringify(segment({ end_time: 1 })), 'invalid_time'],
  ['start_time a string', JSON.stringify(segment({ start_time: 'yesterday' })), 'invalid_time'],
  ['short id', JSON.stringify(segment({ id: 'abc' })), 'invalid_id'],
  ['upper-case id', JSON.stringify(segment({ id: 'ABCDEF0123456789' })), 'invalid_id'],
  ['bad trace id', JSON.stringify(segment({ trace_id: '1-xyz' })), 'invalid_trace_id'],
  ['name with <>', JSON.stringify(segment({ name: '<script>' })), 'invalid_name'],
  ['name too long', JSON.stringify(segment({ name: 'x'.repeat(201) })), 'invalid_name'],
  ['fault not boolean', JSON.stringify(segment({ fault: 'yes' })), 'invalid_type'],
  ['annotation object', JSON.stringify(segment({ annotations: { a: { b: 1 } } })), 'invalid_annotation'],
  [
    'subsegment without id',
    JSON.stringify(segment({ subsegments: [{ name: 's', start_time: now(), end_time: now() }] })),
    'missing_field',
  ],
  [
    'independent subsegment without parent_id',
    JSON.stringify(segment({ type: 'subsegment' })),
    'missing_field',
  ],
  ['oversize', JSON.stringify(segment({ metadata: { big: 'x'.repeat(70_000) } })), 'oversize'],
];

describe('bad input', () => {
  let fluoro: RunningFluoro;
  beforeAll(async () => {
    fluoro = await startFluoro();
  });
  afterAll(() => fluoro?.dispose());

  it('PutTraceSegments rejects each bad document with an error code and keeps the good ones beside it', async () => {
    const good = [segment(), segment({ in_progress: false, namespace: 'local' })];
    const body = {
      TraceSegmentDocuments: [
        JSON.stringify(good[0]),
        ...BAD_DOCUMENTS.map((b) => b[1]),
        JSON.stringify(good[1]),
        42,
      ],
    };
    const res = await fetch(`${fluoro.httpUrl}/TraceSegments`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const out = (await res.json()) as {
      UnprocessedTraceSegments: { Id?: string; ErrorCode: string; Message: string }[];
    };
    expect(out.UnprocessedTraceSegments).toHaveLength(BAD_DOCUMENTS.length + 1);
    const shortId = out.UnprocessedTraceSegments.find((u) => u.ErrorCode === 'InvalidId');
    expect(shortId?.Message).toMatch(/id "abc"/);
    expect(out.UnprocessedTraceSegments.find((u) => u.ErrorCode === 'InvalidTraceId')).toBeDefined();
    expect(out.UnprocessedTraceSegments.find((u) => u.ErrorCode === 'InvalidName')).toBeDefined();
    const xray = fluoro.xray();
    const traces = await eventually(async () => {
      const r = await xray.send(
        new BatchGetTracesCommand({ TraceIds: good.map((g) => g['trace_id'] as string) }),
      );
      return r.Traces?.length === 2 ? r.Traces : undefined;
    });
    expect(traces.map((t) => t.Id).sort()).toEqual(good.map((g) => g['trace_id']).sort());
    const stats = await ingestStats(fluoro.httpUrl);
    for (const [name, , reason] of BAD_DOCUMENTS) {
      expect(stats.ingest.rejected[reason], `${name} counted as ${reason}`).toBeGreaterThanOrEqual(1);
    }
  });

  it('rejects and counts bad datagrams while the valid datagrams around them land', async () => {
    const sock = createSocket('udp4');
    const send = (b: Buffer | string) =>
      new Promise<void>((resolve, reject) =>
        sock.send(b, fluoro.udpPort, fluoro.udpHost, (e) => (e ? reject(e) : resolve())),
      );
    const before = (await ingestStats(fluoro.httpUrl)).ingest;
    const first = segment();
    const last = segment();
    await send(HEADER + JSON.stringify(first));
    await send(`{"format":"xml","version":1}\n${JSON.stringify(segment())}`);
    await send(`{"format":"json","version":2}\n${JSON.stringify(segment())}`);
    await send('no header at all');
    await send(HEADER);
    await send(`not json\n${JSON.stringify(segment())}`);
    for (const [, text] of BAD_DOCUMENTS.filter((b) => b[2] !== 'oversize')) await send(HEADER + text);
    await send(Buffer.alloc(65_000, 0x61));
    await send(HEADER + JSON.stringify(last));
    sock.close();
    const after = await eventually(async () => {
      const s = (await ingestStats(fluoro.httpUrl)).ingest;
      return s.written - before.written >= 2 ? s : undefined;
    });
    const delta = (r: string) => (after.rejected[r] ?? 0) - (before.rejected[r] ?? 0);
    expect(delta('bad_header')).toBe(3);
    expect(delta('missing_body')).toBe(3);
    expect(delta('invalid_id')).toBe(2);
    const xray = fluoro.xray();
    const r = await xray.send(
      new BatchGetTracesCommand({ TraceIds: [first['trace_id'] as string, last['trace_id'] as string] }),
    );
    expect(r.Traces).toHaveLength(2);
    expect((await fetch(`${fluoro.httpUrl}/api/health`)).status).toBe(200);
  });

  it('answers malformed API requests with 400 and a message, and unknown paths with 404', async () => {
    const post = (path: string, body: string) => fetch(`${fluoro.httpUrl}${path}`, { method: 'POST', body });
    const notJson = await post('/TraceSegments', '{oops');
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('x-amzn-errortype')).toBe('InvalidRequestException');
    expect(((await notJson.json()) as { message: string }).message).toMatch(/not JSON/);
    const wrongShape = await post('/TraceSegments', '{"TraceSegmentDocuments": "x"}');
    expect(wrongShape.status).toBe(400);
    const noTimes = await post('/TraceSummaries', '{}');
    expect(((await noTimes.json()) as { message: string }).message).toMatch(/StartTime/);
    const badToken = await post(
      '/TraceSummaries',
      JSON.stringify({ StartTime: 1, EndTime: 2, NextToken: 'garbage' }),
    );
    expect(((await badToken.json()) as { message: string }).message).toMatch(/NextToken/);
    // A time no store can hold (found by fuzz-api: -2^53 overflowed the query's microseconds).
    for (const StartTime of [-1, -(2 ** 53), 2 ** 32, 1e300]) {
      const outOfRange = await post('/ServiceGraph', JSON.stringify({ StartTime, EndTime: 2 ** 32 - 1 }));
      expect(outOfRange.status).toBe(400);
      expect(((await outOfRange.json()) as { message: string }).message).toMatch(
        /StartTime must be epoch seconds from 1970 to 2106/,
      );
    }
    expect((await post('/NoSuchOperation', '{}')).status).toBe(404);
    expect((await fetch(`${fluoro.httpUrl}/api/health`)).status).toBe(200);
  });
});
