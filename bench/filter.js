// Filtered GetTraceSummaries latency through the DuckDB store: the same steps the X-Ray API
// takes (parse, compile, find a page of 100 matching traces, read their spans, summarise),
// for a few typical filter expressions, over a 5-minute and a 1-hour window.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toSpanRows, toTraceSummary } from '@fluoro/model';
import { findMatchingTraces, parseFilter } from '@fluoro/query';
import { DuckDbStore } from '@fluoro/store';

const EXPRESSIONS = [
  'service("svc-3") { fault }',
  'annotation.customer = "c-42"',
  'responsetime > 0.05',
  'http.url CONTAINS "/orders" AND !ok',
];

export async function benchFilter({ spans = 1_000_000, runs = 5 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-bench-filter-'));
  const store = await DuckDbStore.open({ path: join(dir, 'b.duckdb') });
  const perTrace = 10;
  const traces = spans / perTrace;
  const t0 = 1_790_000_000;
  for (let b = 0; b < traces; b += 5000) {
    const batch = [];
    for (let i = b; i < Math.min(traces, b + 5000); i++) {
      // 20 traces a second: a 1M-span store holds about 80 minutes.
      const t = t0 + Math.floor(i / 20);
      const traceId = `1-${t.toString(16)}-${i.toString(16).padStart(24, '0')}`;
      const id = (k) => (i * 16 + k).toString(16).padStart(16, '0');
      const front = {
        trace_id: traceId,
        id: id(0),
        name: `svc-${i % 7}`,
        start_time: t,
        end_time: t + (i % 10) / 100,
        http: {
          request: { method: 'GET', url: `http://api/${i % 3 ? 'orders' : 'users'}/${i}` },
          response: { status: i % 11 ? 200 : 500 },
        },
        ...(i % 11 ? {} : { fault: true }),
        annotations: { customer: `c-${i % 1000}` },
        subsegments: [
          { id: id(1), name: 'call', namespace: 'remote', start_time: t, end_time: t + 0.005 },
          ...Array.from({ length: 4 }, (_, k) => ({
            id: id(k + 2),
            name: `op-${k}`,
            start_time: t,
            end_time: t + 0.001,
          })),
        ],
      };
      const back = {
        trace_id: traceId,
        id: id(8),
        parent_id: id(1),
        name: `svc-${(i + 3) % 7}`,
        start_time: t + 0.001,
        end_time: t + 0.004,
        ...(i % 13 ? {} : { fault: true }),
        subsegments: Array.from({ length: 3 }, (_, k) => ({
          id: id(k + 9),
          name: `q-${k}`,
          start_time: t + 0.002,
          end_time: t + 0.003,
        })),
      };
      for (const doc of [front, back]) {
        batch.push({
          traceId,
          id: doc.id,
          document: JSON.stringify(doc),
          inProgress: false,
          receivedUs: 1,
          rows: toSpanRows(doc, 1),
        });
      }
    }
    await store.write(batch);
  }
  const endUs = (t0 + traces / 20) * 1e6;
  const results = [];
  for (const text of EXPRESSIONS) {
    for (const [label, windowUs] of [
      ['5 min', 300e6],
      ['1 hour', 3600e6],
    ]) {
      const ms = [];
      let found = 0;
      for (let r = 0; r < runs; r++) {
        const s = performance.now();
        const query = { startUs: endUs - windowUs, endUs, timeRangeType: 'TraceId', limit: 100 };
        const page = await findMatchingTraces(store, query, parseFilter(text));
        const rows = await store.getSpans(page.traces.map((t) => t.traceId));
        const byTrace = new Map();
        for (const row of rows) byTrace.set(row.traceId, [...(byTrace.get(row.traceId) ?? []), row]);
        for (const t of page.traces) toTraceSummary(byTrace.get(t.traceId) ?? []);
        ms.push(performance.now() - s);
        found = page.traces.length;
      }
      ms.sort((a, b) => a - b);
      results.push({
        expression: text,
        window: label,
        found,
        p50: ms[Math.floor(ms.length / 2)],
        max: ms[ms.length - 1],
      });
    }
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { spans, results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchFilter({ spans: Number(process.env.BENCH_SPANS ?? 1_000_000) });
  console.log(
    `## Filtered GetTraceSummaries (DuckDB, ${r.spans.toLocaleString('en-US')} spans, page of 100)`,
  );
  for (const x of r.results) {
    console.log(
      `${x.expression.padEnd(40)} ${x.window.padEnd(7)} ${String(x.found).padStart(3)} traces  p50 ${x.p50.toFixed(1)} ms  max ${x.max.toFixed(1)} ms`,
    );
  }
}
