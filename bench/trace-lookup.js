// Trace-by-id latency through the DuckDB store's own read path (documents + span rows +
// annotations), at a given number of stored spans.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbStore } from '@fluoro/store';
import { writeTraceWorkload } from './workload.js';

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function benchTraceLookup({ spans = 1_000_000, lookups = 300 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-store-'));
  const store = await DuckDbStore.open({ path: join(dir, 'b.duckdb') });
  const { ids, perTrace, writeSeconds } = await writeTraceWorkload(store, spans);
  const sample = Array.from(
    { length: lookups },
    (_, i) => ids[Math.floor(((i * 7919) % lookups) * (ids.length / lookups))],
  );
  const time = async (fn) => {
    const ms = [];
    for (const id of sample) {
      const s = performance.now();
      await fn(id);
      ms.push(performance.now() - s);
    }
    ms.sort((a, b) => a - b);
    return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) };
  };
  const fluoro = await time(async (id) => {
    const [docs, rows] = await Promise.all([store.getDocuments([id]), store.getSpans([id])]);
    if (!docs.get(id) || rows.length !== perTrace) throw new Error(`lookup of ${id} failed`);
  });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { spans, writeSpansPerSec: spans / writeSeconds, fluoro };
}
