import type { AnnotationValue } from '@fluoro/model';
import { MAX_SEGMENT_PAGE, type SegmentCursor, type SegmentOutcome, type Store } from '@fluoro/store';
import { invalidRequest } from '../http/api-error.js';
import { optionalEpochSeconds } from '../http/read-input.js';
import type { RequestContext } from '../http/router.js';

/** Range used when `start`/`end` are absent: the last hour. */
const DEFAULT_RANGE_S = 3600;
/** Rows per page when `limit` is absent. */
const DEFAULT_LIMIT = 100;
const OUTCOMES: readonly SegmentOutcome[] = ['ok', 'error', 'fault', 'throttle'];

/**
 * GET /api/segments?service=&start=&end=&limit=&outcome=&minDuration=&before= — every
 * invocation of one service: its segments (trace roots or not) that started in [start, end)
 * (epoch seconds; default the last hour), newest first, `limit` per page (default 100, at most
 * 1000), optionally of one outcome and only those that took at least `minDuration` seconds.
 * `next` is the `before` of the following page, present while more remain. Bad parameters are
 * a 400 naming the parameter.
 */
export function getSegments(store: Store) {
  return async ({ url }: RequestContext) => {
    const q = url.searchParams;
    const service = q.get('service');
    if (!service) throw invalidRequest('service is required: a service (segment) name');
    const endS = optionalEpochSeconds(q.get('end'), 'end') ?? Date.now() / 1000;
    const startS = optionalEpochSeconds(q.get('start'), 'start') ?? endS - DEFAULT_RANGE_S;
    if (endS <= startS) throw invalidRequest('end must be after start');
    const limit = optionalLimit(q.get('limit'));
    const outcome = q.get('outcome') || undefined;
    if (outcome !== undefined && !OUTCOMES.includes(outcome as SegmentOutcome))
      throw invalidRequest(`outcome must be one of ${OUTCOMES.join(', ')}`);
    const minDuration = optionalDuration(q.get('minDuration'));
    const token = q.get('before') || undefined;
    const before = token === undefined ? undefined : fromCursor(token);
    const page = await store.findSegments({
      service,
      startUs: Math.round(startS * 1e6),
      endUs: Math.round(endS * 1e6),
      limit,
      ...(outcome ? { outcome: outcome as SegmentOutcome } : {}),
      ...(minDuration !== undefined ? { minDurationUs: Math.round(minDuration * 1e6) } : {}),
      ...(before ? { before } : {}),
    });
    const last = page.segments.at(-1);
    return {
      service,
      start: startS,
      end: endS,
      segments: await withAnnotations(store, page.segments),
      ...(page.more && last ? { next: toCursor(last) } : {}),
    };
  };
}

/**
 * Each row with its segment's annotations (`{key: value}`): what tells one worker job from
 * another (`job_id`, `queue`). Read from the page's traces' span rows, as GetTraceSummaries
 * reads them, in one call.
 */
async function withAnnotations<T extends { traceId: string; id: string }>(
  store: Store,
  rows: T[],
): Promise<(T & { annotations: Record<string, AnnotationValue> })[]> {
  if (rows.length === 0) return [];
  const byEntity = new Map<string, Record<string, AnnotationValue>>();
  for (const span of await store.getSpans([...new Set(rows.map((r) => r.traceId))])) {
    if (span.annotations.length === 0) continue;
    const annotations: Record<string, AnnotationValue> = {};
    for (const a of span.annotations) annotations[a.key] = a.value;
    byEntity.set(`${span.traceId}/${span.id}`, annotations);
  }
  return rows.map((r) => ({ ...r, annotations: byEntity.get(`${r.traceId}/${r.id}`) ?? {} }));
}

/** The opaque `next`/`before` token: the last row's start, trace id and segment id. */
export function toCursor(c: SegmentCursor): string {
  return Buffer.from(JSON.stringify([c.startUs, c.traceId, c.id])).toString('base64url');
}

function fromCursor(token: string): SegmentCursor {
  try {
    const [startUs, traceId, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (Number.isSafeInteger(startUs) && typeof traceId === 'string' && typeof id === 'string')
      return { startUs: startUs as number, traceId, id };
  } catch {
    // fall through
  }
  throw invalidRequest('before must be a next cursor this server returned');
}

/** `minDuration`: seconds, as X-Ray's `duration` and `responsetime` filters count them. */
function optionalDuration(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 86_400 * 365)
    throw invalidRequest('minDuration must be a number of seconds, 0 or more');
  return n;
}

function optionalLimit(v: string | null): number {
  if (v === null || v === '') return DEFAULT_LIMIT;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEGMENT_PAGE)
    throw invalidRequest(`limit must be an integer from 1 to ${MAX_SEGMENT_PAGE}`);
  return n;
}
