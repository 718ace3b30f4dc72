// Trace-by-id latency through the DuckDB store's own read path (documents + span rows +
// annotations), at a given number of stored spans. `node bench/trace-lookup.js` runs the mixed
// workload alone (half the traces with OpenTelemetry-style ids); with
// BENCH_LOOKUP_BASELINE=<a copy of an earlier packages/store/dist>/index.js it also runs that
// build's DuckDbStore over the same workload, interleaved round by round, so before/after
// compare within one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDbStore } from '@fluoro/store';
import { writeTraceWorkload } from './workload.js';

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** `n` ids of `ids` (those `keep` accepts), spread evenly over the workload, in a scrambled order. */
function spread(ids, keep, n) {
  const pool = ids.filter((_, i) => keep(i));
  const picked = Array.from({ length: n }, (_, i) => pool[Math.floor(i * (pool.length / n))]);
  return Array.from({ length: n }, (_, i) => picked[(i * 7919) % n]);
}

async function openWithWorkload(Store, spans, otelEvery) {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-store-'));
  const store = await Store.open({ path: join(dir, 'b.duckdb') });
  const w = await writeTraceWorkload(store, spans, { otelEvery });
  return {
    ...w,
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function timeLookups(store, sample, perTrace) {
  const ms = [];
  for (const id of sample) {
    const s = performance.now();
    const [docs, rows] = await Promise.all([store.getDocuments([id]), store.getSpans([id])]);
    ms.push(performance.now() - s);
    if (!docs.get(id) || rows.length !== perTrace) throw new Error(`lookup of ${id} failed`);
  }
  ms.sort((a, b) => a - b);
  return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) };
}

/**
 * Writes `spans` spans into a fresh store per entry of `stores` (name → a DuckDbStore class),
 * then times `lookups` lookups per id kind: X-Ray ids, and with `otelEvery` also OpenTelemetry
 * ids (every `otelEvery`-th trace). Runs `rounds` rounds, each case once per round in turn, and
 * keeps each case's best round (lowest p50): the machine's neighbours only ever add time.
 * Returns, per store: bulk write spans/s and `{ xray, otel? }` each `{ p50, p99 }` in ms.
 */
export async function benchTraceLookup({
  spans = 1_000_000,
  lookups = 300,
  otelEvery = 0,
  rounds = 1,
  stores = { fluoro: DuckDbStore },
} = {}) {
  const opened = {};
  for (const [name, Store] of Object.entries(stores))
    opened[name] = await openWithWorkload(Store, spans, otelEvery);
  const result = { spans, otelEvery, stores: {} };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, w] of Object.entries(opened)) {
        const kinds = { xray: spread(w.ids, (i) => !w.otel[i], lookups) };
        if (otelEvery > 0) kinds.otel = spread(w.ids, (i) => w.otel[i], lookups);
        result.stores[name] ??= { writeSpansPerSec: spans / w.writeSeconds };
        const r = result.stores[name];
        for (const [kind, sample] of Object.entries(kinds)) {
          const t = await timeLookups(w.store, sample, w.perTrace);
          if (!r[kind] || t.p50 < r[kind].p50) r[kind] = t;
        }
      }
    }
  } finally {
    for (const w of Object.values(opened)) await w.close();
  }
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const stores = { current: DuckDbStore };
  if (process.env.BENCH_LOOKUP_BASELINE) {
    const baseline = await import(pathToFileURL(process.env.BENCH_LOOKUP_BASELINE).href);
    stores.baseline = baseline.DuckDbStore;
  }
  const spans = Number(process.env.BENCH_SPANS ?? 1_000_000);
  const r = await benchTraceLookup({ spans, otelEvery: 2, rounds: 3, stores });
  const ms = (n) => `${n.toFixed(2)} ms`;
  console.log(
    `## Trace by id, ${spans.toLocaleString('en-US')} spans, half the traces with OpenTelemetry ids`,
  );
  for (const [name, s] of Object.entries(r.stores)) {
    console.log(
      `${name.padEnd(8)} X-Ray ids p50 ${ms(s.xray.p50)} p99 ${ms(s.xray.p99)} | OTel ids p50 ${ms(s.otel.p50)} p99 ${ms(s.otel.p99)} | bulk write ${Math.round(s.writeSpansPerSec).toLocaleString('en-US')} spans/s`,
    );
  }
}
