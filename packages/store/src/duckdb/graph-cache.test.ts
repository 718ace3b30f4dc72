import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GraphStatRow, graphStatKey, type SpanRow, toGraphStats } from '@fluoro/model';
import { afterAll, describe, expect, it } from 'vitest';
import { entityId, ingested, traceId } from '../conformance.test-helpers.js';
import { DuckDbStore } from './duckdb-store.js';
import { MINUTE_US, missingMinutes, planGraphCache, SETTLE_US } from './graph-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-graph-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sorted = (rows: GraphStatRow[]) =>
  [...rows].sort((a, b) => graphStatKey(a).localeCompare(graphStatKey(b)));

describe('planGraphCache and missingMinutes', () => {
  const now = 1_800_000_000e6;
  const old = now - 2 * SETTLE_US;
  it.each([
    ['a settled hour: cached whole minutes, live edges', old + 5e6, old + 3600e6 + 5e6, 0, true],
    ['too few settled minutes', old, old + 5 * MINUTE_US, 0, false],
    ['the last hour is never settled', now - 3600e6, now, 0, false],
    ['time buckets that are not whole minutes', old, old + 3600e6, 1e6, false],
    ['five-minute buckets', old, old + 3600e6, 300e6, true],
  ])('%s', (_name, start, end, period, cached) => {
    const plan = planGraphCache(start, end, period, now);
    expect(plan !== undefined).toBe(cached);
    if (!plan) return;
    expect(plan.fromUs % MINUTE_US).toBe(0);
    expect(plan.toUs % MINUTE_US).toBe(0);
    // The plan covers the range exactly once.
    const parts = [...plan.live, [plan.fromUs, plan.toUs]].sort(
      (a, b) => (a[0] as number) - (b[0] as number),
    );
    expect(parts[0]?.[0]).toBe(start);
    expect(parts.at(-1)?.[1]).toBe(end);
    for (let i = 1; i < parts.length; i++) expect(parts[i]?.[0]).toBe(parts[i - 1]?.[1]);
  });

  it('finds the missing runs, in steps of at most an hour', () => {
    const m = (k: number) => k * MINUTE_US;
    expect(missingMinutes(m(0), m(5), new Set([m(1), m(2)]))).toEqual([
      [m(0), m(1)],
      [m(3), m(5)],
    ]);
    expect(missingMinutes(m(0), m(150), new Set())).toEqual([
      [m(0), m(60)],
      [m(60), m(120)],
      [m(120), m(150)],
    ]);
  });
});

describe('DuckDbStore graph cache (settled minutes)', () => {
  // Forty traces a minute apart, a day ago: every minute is settled.
  const t0 = Math.floor(Date.now() / 60_000) * 60 - 86_400;
  const docs: ReturnType<typeof ingested>[] = [];
  const lateCallees: ReturnType<typeof ingested>[] = [];
  for (let i = 0; i < 40; i++) {
    const t = t0 + i * 60 + 7;
    const tid = traceId(t);
    const call = {
      id: entityId(),
      name: 'orders.internal',
      namespace: 'remote',
      start_time: t + 0.01,
      end_time: t + 0.05 + i / 1000,
    };
    docs.push(
      ingested({
        trace_id: tid,
        id: entityId(),
        name: 'api',
        start_time: t,
        end_time: t + 0.1,
        ...(i % 7 === 0 ? { fault: true } : {}),
        subsegments: [
          call,
          {
            id: entityId(),
            name: 'pg@db',
            namespace: 'remote',
            start_time: t + 0.06,
            end_time: t + 0.07,
            sql: {},
          },
        ],
      }),
    );
    const callee = ingested({
      trace_id: tid,
      id: entityId(),
      name: 'orders',
      parent_id: call.id,
      start_time: t + 0.02,
      end_time: t + 0.04,
    });
    // Odd traces' callees arrive late, after the cache was filled.
    (i % 2 === 0 ? docs : lateCallees).push(callee);
  }
  const rowsOf = (list: ReturnType<typeof ingested>[]): SpanRow[] => list.flatMap((d) => d.rows);
  const q = { startUs: (t0 - 90) * 1e6 + 123, endUs: (t0 + 45 * 60 + 17) * 1e6 };

  it('answers from cached minutes exactly as from the spans, drops them on late data, and keeps them across a restart', async () => {
    const path = join(dir, 'g.duckdb');
    let s = await DuckDbStore.open({ path, memoryLimit: '256MB' });
    try {
      await s.write(docs);
      expect(await s.graphCachedMinutes()).toBe(0);
      const reference = sorted(toGraphStats(rowsOf(docs), q));
      expect(sorted(await s.graphStats(q))).toEqual(reference);
      expect(await s.graphCachedMinutes()).toBeGreaterThanOrEqual(40);
      // Warm: the same answer from the cache, whole range and by five minutes.
      expect(sorted(await s.graphStats(q))).toEqual(reference);
      const by5 = { ...q, periodUs: 300e6 };
      expect(sorted(await s.graphStats(by5))).toEqual(sorted(toGraphStats(rowsOf(docs), by5)));
      // A filter is answered from the spans.
      const one = docs[0]?.traceId as string;
      const filtered = await s.graphStats({ ...q, filter: () => ({ sql: 'trace_id = ?', params: [one] }) });
      expect(sorted(filtered)).toEqual(
        sorted(toGraphStats(rowsOf(docs.filter((d) => d.traceId === one)), q)),
      );

      // Late callees turn inferred nodes into edges to `orders`: the cached minutes they touch go.
      await s.write(lateCallees);
      const all = [...docs, ...lateCallees];
      const after = sorted(await s.graphStats(q));
      expect(after).toEqual(sorted(toGraphStats(rowsOf(all), q)));
      expect(after.some((r) => r.inferred && r.target.name === 'orders.internal')).toBe(false);

      await s.close();
      s = await DuckDbStore.open({ path, memoryLimit: '256MB' });
      expect(await s.graphCachedMinutes()).toBeGreaterThanOrEqual(40);
      expect(sorted(await s.graphStats(q))).toEqual(sorted(toGraphStats(rowsOf(all), q)));
    } finally {
      await s.close();
    }
  });

  it('a range reaching back to 1970 reads and caches only from the earliest span on, and sees older spans written later', async () => {
    // Found by test/e2e/fuzz-api.test.ts: StartTime 0 made the cache fill every minute since
    // 1970 (29 million), which held the server for minutes.
    const s = await DuckDbStore.open({ path: join(dir, 'since-1970.duckdb'), memoryLimit: '256MB' });
    try {
      const since1970 = { startUs: 0, endUs: q.endUs };
      expect(await s.graphStats(since1970)).toEqual([]);
      await s.write(docs.slice(20));
      expect(sorted(await s.graphStats(since1970))).toEqual(
        sorted(toGraphStats(rowsOf(docs.slice(20)), since1970)),
      );
      expect(await s.graphCachedMinutes()).toBeLessThan(3 * 24 * 60);
      // Older than anything the first answer saw: still counted.
      await s.write(docs.slice(0, 20));
      expect(sorted(await s.graphStats(since1970))).toEqual(sorted(toGraphStats(rowsOf(docs), since1970)));
    } finally {
      await s.close();
    }
  });
});
