import { type SpanRow, toTraceSummary } from '@fluoro/model';
import type { Dialect, SqlPredicate, Store, TimeRangeType, TraceCursor } from '@fluoro/store';
import { invalidRequest } from '../http/api-error.js';
import { asObject, optionalString, requiredEpochUs } from '../http/read-input.js';

/** Traces per GetTraceSummaries page. */
const PAGE_SIZE = 100;
const RANGE_TYPES = new Set<TimeRangeType>(['TraceId', 'Event', 'Service']);

/**
 * Compiles a filter expression for the store, or throws an ApiError (400 with the position).
 * Absent until the filter-expression compiler is wired; then expressions are refused clearly.
 */
export type FilterCompiler = (expression: string) => Promise<(dialect: Dialect) => SqlPredicate>;

/**
 * GetTraceSummaries (POST /TraceSummaries): traces in [StartTime, EndTime) by TimeRangeType,
 * newest first, PAGE_SIZE per page with an opaque NextToken, each summarised from all its rows.
 * Fluoro never samples the results: `Sampling` is accepted and every matching trace is returned.
 */
export function getTraceSummaries(store: Store, compileFilter?: FilterCompiler) {
  return async ({ body }: { body: unknown }) => {
    const o = asObject(body);
    const startUs = requiredEpochUs(o, 'StartTime');
    const endUs = requiredEpochUs(o, 'EndTime');
    if (endUs <= startUs) throw invalidRequest('EndTime must be after StartTime');
    const timeRangeType = (optionalString(o, 'TimeRangeType') ?? 'TraceId') as TimeRangeType;
    if (!RANGE_TYPES.has(timeRangeType))
      throw invalidRequest('TimeRangeType must be TraceId, Event or Service');
    const expression = optionalString(o, 'FilterExpression');
    let filter: ((d: Dialect) => SqlPredicate) | undefined;
    if (expression !== undefined && expression.trim() !== '') {
      if (!compileFilter)
        throw invalidRequest('FilterExpression is not supported by this Fluoro version yet');
      filter = await compileFilter(expression);
    }
    const token = optionalString(o, 'NextToken');
    const after = token === undefined ? undefined : fromToken(token);
    const page = await store.findTraces({
      startUs,
      endUs,
      timeRangeType,
      limit: PAGE_SIZE,
      ...(after ? { after } : {}),
      ...(filter ? { filter } : {}),
    });
    const ids = page.traces.map((t) => t.traceId);
    const spans = await store.getSpans(ids);
    const byTrace = new Map<string, SpanRow[]>();
    for (const r of spans) byTrace.set(r.traceId, [...(byTrace.get(r.traceId) ?? []), r]);
    const last = page.traces.at(-1);
    return {
      TraceSummaries: ids.flatMap((id) => {
        const rows = byTrace.get(id);
        return rows ? [toTraceSummary(rows)] : [];
      }),
      ApproximateTime: (after?.startUs ?? endUs) / 1e6,
      TracesProcessedCount: page.scanned,
      ...(page.more && last ? { NextToken: toToken(last) } : {}),
    };
  };
}

function toToken(c: TraceCursor): string {
  return Buffer.from(JSON.stringify([c.startUs, c.traceId])).toString('base64url');
}

function fromToken(token: string): TraceCursor {
  try {
    const [startUs, traceId] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof startUs === 'number' && typeof traceId === 'string') return { startUs, traceId };
  } catch {
    // fall through
  }
  throw invalidRequest('NextToken is not one this server issued');
}
