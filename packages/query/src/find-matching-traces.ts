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

/** A page of matching traces. */
export interface MatchingPage {
  traces: { startUs: number; traceId: string }[];
  scanned: number;
  more: boolean;
  /**
   * Where the next page starts (pass it as `after`). It is the last trace of `traces`, except
   * when the candidate budget ran out first: then it is the last candidate checked, and
   * `traces` may hold fewer than `limit` (even none) although `more` is true.
   */
  resumeAfter?: { startUs: number; traceId: string };
}

/**
 * A good `maxCandidates` for an API page: bounds the spans one request reads when the SQL only
 * preselects. Opt-in, because a short page is only safe when the caller pages from `resumeAfter`.
 */
export const SUGGESTED_MAX_CANDIDATES = 5_000;
/** Candidates read per round trip when post-filtering. */
const CANDIDATE_PAGE = 200;

/**
 * Finds a page of traces matching a filter. When the SQL is exact this is one `findTraces`;
 * when it only preselects (`needsPostFilter`), candidate pages are read and each candidate's
 * spans checked with `evaluateFilter` until `limit` matches are found, candidates run out, or
 * `maxCandidates` were checked (default: no limit; then the page is short and `resumeAfter`
 * says where to go on).
 * `scanned` counts the traces looked at in the first candidate page's time range. The SQL reads
 * only rows near the query's time range (see `TimeWindow`).
 */
export async function findMatchingTraces(
  source: TraceSource,
  query: FilteredQuery,
  ast: FilterAst,
  options: { maxCandidates?: number } = {},
): Promise<MatchingPage> {
  const filter = (d: Dialect) => compileFilter(ast, d, query);
  if (!needsPostFilter(ast)) {
    const page = await source.findTraces({ ...query, filter });
    const last = page.traces.at(-1);
    return { ...page, ...(last ? { resumeAfter: last } : {}) };
  }
  const maxCandidates = options.maxCandidates ?? Number.POSITIVE_INFINITY;
  const out: { startUs: number; traceId: string }[] = [];
  let after = query.after;
  let scanned: number | undefined;
  let checked = 0;
  for (;;) {
    const limit = Math.min(Math.max(query.limit, CANDIDATE_PAGE), Math.max(1, maxCandidates - checked));
    const page = await source.findTraces({ ...query, limit, ...(after ? { after } : {}), filter });
    scanned ??= page.scanned;
    const spans = await source.getSpans(page.traces.map((t) => t.traceId));
    const byTrace = new Map<string, SpanRow[]>();
    for (const s of spans) {
      const list = byTrace.get(s.traceId);
      if (list) list.push(s);
      else byTrace.set(s.traceId, [s]);
    }
    for (const [i, t] of page.traces.entries()) {
      checked++;
      if (!evaluateFilter(ast, byTrace.get(t.traceId) ?? [])) continue;
      out.push(t);
      if (out.length === query.limit) {
        return { traces: out, scanned, more: i < page.traces.length - 1 || page.more, resumeAfter: t };
      }
    }
    const last = page.traces.at(-1);
    if (!page.more || !last) return { traces: out, scanned, more: false };
    if (checked >= maxCandidates) return { traces: out, scanned, more: true, resumeAfter: last };
    after = last;
  }
}
