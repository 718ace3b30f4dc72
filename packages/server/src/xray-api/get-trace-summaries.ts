import { type SpanRow, toTraceSummary } from '@fluoro/model';
import {
  computeRootCauses,
  type FilterAst,
  FilterSyntaxError,
  findMatchingTraces,
  type GroupLookup,
  parseFilter,
} from '@fluoro/query';
import type { Store, TimeRangeType, TraceCursor } from '@fluoro/store';
import { invalidRequest } from '../http/api-error.js';
import { asObject, optionalString, requiredEpochUs } from '../http/read-input.js';

/** Traces per GetTraceSummaries page. */
const PAGE_SIZE = 100;
const RANGE_TYPES = new Set<TimeRangeType>(['TraceId', 'Event', 'Service']);

/** Parses a filter expression, answering a syntax error as a 400 that names the column. */
export function parseFilterOrThrow(expression: string, groups?: GroupLookup): FilterAst {
  try {
    return parseFilter(expression, groups ? { groups } : {});
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw invalidRequest(`FilterExpression: ${e.message}`);
    throw e;
  }
}

/**
 * GetTraceSummaries (POST /TraceSummaries): traces in [StartTime, EndTime) by TimeRangeType,
 * newest first, PAGE_SIZE per page with an opaque NextToken, each summarised from all its rows.
 * Fluoro never samples the results: `Sampling` is accepted and every matching trace is returned.
 * `FilterExpression` is X-Ray's filter language (packages/query); a syntax error is a 400 naming the column.
 */
export function getTraceSummaries(store: Store, groups?: () => Promise<GroupLookup>) {
  return async ({ body }: { body: unknown }) => {
    const o = asObject(body);
    const startUs = requiredEpochUs(o, 'StartTime');
    const endUs = requiredEpochUs(o, 'EndTime');
    if (endUs <= startUs) throw invalidRequest('EndTime must be after StartTime');
    const timeRangeType = (optionalString(o, 'TimeRangeType') ?? 'TraceId') as TimeRangeType;
    if (!RANGE_TYPES.has(timeRangeType))
      throw invalidRequest('TimeRangeType must be TraceId, Event or Service');
    const expression = optionalString(o, 'FilterExpression');
    const ast =
      expression !== undefined && expression.trim() !== ''
        ? parseFilterOrThrow(expression, groups ? await groups() : undefined)
        : undefined;
    const token = optionalString(o, 'NextToken');
    const after = token === undefined ? undefined : fromToken(token);
    const query = { startUs, endUs, timeRangeType, limit: PAGE_SIZE, ...(after ? { after } : {}) };
    const page = ast ? await findMatchingTraces(store, query, ast) : await store.findTraces(query);
    const ids = page.traces.map((t) => t.traceId);
    const spans = await store.getSpans(ids);
    const byTrace = new Map<string, SpanRow[]>();
    for (const r of spans) {
      const list = byTrace.get(r.traceId);
      if (list) list.push(r);
      else byTrace.set(r.traceId, [r]);
    }
    const last = page.traces.at(-1);
    return {
      TraceSummaries: ids.flatMap((id) => {
        const rows = byTrace.get(id);
        return rows ? [{ ...toTraceSummary(rows), ...computeRootCauses(rows) }] : [];
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
