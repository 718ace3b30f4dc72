import { createServer, type Server } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStoreConformance, entityId, ingested, traceId } from '../conformance.test-helpers.js';
import { SPAN_COLUMNS } from '../duckdb/span-record.js';
import type { Store } from '../store.js';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  freePort,
  startClickHouse,
} from './clickhouse-harness.test-helpers.js';
import { ClickHouseStore } from './clickhouse-store.js';
import { StoreUnavailableError } from './errors.js';
import { ClickHouseHttp, MAX_INSERT_BYTES } from './http-client.js';
import { migrate } from './migrate.js';
import { MIGRATIONS, SPAN_COLUMN_TYPES } from './schema.js';
import { bindParams } from './sql-literal.js';

describeWithClickHouse('ClickHouseStore on one clickhouse-server', () => {
  let server: ClickHouseServer;
  let n = 0;
  const databases = new WeakMap<Store, string>();
  const open = async (database = `fluoro_test_${n++}`, extra: { retentionDays?: number } = {}) => {
    const s = await ClickHouseStore.open({ url: server.url, database, ...extra });
    databases.set(s, database);
    return s;
  };
  const sql = () => new ClickHouseHttp(server.url);

  beforeAll(async () => {
    server = await startClickHouse();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  describeStoreConformance('ClickHouse', {
    open: () => open(),
    async reopen(store) {
      await store.close();
      return open(databases.get(store));
    },
  });

  it('has the same span columns as DuckDB, so one filter compiler targets both', () => {
    expect(SPAN_COLUMN_TYPES.map(([c]) => c)).toEqual([...SPAN_COLUMNS]);
  });

  it('binds any string, number and boolean so that ClickHouse reads back the same value', async () => {
    const http = sql();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        async (s, d, b) => {
          const [row] = await http.rows<{ s: string; d: number; b: number }>(
            bindParams('SELECT ? AS s, toFloat64(?) AS d, ? AS b', [s, d, b]),
            { timeoutMs: 10_000 },
          );
          // Lone surrogates cannot travel as UTF-8; everything else must come back as sent.
          expect(row?.s).toBe(Buffer.from(s, 'utf8').toString('utf8'));
          if (Math.abs(d) >= 2.2250738585072014e-308 || d === 0) expect(row?.d).toBe(d === 0 ? 0 : d);
          // Subnormals are read by ClickHouse's string parser, which may round them.
          else expect(Math.abs((row?.d ?? 1) - d)).toBeLessThan(2.3e-308);
          expect(row?.b).toBe(b ? 1 : 0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stores any text in annotations and documents exactly', async () => {
    const s = await open();
    const t0 = 1_800_000_000;
    const utf8 = (x: string) => Buffer.from(x, 'utf8').toString('utf8');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), async (text) => {
        const tid = traceId(t0);
        const seg = {
          trace_id: tid,
          id: entityId(),
          name: 'svc',
          start_time: t0,
          end_time: t0 + 1,
          annotations: { text },
          metadata: { m: { text } },
        };
        await s.write([ingested(seg)]);
        const [row] = await s.getSpans([tid]);
        expect(row?.annotations).toEqual([{ key: 'text', value: utf8(text) }]);
        const doc = (await s.getDocuments([tid])).get(tid)?.[0]?.document ?? '';
        expect(JSON.parse(doc).metadata.m.text).toBe(utf8(text));
      }),
      { numRuns: 40 },
    );
    await s.close();
  });

  it('creates the schema once when several processes start at the same time', async () => {
    const database = `fluoro_race_${n++}`;
    const stores = await Promise.all([1, 2, 3, 4].map(() => open(database)));
    const rows = await sql().rows<{ version: number }>(
      `SELECT version FROM ${database}.schema_migrations FINAL ORDER BY version`,
      { timeoutMs: 10_000 },
    );
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const tid = traceId(1_800_000_000);
    await stores[0]!.write([
      ingested({
        trace_id: tid,
        id: entityId(),
        name: 'a',
        start_time: 1_800_000_000,
        end_time: 1_800_000_001,
      }),
    ]);
    expect((await stores[3]!.getSpans([tid])).map((r) => r.name)).toEqual(['a']);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('upgrades a database an earlier Fluoro created, and keeps the remote type of a subsegment', async () => {
    const database = `fluoro_upgrade_${n++}`;
    const old = MIGRATIONS.filter((m) => m.version === 1);
    expect(await migrate(sql(), { database }, 30_000, old)).toEqual([1]);
    const s = await open(database);
    const rows = await sql().rows<{ version: number }>(
      `SELECT version FROM ${database}.schema_migrations FINAL ORDER BY version`,
      { timeoutMs: 10_000 },
    );
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const t0 = 1_800_000_000;
    const tid = traceId(t0);
    const seg = {
      trace_id: tid,
      id: entityId(),
      name: 'api',
      start_time: t0,
      end_time: t0 + 1,
      subsegments: [
        { id: entityId(), name: 'DynamoDB', namespace: 'aws', start_time: t0, end_time: t0 + 0.5 },
      ],
    };
    const doc = ingested(seg);
    await s.write([doc]);
    const expected = doc.rows.map((r) => [r.name, r.remoteType ?? null]).sort();
    expect(expected.some(([, t]) => t !== null)).toBe(true);
    expect((await s.getSpans([tid])).map((r) => [r.name, r.remoteType]).sort()).toEqual(expected);
    await s.close();
  });

  it('two writers sharing a database, one batch retried: every trace exactly once', async () => {
    const database = `fluoro_writers_${n++}`;
    const [a, b] = await Promise.all([open(database), open(database)]);
    const t0 = 1_800_000_000;
    const batches = Array.from({ length: 8 }, (_, k) =>
      Array.from({ length: 500 }, (_, i) => {
        const t = t0 + k * 500 + i;
        return ingested({
          trace_id: traceId(t),
          id: entityId(),
          name: `w${k % 2}`,
          start_time: t,
          end_time: t + 0.5,
        });
      }),
    );
    await Promise.all(batches.map((batch, k) => (k % 2 === 0 ? a : b)!.write(batch)));
    // A collector whose acknowledgement was lost sends its batch again, through the other writer.
    await b!.write(batches[2]!);
    const range = { startUs: t0 * 1e6, endUs: (t0 + 4000) * 1e6, timeRangeType: 'TraceId' as const };
    const page = await a!.findTraces({ ...range, limit: 5000 });
    expect(page.scanned).toBe(4000);
    expect(new Set(page.traces.map((t) => t.traceId)).size).toBe(4000);
    const retried = batches[2]!.map((d) => d.traceId);
    expect(await b!.getSpans(retried)).toHaveLength(500);
    expect([...(await a!.getDocuments(retried)).values()].every((docs) => docs.length === 1)).toBe(true);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('writes a batch larger than one insert request holds', async () => {
    const s = await open();
    const t0 = 1_800_000_000;
    const batch = Array.from({ length: 400 }, (_, i) => {
      const t = t0 + i;
      return ingested({
        trace_id: traceId(t),
        id: entityId(),
        name: 'big',
        start_time: t,
        end_time: t + 1,
        subsegments: Array.from({ length: 100 }, (_, k) => ({
          id: entityId(),
          name: `call-${k}`,
          start_time: t + k / 1000,
          end_time: t + k / 1000 + 0.0005,
          http: { request: { url: `http://example.com/${'x'.repeat(300)}` } },
        })),
      });
    });
    const spanBytes = batch.reduce((n, d) => n + JSON.stringify(d.rows).length, 0);
    expect(spanBytes).toBeGreaterThan(MAX_INSERT_BYTES);
    await s.write(batch);
    const [row] = await sql().rows<{ c: string }>(`SELECT count() AS c FROM ${databases.get(s)}.spans`, {
      timeoutMs: 10_000,
    });
    expect(Number(row?.c)).toBe(400 * 101);
    expect(await s.getSpans([batch[399]!.traceId])).toHaveLength(101);
    await s.close();
  });

  it('drops the rows of an in-progress version that the complete version no longer has', async () => {
    const s = await open();
    const t0 = 1_800_000_000;
    const tid = traceId(t0);
    const id = entityId();
    const base = { trace_id: tid, id, name: 'worker', start_time: t0 };
    await s.write([
      ingested(
        {
          ...base,
          in_progress: true,
          annotations: { stage: 'early' },
          subsegments: [{ id: entityId(), name: 'dropped', start_time: t0, in_progress: true }],
        },
        10,
      ),
    ]);
    await s.write([ingested({ ...base, end_time: t0 + 1, annotations: { done: true } }, 20)]);
    const check = async () => {
      const spans = await s.getSpans([tid]);
      expect(spans.map((r) => [r.name, r.inProgress])).toEqual([['worker', false]]);
      expect(spans[0]?.annotations).toEqual([{ key: 'done', value: true }]);
    };
    await check();
    // The same after ClickHouse merged the versions.
    await sql().exec(`OPTIMIZE TABLE ${databases.get(s)}.spans FINAL`, { timeoutMs: 30_000 });
    await sql().exec(`OPTIMIZE TABLE ${databases.get(s)}.annotations FINAL`, { timeoutMs: 30_000 });
    await check();
    await s.close();
  });

  it('keeps every distinct span, document and annotation through merges (no collapsed rows)', async () => {
    const s = await open();
    const t0 = 1_800_000_000;
    const tid = traceId(t0);
    const docs = [0, 1, 2].map((i) =>
      ingested({
        trace_id: tid,
        id: entityId(),
        name: `svc${i}`,
        start_time: t0 + i,
        end_time: t0 + i + 1,
        annotations: { a: i, b: `x${i}`, c: i % 2 === 0 },
        subsegments: [
          { id: entityId(), name: 'same-name', start_time: t0 + i, end_time: t0 + i + 0.5 },
          { id: entityId(), name: 'same-name', start_time: t0 + i, end_time: t0 + i + 0.5 },
        ],
      }),
    );
    await s.write(docs);
    await s.write(docs);
    const db = databases.get(s);
    for (const t of ['documents', 'spans', 'annotations', 'trace_hours']) {
      await sql().exec(`OPTIMIZE TABLE ${db}.${t} FINAL`, { timeoutMs: 30_000 });
    }
    const [count] = await sql().rows<{ c: string }>(`SELECT count() AS c FROM ${db}.spans`, {
      timeoutMs: 10_000,
    });
    expect(Number(count?.c)).toBe(9);
    expect((await s.getDocuments([tid])).get(tid)).toHaveLength(3);
    const spans = await s.getSpans([tid]);
    expect(spans).toHaveLength(9);
    expect(spans.flatMap((r) => r.annotations)).toHaveLength(9);
    await s.close();
  });

  it('drops day partitions older than retentionDays on a server without TTL', async () => {
    const s = await open(undefined, { retentionDays: 30 });
    expect(s.features.tableTtl).toBe(false);
    const now = Math.floor(Date.now() / 1000);
    const old = traceId(now - 40 * 86_400);
    const recent = traceId(now - 86_400);
    for (const [tid, t] of [
      [old, now - 40 * 86_400],
      [recent, now - 86_400],
    ] as const) {
      await s.write([ingested({ trace_id: tid, id: entityId(), name: 'r', start_time: t, end_time: t + 1 })]);
    }
    const oldDay = new Date((now - 40 * 86_400) * 1000).toISOString().slice(0, 10);
    const dropped = await s.enforceRetention();
    expect(dropped.sort()).toEqual([`documents/${oldDay}`, `spans/${oldDay}`, `trace_hours/${oldDay}`]);
    expect(await s.getSpans([old])).toEqual([]);
    expect((await s.getDocuments([old])).size).toBe(0);
    expect((await s.getSpans([recent])).map((r) => r.name)).toEqual(['r']);
    await s.close();
  });

  it('rejects with StoreUnavailableError when nothing listens, and when the server hangs', async () => {
    const port = await freePort();
    await expect(ClickHouseStore.open({ url: `http://127.0.0.1:${port}` })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const address = hanging.address();
    const hangPort = typeof address === 'object' && address ? address.port : 0;
    try {
      await expect(
        ClickHouseStore.open({ url: `http://127.0.0.1:${hangPort}`, queryTimeoutMs: 300 }),
      ).rejects.toThrow(/did not answer within 300 ms/);
    } finally {
      hanging.close();
    }
  });

  // Last: it stops and restarts the shared server.
  it('fails writes and reads fast while ClickHouse is down, and recovers with the data when it is back', async () => {
    const s = await open();
    const t0 = 1_800_000_000;
    const before = traceId(t0);
    await s.write([
      ingested({ trace_id: before, id: entityId(), name: 'before', start_time: t0, end_time: t0 + 1 }),
    ]);
    await server.stop();
    const during = ingested({
      trace_id: traceId(t0),
      id: entityId(),
      name: 'during',
      start_time: t0,
      end_time: t0 + 1,
    });
    await expect(s.write([during])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.getSpans([before])).rejects.toThrow(/ClickHouse at .* is unreachable/);
    await server.start();
    await s.write([during]);
    expect((await s.getSpans([before])).map((r) => r.name)).toEqual(['before']);
    expect((await s.getSpans([during.traceId])).map((r) => r.name)).toEqual(['during']);
    await s.close();
  });
});
