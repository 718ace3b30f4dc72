import type { SpanRow } from '@fluoro/model';
import type { FilterAst } from './ast.js';
import { compileFilter, needsPostFilter } from './compile-sql.js';
import { evaluateFilter } from './evaluate.js';
import type { Dialect, SqlPredicate } from './sql-fragment.js';

/** The part of the store's TraceQuery this helper passes through (structurally the store's type). */
export interface FilteredQuery {
  startUs: number;
  endUs: number;
  timeRangeType: 'TraceId' | 'Event' | 'Service';
  limit: number;
  after?: { startUs: number; traceId: string };
}

/** What `findMatchingTraces` needs of a store: `Store` from @fluoro/store satisfies it. */
export interface TraceSource {
  readonly dialect: Dialect;
  findTraces(q: FilteredQuery & { filter?: (d: Dialect) => SqlPredicate }): Promise<{
    traces: { startUs: number; traceId: string }[];
    scanned: number;
    more: boolean;
  }>;
  getSpans(traceIds: string[]): Promise<SpanRow[]>;
}

/**
 * Finds a page of traces matching a filter. When the SQL is exact this is one `findTraces`;
 * when it only preselects (`needsPostFilter`), candidate pages are read and each candidate's
 * spans checked with `evaluateFilter` until `limit` matches are found or candidates run out.
 * `scanned` counts the traces looked at in the first candidate page's time range. The SQL reads
 * only rows near the query's time range (see `TimeWindow`).
 */
export async function findMatchingTraces(source: TraceSource, query: FilteredQuery, ast: FilterAst) {
  const filter = (d: Dialect) => compileFilter(ast, d, query);
  if (!needsPostFilter(ast)) return source.findTraces({ ...query, filter });
  const out: { startUs: number; traceId: string }[] = [];
  let after = query.after;
  let scanned: number | undefined;
  for (;;) {
    const page = await source.findTraces({ ...query, ...(after ? { after } : {}), filter });
    scanned ??= page.scanned;
    const ids = page.traces.map((t) => t.traceId);
    const spans = await source.getSpans(ids);
    const byTrace = new Map<string, SpanRow[]>();
    for (const s of spans) {
      const list = byTrace.get(s.traceId);
      if (list) list.push(s);
      else byTrace.set(s.traceId, [s]);
    }
    for (const [i, t] of page.traces.entries()) {
      if (!evaluateFilter(ast, byTrace.get(t.traceId) ?? [])) continue;
      out.push(t);
      if (out.length === query.limit) {
        return { traces: out, scanned, more: i < page.traces.length - 1 || page.more };
      }
    }
    if (!page.more || page.traces.length === 0) return { traces: out, scanned, more: false };
    after = page.traces[page.traces.length - 1];
  }
}
