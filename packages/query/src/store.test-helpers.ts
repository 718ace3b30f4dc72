import type { SpanRow } from '@fluoro/model';
import { DuckDbStore, type IngestedDocument } from '@fluoro/store';
import type { FilterAst } from './ast.js';
import { findMatchingTraces, type TraceSource } from './find-matching-traces.js';
import { EPOCH_S } from './fixtures.test-helpers.js';

/** The documents of some traces' rows, ready for `store.write` (document text is not read by filters). */
export function toIngested(traces: SpanRow[][]): IngestedDocument[] {
  const byDoc = new Map<string, SpanRow[]>();
  for (const rows of traces) {
    for (const r of rows) {
      const key = `${r.traceId}/${r.docId}`;
      byDoc.set(key, [...(byDoc.get(key) ?? []), r]);
    }
  }
  return [...byDoc.values()].map((rows) => {
    const first = rows[0] as SpanRow;
    return {
      traceId: first.traceId,
      id: first.docId,
      document: '{}',
      inProgress: rows.some((r) => r.inProgress && r.id === r.docId),
      receivedUs: first.receivedUs,
      rows,
    };
  });
}

/** A fresh in-memory DuckDB store holding the given traces. */
export async function storeWith(traces: SpanRow[][]): Promise<DuckDbStore> {
  const store = await DuckDbStore.open({ path: ':memory:', threads: 1 });
  await store.write(toIngested(traces));
  return store;
}

/** Trace ids the SQL path (plus post-filter where needed) returns, sorted. */
export async function sqlMatches(store: TraceSource, ast: FilterAst): Promise<string[]> {
  const page = await findMatchingTraces(
    store,
    { startUs: EPOCH_S * 1e6, endUs: (EPOCH_S + 10_000) * 1e6, timeRangeType: 'TraceId', limit: 100_000 },
    ast,
  );
  return page.traces.map((t) => t.traceId).sort();
}
