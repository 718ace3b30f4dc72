import { DEFAULT_DISTRIBUTION_MS, toServiceStats, toServiceTimes, toXRayTraceId } from '@fluoro/model';
import type { Store } from '@fluoro/store';
import { ApiError, invalidRequest } from '../http/api-error.js';
import { optionalEpochSeconds } from '../http/read-input.js';
import type { RequestContext } from '../http/router.js';
import { groupFilter, loadGraphStats } from '../xray-api/graph-source.js';

/** Range used when `start`/`end` are absent: the last hour. */
const DEFAULT_RANGE_S = 3600;
const MAX_DISTRIBUTION_BOUNDS = 100;

/**
 * GET /api/service-stats?start=&end=&buckets=&group= — per service and per edge over
 * [start, end) (epoch seconds; default the last hour): request rate, error/throttle/fault
 * rates, p50/p90/p99 and average latency, and a response-time distribution over `buckets`
 * (comma-separated upper bounds in ms, ascending; default DEFAULT_DISTRIBUTION_MS). See
 * `toServiceStats` (@fluoro/model).
 */
export function getServiceStats(store: Store) {
  return async ({ url }: RequestContext) => {
    const q = url.searchParams;
    const endS = optionalEpochSeconds(q.get('end'), 'end') ?? Date.now() / 1000;
    const startS = optionalEpochSeconds(q.get('start'), 'start') ?? endS - DEFAULT_RANGE_S;
    if (endS <= startS) throw invalidRequest('end must be after start');
    const bounds = distributionBounds(q.get('buckets'));
    const group = q.get('group');
    const ast = await groupFilter(store, group ? { GroupName: group } : {});
    const range = { startUs: Math.round(startS * 1e6), endUs: Math.round(endS * 1e6) };
    const rows = await loadGraphStats(store, range, ast);
    return { start: startS, end: endS, ...toServiceStats(rows, range, bounds) };
  };
}

/**
 * GET /api/service-times?traceId= — how long one trace spent in each service (self time, µs
 * and ms; see `toServiceTimes` in @fluoro/model). 404 when the trace is unknown.
 */
export function getServiceTimes(store: Store) {
  return async ({ url }: RequestContext) => {
    const given = url.searchParams.get('traceId');
    const traceId = given ? toXRayTraceId(given) : undefined;
    if (!traceId) throw invalidRequest('traceId must be a trace id (X-Ray or W3C form)');
    const rows = await store.getSpans([traceId]);
    if (rows.length === 0) throw new ApiError(404, 'ResourceNotFoundException', `no trace ${traceId}`);
    return toServiceTimes(rows);
  };
}

function distributionBounds(v: string | null): number[] {
  if (v === null || v.trim() === '') return DEFAULT_DISTRIBUTION_MS;
  const bounds = v.split(',').map((x) => Number(x.trim()));
  if (bounds.length > MAX_DISTRIBUTION_BOUNDS || bounds.some((b) => !Number.isFinite(b) || b <= 0))
    throw invalidRequest(
      `buckets must be up to ${MAX_DISTRIBUTION_BOUNDS} positive numbers of ms, comma-separated`,
    );
  if (bounds.some((b, i) => i > 0 && b <= (bounds[i - 1] as number)))
    throw invalidRequest('buckets must be ascending');
  return bounds;
}
