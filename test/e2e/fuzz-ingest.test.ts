/**
 * Structured fuzzing of ingest: documents captured from the real X-Ray SDKs, with values swapped
 * for hostile ones (huge, negative and fractional numbers, wrong types, long and odd strings,
 * missing and extra keys), sent to a real `fluoro up` through PutTraceSegments and UDP.
 *
 * The invariant: whatever validation accepts, the store stores, and every query still answers.
 * A value that passes validation and that the store then refuses costs the documents written
 * with it (`store_rejected`), so that count must stay at zero. Seeded: a failure names its seed
 * and replays exactly.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import {
  BatchGetTracesCommand,
  GetServiceGraphCommand,
  GetTimeSeriesServiceStatisticsCommand,
  GetTraceSummariesCommand,
} from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  startClickHouse,
} from '../../packages/store/src/clickhouse/clickhouse-harness.test-helpers.js';
import { eventually, ingestStats, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';

const FIXTURES = ['node-aws-xray-sdk-core-3.12.jsonl', 'django-python-sdk-0.95.jsonl'];
const HEADER = '{"format":"json","version":1}\n';
const SEED = Number(process.env['FLUORO_FUZZ_SEED'] ?? 20261127);
const DOCUMENTS = 1200;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The SDKs' documents (header line dropped). */
function baseDocuments(): Record<string, Json>[] {
  const docs: Record<string, Json>[] = [];
  for (const file of FIXTURES) {
    const text = readFileSync(new URL(`../../../shared/fixtures/${file}`, import.meta.url), 'utf8');
    for (const line of text.split('\n').filter(Boolean)) {
      const datagram = JSON.parse(line) as string;
      docs.push(JSON.parse(datagram.slice(datagram.indexOf('\n') + 1)) as Record<string, Json>);
    }
  }
  return docs;
}

/** mulberry32: small, seedable, good enough to pick mutations. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE: Json[] = [
  0,
  -1,
  1.5,
  -0.000001,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  5e-324,
  '',
  ' ',
  '0',
  '-1',
  '1e400',
  'x'.repeat(3000),
  '\u0000\u0001\u001f',
  'é😀\u2028\u2029\ud800',
  '<script>alert(1)</script>',
  "'; DROP TABLE spans; --",
  '%s%n%x',
  'null',
  true,
  false,
  null,
  [],
  {},
  [1, 'two', null, { three: [3] }],
  { nested: { deeper: { deepest: [[[[1]]]] } } },
];

/** Fields the model reads, so mutations reach typed columns and not only ignored keys. */
const KNOWN_KEYS = [
  'http',
  'request',
  'response',
  'status',
  'content_length',
  'method',
  'url',
  'user_agent',
  'client_ip',
  'x_forwarded_for',
  'annotations',
  'metadata',
  'aws',
  'sql',
  'cause',
  'exceptions',
  'working_directory',
  'error',
  'fault',
  'throttle',
  'user',
  'origin',
  'namespace',
  'precursor_ids',
  'in_progress',
  'service',
  'version',
  'traced',
  'name',
  'start_time',
  'end_time',
];

function hostile(rand: () => number): Json {
  const v = HOSTILE[Math.floor(rand() * HOSTILE.length)]!;
  return typeof v === 'object' && v !== null ? structuredClone(v) : v;
}

/** Every object and array in `doc`, with its path. */
function containers(
  doc: Json,
  out: (Record<string, Json> | Json[])[] = [],
): (Record<string, Json> | Json[])[] {
  if (Array.isArray(doc)) {
    out.push(doc);
    for (const v of doc) containers(v, out);
  } else if (doc !== null && typeof doc === 'object') {
    out.push(doc);
    for (const v of Object.values(doc)) containers(v, out);
  }
  return out;
}

function mutate(doc: Record<string, Json>, rand: () => number): void {
  const all = containers(doc);
  const target = all[Math.floor(rand() * all.length)]!;
  const choice = rand();
  if (Array.isArray(target)) {
    if (target.length > 0 && choice < 0.5) target[Math.floor(rand() * target.length)] = hostile(rand);
    else if (choice < 0.75) target.push(hostile(rand));
    else target.push(structuredClone(target[0] ?? null));
    return;
  }
  const keys = Object.keys(target);
  if (choice < 0.55 && keys.length > 0) target[keys[Math.floor(rand() * keys.length)]!] = hostile(rand);
  else if (choice < 0.7 && keys.length > 0) delete target[keys[Math.floor(rand() * keys.length)]!];
  else if (choice < 0.9) target[KNOWN_KEYS[Math.floor(rand() * KNOWN_KEYS.length)]!] = hostile(rand);
  else target[`k${Math.floor(rand() * 1000)}`] = hostile(rand);
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
    const stats = await eventually(async () => {
      const s = await ingestStats(fluoro.httpUrl);
      return s.queued === 0 && s.ingest.written + sum(s.ingest.dropped) >= s.ingest.accepted ? s : undefined;
    }, 60_000);
    expect(stats.ingest.dropped).toEqual({});
    expect(stats.ingest.written).toBe(stats.ingest.accepted);
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
    const stats = await eventually(async () => {
      const s = await ingestStats(fluoro.httpUrl);
      return s.queued === 0 && s.ingest.written + sum(s.ingest.dropped) >= s.ingest.accepted ? s : undefined;
    }, 60_000);
    expect(stats.ingest.dropped).toEqual({});
    expect(stats.ingest.written).toBe(stats.ingest.accepted);
    expect((await fetch(`${fluoro.httpUrl}/api/health`)).status).toBe(200);
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
        EntitySelectorExpression: 'service("inventory-service")',
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

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
