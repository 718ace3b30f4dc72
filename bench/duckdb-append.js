// The DuckDB store's own write path (`DuckDbStore.write`), no UDP and no server: the documents
// of the UDP ingest benchmark (a segment with 4 subsegments, HTTP fields, one annotation; see
// ingest.js), built beforehand as the server builds them (JSON text + toSpanRows), written in
// batches of the server's batch writer (5,000 documents) into a fresh file-backed store.
// Reports spans/s of wall time and spans/s of main-thread busy time (event-loop utilisation over
// the writes: the appends run there, the commits do not). `node bench/duckdb-append.js`; with
// BENCH_APPEND_BASELINE=<a copy of an earlier packages/store/dist>/index.js it alternates rounds
// between that build and this one in the same run, each keeping its best round, since the
// neighbours of a shared machine only ever add time. BENCH_APPEND_DOCS (default 50,000) and
// BENCH_APPEND_ROUNDS (default 5) set the size.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { toSpanRows } from '@fluoro/model';
import { DuckDbStore } from '@fluoro/store';
import { benchDocument, SPANS_PER_DOC } from './ingest.js';

const BATCH = 5_000;

/** `docs` ingested documents in batches of BATCH, received now. */
export function appendWorkload(docs) {
  const t = Math.floor(Date.now() / 1000);
  const batches = [];
  for (let b = 0; b < docs; b += BATCH) {
    const batch = [];
    for (let i = b; i < Math.min(docs, b + BATCH); i++) {
      const doc = benchDocument(i + 1, t);
      const receivedUs = Date.now() * 1000;
      batch.push({
        traceId: doc.trace_id,
        id: doc.id,
        document: JSON.stringify(doc),
        inProgress: false,
        receivedUs,
        rows: toSpanRows(doc, receivedUs),
      });
    }
    batches.push(batch);
  }
  return batches;
}

/** Writes `batches` into a fresh store of class `Store`; the wall and main-thread seconds of the writes. */
async function writeOnce(Store, batches) {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-append-'));
  const store = await Store.open({ path: join(dir, 'a.duckdb') });
  try {
    const elu = performance.eventLoopUtilization();
    const start = performance.now();
    for (const batch of batches) await store.write(batch);
    const wall = (performance.now() - start) / 1000;
    const busy = performance.eventLoopUtilization(elu).active / 1000;
    return { wall, busy };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the workload `rounds` times per entry of `stores` (name → a DuckDbStore class), the
 * stores taking turns within each round (the first one alternating), and keeps each one's
 * best round. Returns per store `{ spansPerSec, busySpansPerSec, rounds: [{ wall, busy }] }`.
 */
export async function benchDuckDbAppend({
  docs = 50_000,
  rounds = 5,
  stores = { fluoro: DuckDbStore },
} = {}) {
  const batches = appendWorkload(docs);
  const spans = batches.reduce((n, b) => n + b.reduce((m, d) => m + d.rows.length, 0), 0);
  const names = Object.keys(stores);
  const result = {};
  for (const name of names) result[name] = { spansPerSec: 0, busySpansPerSec: 0, rounds: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const r = await writeOnce(stores[name], batches);
      const s = result[name];
      s.rounds.push(r);
      s.spansPerSec = Math.max(s.spansPerSec, spans / r.wall);
      s.busySpansPerSec = Math.max(s.busySpansPerSec, spans / r.busy);
    }
  }
  return { docs, spans, rounds, stores: result };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const stores = { current: DuckDbStore };
  if (process.env.BENCH_APPEND_BASELINE) {
    const baseline = await import(pathToFileURL(process.env.BENCH_APPEND_BASELINE).href);
    stores.baseline = baseline.DuckDbStore;
  }
  const docs = Number(process.env.BENCH_APPEND_DOCS ?? 50_000);
  const rounds = Number(process.env.BENCH_APPEND_ROUNDS ?? 5);
  const r = await benchDuckDbAppend({ docs, rounds, stores });
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(
    `## DuckDB store writes: ${fmt(r.docs)} documents (${fmt(r.spans)} spans, ${SPANS_PER_DOC} a document) in batches of ${fmt(BATCH)}, best of ${r.rounds} rounds (load average ${loadavg()[0].toFixed(1)} at the end)`,
  );
  for (const [name, s] of Object.entries(r.stores)) {
    const each = s.rounds.map((x) => `${fmt(r.spans / x.wall)}/${fmt(r.spans / x.busy)}`).join(' ');
    console.log(
      `${name.padEnd(8)} ${fmt(s.spansPerSec)} spans/s wall, ${fmt(s.busySpansPerSec)} spans/s of main-thread time (rounds, wall/main: ${each})`,
    );
  }
}
