// Service-graph latency: GetServiceGraph and GetTimeSeriesServiceStatistics through the real
// HTTP API (startFluoroServer over a DuckDB store), at 1M and 10M stored spans, over the last
// hour (computed from the spans: never settled) and over everything stored (1.4 h at 1M, 14 h
// at 10M: all but the last two hours come from the settled-minute cache, ADR 0004). Each
// request is timed cold (first call: fills the cache) and warm.
//
// The newest 1M spans go through the store's write path (`DuckDbStore.write`, 10,000 traces a
// batch), ending now. Writing 10M that way takes longer than this benchmark may (~35k spans/s
// on the 2-core machine), so the 10M store adds 9 copies of them shifted earlier in time by SQL
// (a backfill: the same rows, each copy appended in time order).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { toSpanRows } from '@fluoro/model';
import { startFluoroServer } from '@fluoro/server';
import { DuckDbStore } from '@fluoro/store';

const SPANS_PER_TRACE = 10;
const TRACES_PER_SECOND = 20;
const TRACES_PER_BATCH = 10_000;
let T0 = 1_790_000_000;

const hex = (n, w) => n.toString(16).padStart(w, '0');

/** One checkout: api-N (ECS) → orders (instrumented), Postgres, DynamoDB, Redis, a partner host; orders → DynamoDB. 10 spans. */
function trace(i) {
  const t = T0 + Math.floor(i / TRACES_PER_SECOND) + (i % TRACES_PER_SECOND) / TRACES_PER_SECOND;
  const traceId = `1-${hex(Math.floor(t), 8)}-${hex(i, 24)}`;
  const id = (k) => hex(i * 16 + k, 16);
  const ms = (n) => t + n / 1000;
  const jitter = (i * 7919) % 40;
  const fault = i % 50 === 0;
  const throttled = i % 97 === 0;
  const call = {
    id: id(1),
    name: 'orders.internal',
    namespace: 'remote',
    start_time: ms(5),
    end_time: ms(30 + jitter),
    ...(fault ? { fault: true } : {}),
  };
  const api = {
    trace_id: traceId,
    id: id(0),
    name: `api-${i % 5}`,
    origin: 'AWS::ECS::Container',
    start_time: t,
    end_time: ms(80 + jitter),
    http: {
      request: { method: 'GET', url: `http://api/items/${i % 100}` },
      response: { status: fault ? 500 : 200 },
    },
    ...(fault ? { fault: true } : {}),
    subsegments: [
      call,
      {
        id: id(2),
        name: 'handler',
        start_time: ms(31 + jitter),
        end_time: ms(79 + jitter),
        subsegments: [
          {
            id: id(3),
            name: 'postgres@db',
            namespace: 'remote',
            start_time: ms(32 + jitter),
            end_time: ms(40 + jitter),
            sql: { database_type: 'PostgreSQL' },
          },
          {
            id: id(4),
            name: 'DynamoDB',
            namespace: 'aws',
            start_time: ms(41 + jitter),
            end_time: ms(50 + jitter),
            aws: { table_name: 'carts', operation: 'GetItem' },
          },
          {
            id: id(5),
            name: 'redis',
            namespace: 'remote',
            start_time: ms(51 + jitter),
            end_time: ms(53 + jitter),
          },
          {
            id: id(6),
            name: 'partner.example.com',
            namespace: 'remote',
            start_time: ms(54 + jitter),
            end_time: ms(78 + jitter),
            ...(throttled ? { throttle: true, error: true, http: { response: { status: 429 } } } : {}),
          },
        ],
      },
    ],
  };
  const orders = {
    trace_id: traceId,
    id: id(7),
    parent_id: call.id,
    name: 'orders',
    start_time: ms(7),
    end_time: ms(28 + jitter),
    ...(fault ? { fault: true } : {}),
    subsegments: [
      {
        id: id(8),
        name: 'DynamoDB',
        namespace: 'aws',
        start_time: ms(9),
        end_time: ms(20),
        aws: { table_name: 'orders', operation: 'PutItem' },
      },
      { id: id(9), name: 'validate', start_time: ms(21), end_time: ms(27) },
    ],
  };
  return [api, orders];
}

export async function writeSpans(store, spans) {
  const traces = spans / SPANS_PER_TRACE;
  const started = performance.now();
  for (let b = 0; b < traces; b += TRACES_PER_BATCH) {
    const batch = [];
    for (let i = b; i < Math.min(traces, b + TRACES_PER_BATCH); i++) {
      for (const doc of trace(i)) {
        batch.push({
          traceId: doc.trace_id,
          id: doc.id,
          document: JSON.stringify(doc),
          inProgress: false,
          receivedUs: (T0 + i / TRACES_PER_SECOND + 1) * 1e6,
          rows: toSpanRows(doc, 0),
        });
      }
    }
    await store.write(batch);
  }
  return spans / ((performance.now() - started) / 1000);
}

/** Appends `copies` copies of the spans, each `shiftS` seconds earlier than the last (new trace ids). */
async function replicate(path, copies, shiftS) {
  const db = await DuckDBInstance.create(path, { memory_limit: '1GB' });
  const c = await db.connect();
  const cols = (await c.runAndReadAll('SELECT * FROM spans LIMIT 0')).columnNames();
  for (let k = 1; k <= copies; k++) {
    const d = -k * shiftS;
    const expr = cols.map((col) => {
      if (col === 'trace_id')
        return `'1-' || lpad(lower(printf('%x', trace_epoch_s + ${d})), 8, '0') || substr(trace_id, 11) AS trace_id`;
      if (col === 'trace_epoch_s') return `trace_epoch_s + ${d} AS trace_epoch_s`;
      if (['start_us', 'end_us', 'received_us'].includes(col)) return `${col} + ${d * 1e6} AS ${col}`;
      return col;
    });
    await c.run(
      `INSERT INTO spans SELECT ${expr.join(', ')} FROM spans WHERE trace_epoch_s >= ${T0} ORDER BY start_us`,
    );
  }
  await c.run('CHECKPOINT');
  c.closeSync();
  db.closeSync();
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const progress = (msg) => process.stderr.write(`service-graph bench: ${msg}\n`);

async function measure(url, path, body, runs) {
  const ms = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    last = await res.json();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(last)}`);
    ms.push(performance.now() - s);
    progress(`${path} ${JSON.stringify(body)}: ${ms.at(-1).toFixed(0)} ms`);
  }
  const warm = ms.slice(1).sort((a, b) => a - b);
  return { cold: ms[0], warm: quantile(warm, 0.5), last };
}

async function measureAll(path, spans, oldestS, runs) {
  const store = await DuckDbStore.open({ path, memoryLimit: '1GB' });
  const server = await startFluoroServer({ store, http: { host: '127.0.0.1', port: 0 }, consoleDir: false });
  const url = server.addresses.http;
  const durationS = (spans / SPANS_PER_TRACE / TRACES_PER_SECOND) | 0;
  const endS = Math.ceil(Date.now() / 1000) + 60;
  const whole = { StartTime: oldestS - 60, EndTime: endS };
  const lastHour = { StartTime: endS - 3600, EndTime: endS };
  const out = { spans, durationS };
  out.graphWhole = await measure(url, '/ServiceGraph', whole, runs);
  out.graphHour = await measure(url, '/ServiceGraph', lastHour, runs);
  const series = { EntitySelectorExpression: 'service("orders")', Period: 60 };
  out.seriesWhole = await measure(
    url,
    '/TimeSeriesServiceStatistics',
    { ...whole, ...series, Period: 300 },
    runs,
  );
  out.seriesHour = await measure(url, '/TimeSeriesServiceStatistics', { ...lastHour, ...series }, runs);
  const orders = out.graphWhole.last.Services.find((s) => s.Name === 'orders');
  if (orders.SummaryStatistics.TotalCount !== spans / SPANS_PER_TRACE)
    throw new Error(
      `graph counted ${orders.SummaryStatistics.TotalCount} orders segments, not ${spans / SPANS_PER_TRACE}`,
    );
  out.nodes = out.graphWhole.last.Services.length;
  await server.stop();
  return out;
}

/** Returns per size: p50/max latency (ms) of each request, and the 1M write rate. */
export async function benchServiceGraph({ base = 1_000_000, copies = 9, runs = 4 } = {}) {
  // The written spans end now; the copies reach back in time.
  T0 = Math.floor(Date.now() / 1000) - Math.ceil(base / SPANS_PER_TRACE / TRACES_PER_SECOND) - 60;
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-graph-'));
  const path = join(dir, 'g.duckdb');
  try {
    const store = await DuckDbStore.open({ path, memoryLimit: '1GB' });
    const writeSpansPerSec = await writeSpans(store, base);
    progress(`wrote ${base} spans at ${writeSpansPerSec.toFixed(0)} spans/s`);
    await store.close();
    const small = await measureAll(path, base, T0, runs);
    const shiftS = Math.ceil(base / SPANS_PER_TRACE / TRACES_PER_SECOND) + 1;
    await replicate(path, copies, shiftS);
    progress(`replicated to ${base * (copies + 1)} spans`);
    const large =
      copies > 0 ? await measureAll(path, base * (copies + 1), T0 - copies * shiftS, runs) : undefined;
    return { writeSpansPerSec, results: large ? [small, large] : [small] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node bench/service-graph.js` prints the table docs/benchmarks.md records.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchServiceGraph({
    base: Number(process.env.BENCH_SPANS ?? 1_000_000),
    copies: Number(process.env.BENCH_COPIES ?? 9),
  });
  const f = (m) => `${m.cold.toFixed(0)} / ${m.warm.toFixed(0)} ms`;
  console.log(
    `## Service graph (DuckDB; written at ${Math.round(r.writeSpansPerSec).toLocaleString('en-US')} spans/s; cold / warm)`,
  );
  console.log(
    '| stored spans | hours stored | GetServiceGraph, last hour | GetServiceGraph, everything | TimeSeries 60 s, last hour | TimeSeries 300 s, everything |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const x of r.results) {
    console.log(
      `| ${x.spans.toLocaleString('en-US')} | ${(x.durationS / 3600).toFixed(1)} | ${f(x.graphHour)} | ${f(x.graphWhole)} | ${f(x.seriesHour)} | ${f(x.seriesWhole)} |`,
    );
  }
}
