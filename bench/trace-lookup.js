// Trace-by-id latency through the DuckDB store's own read path (documents + span rows +
// annotations), at a given number of stored spans.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toSpanRows } from '@fluoro/model';
import { DuckDbStore } from '@fluoro/store';

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function benchTraceLookup({ spans = 1_000_000, lookups = 300 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-store-'));
  const store = await DuckDbStore.open({ path: join(dir, 'b.duckdb') });
  const perTrace = 10;
  const traces = spans / perTrace;
  const t0 = 1_790_000_000;
  const ids = [];
  const writeStart = performance.now();
  for (let b = 0; b < traces; b += 5000) {
    const batch = [];
    for (let i = b; i < Math.min(traces, b + 5000); i++) {
      // Traces arrive in time order, 20 per second: the store's layout relies on nothing more.
      const t = t0 + Math.floor(i / 20);
      const traceId = `1-${t.toString(16)}-${i.toString(16).padStart(24, '0')}`;
      ids.push(traceId);
      const doc = {
        trace_id: traceId,
        id: (i * 16).toString(16).padStart(16, '0'),
        name: `svc-${i % 7}`,
        start_time: t,
        end_time: t + 0.05,
        annotations: { n: i },
        subsegments: Array.from({ length: perTrace - 1 }, (_, k) => ({
          id: (i * 16 + k + 1).toString(16).padStart(16, '0'),
          name: `op-${k}`,
          start_time: t + k * 0.001,
          end_time: t + k * 0.001 + 0.001,
        })),
      };
      const text = JSON.stringify(doc);
      batch.push({
        traceId,
        id: doc.id,
        document: text,
        inProgress: false,
        receivedUs: Date.now() * 1000,
        rows: toSpanRows(doc, 0),
      });
    }
    await store.write(batch);
  }
  const writeSeconds = (performance.now() - writeStart) / 1000;
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
