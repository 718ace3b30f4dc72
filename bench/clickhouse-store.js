// The ClickHouse store's write rate and read latencies at a given number of stored spans, with
// the same workload as trace-lookup.js (DuckDB) so the two read side by side. Needs a running
// ClickHouse: `FLUORO_BENCH_CLICKHOUSE_URL=http://127.0.0.1:8123 node bench/clickhouse-store.js`
// (BENCH_SPANS sets the size; default 1,000,000). Writes into a new database `fluoro_bench_*`
// and drops it afterwards.

import { ClickHouseStore } from '@fluoro/store';
import { writeTraceWorkload } from './workload.js';

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function timed(times, fn) {
  const ms = [];
  for (let i = 0; i < times; i++) {
    const s = performance.now();
    await fn(i);
    ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) };
}

export async function benchClickHouseStore({ url, spans = 1_000_000, lookups = 300 }) {
  const database = `fluoro_bench_${Date.now()}`;
  const store = await ClickHouseStore.open({ url, database });
  const { ids, writeSeconds } = await writeTraceWorkload(store, spans);
  const sample = Array.from(
    { length: lookups },
    (_, i) => ids[Math.floor(((i * 7919) % lookups) * (ids.length / lookups))],
  );
  const byId = await timed(lookups, async (i) => {
    const id = sample[i];
    const [docs, rows] = await Promise.all([store.getDocuments([id]), store.getSpans([id])]);
    if (!docs.get(id) || rows.length !== perTrace) throw new Error(`lookup of ${id} failed`);
  });
  const endS = t0 + Math.floor(traces / 20);
  const lastFiveMinutes = {
    startUs: (endS - 300) * 1e6,
    endUs: endS * 1e6,
    timeRangeType: 'TraceId',
    limit: 100,
  };
  const search = await timed(20, () => store.findTraces(lastFiveMinutes));
  const filtered = await timed(20, () =>
    store.findTraces({
      ...lastFiveMinutes,
      filter: () => ({ sql: 'trace_id IN (SELECT trace_id FROM spans WHERE name = ?)', params: ['svc-3'] }),
    }),
  );
  const graph = await timed(10, () =>
    store.graphStats({ startUs: lastFiveMinutes.startUs, endUs: lastFiveMinutes.endUs }),
  );
  await store.close();
  await fetch(url, { method: 'POST', body: `DROP DATABASE ${database}` });
  return { spans, writeSpansPerSec: spans / writeSeconds, byId, search, filtered, graph };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.FLUORO_BENCH_CLICKHOUSE_URL;
  if (!url) {
    console.error('set FLUORO_BENCH_CLICKHOUSE_URL to a ClickHouse HTTP URL');
    process.exit(2);
  }
  const r = await benchClickHouseStore({ url, spans: Number(process.env.BENCH_SPANS ?? 1_000_000) });
  const ms = (n) => `${n.toFixed(2)} ms`;
  console.log(`## ClickHouse store, ${r.spans.toLocaleString('en-US')} spans`);
  console.log(`bulk write: ${Math.round(r.writeSpansPerSec).toLocaleString('en-US')} spans/s`);
  console.log(
    `trace by id (documents + span rows + annotations): p50 ${ms(r.byId.p50)}, p99 ${ms(r.byId.p99)}`,
  );
  console.log(`findTraces, last 5 minutes (6,000 traces), 100 per page: p50 ${ms(r.search.p50)}`);
  console.log(`the same with a name filter: p50 ${ms(r.filtered.p50)}`);
  console.log(`graphStats (service graph aggregates), last 5 minutes: p50 ${ms(r.graph.p50)}`);
}
