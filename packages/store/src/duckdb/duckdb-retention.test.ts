import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect, it } from 'vitest';
import { entityId, ingested, traceId } from '../conformance.test-helpers.js';
import { DuckDbStore } from './duckdb-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-duckdb-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY_S = 86_400;

/** A segment with an annotated subsegment that started `startS` (epoch seconds) and arrived then. */
function trace(startS: number, name: string) {
  const id = traceId(startS);
  return ingested(
    {
      trace_id: id,
      id: entityId(),
      name,
      start_time: startS,
      end_time: startS + 0.5,
      annotations: { tenant: 'acme' },
      subsegments: [
        { id: entityId(), name: 'db', namespace: 'remote', start_time: startS + 0.1, end_time: startS + 0.2 },
      ],
    },
    startS * 1e6 + 600_000,
  );
}

async function count(path: string, table: string): Promise<number> {
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  const r = await c.runAndReadAll(`SELECT count(*) FROM ${table}`);
  const n = Number(r.getRows()[0]![0]);
  c.closeSync();
  instance.closeSync();
  return n;
}

it('retentionDays deletes older traces at open (spans, documents, annotations, cached graph minutes) and keeps newer ones', async () => {
  const path = join(dir, 'a.duckdb');
  const nowS = Math.floor(Date.now() / 1000);
  const old = trace(nowS - 40 * DAY_S, 'old-api');
  const recent = trace(nowS - 2 * DAY_S, 'new-api');
  const s = await DuckDbStore.open({ path, memoryLimit: '256MB' });
  await s.write([old, recent]);
  // Fill the graph cache for the old trace's hour (settled long ago).
  const oldRange = { startUs: (nowS - 40 * DAY_S - 1800) * 1e6, endUs: (nowS - 40 * DAY_S + 1800) * 1e6 };
  expect((await s.graphStats({ ...oldRange, periodUs: 3600e6 })).length).toBeGreaterThan(0);
  expect(await s.graphCachedMinutes()).toBeGreaterThan(0);
  await s.close();
  expect(await count(path, 'annotations')).toBe(2);

  const kept = await DuckDbStore.open({ path, memoryLimit: '256MB', retentionDays: 30 });
  try {
    const docs = await kept.getDocuments([old.traceId, recent.traceId]);
    expect([...docs.keys()]).toEqual([recent.traceId]);
    expect((await kept.getSpans([old.traceId])).length).toBe(0);
    expect((await kept.getSpans([recent.traceId])).map((r) => r.name).sort()).toEqual(['db', 'new-api']);
    expect(await kept.graphStats({ ...oldRange, periodUs: 3600e6 })).toEqual([]);
    // Later passes move the cutoff: 31 days on, the recent trace goes too.
    const pass = await kept.enforceRetention(Date.now() + 31 * DAY_S * 1000);
    expect(pass).toEqual({ spans: 2, documents: 1, annotations: 1, traceTimes: 0 });
    expect((await kept.getDocuments([recent.traceId])).size).toBe(0);
  } finally {
    await kept.close();
  }
  expect(await count(path, 'annotations')).toBe(0);
  expect(await count(path, 'graph_minutes_done')).toBe(0);
});

it('without retentionDays nothing is deleted, and a bad value is refused', async () => {
  const path = join(dir, 'b.duckdb');
  const nowS = Math.floor(Date.now() / 1000);
  const old = trace(nowS - 400 * DAY_S, 'ancient');
  const s = await DuckDbStore.open({ path, memoryLimit: '256MB' });
  await s.write([old]);
  expect(await s.enforceRetention()).toEqual({ spans: 0, documents: 0, annotations: 0, traceTimes: 0 });
  expect((await s.getDocuments([old.traceId])).size).toBe(1);
  await s.close();
  await expect(DuckDbStore.open({ path, memoryLimit: '256MB', retentionDays: 0 })).rejects.toThrow(
    /positive integer/,
  );
});
