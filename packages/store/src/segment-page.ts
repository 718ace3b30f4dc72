import type { SegmentOutcome, SegmentPage, SegmentQuery } from './store.js';

/** Most segments one page may hold (the API's `limit` is capped to it too). */
export const MAX_SEGMENT_PAGE = 1000;

/** The columns both stores' segment queries select, in this order, under these names. */
export const SEGMENT_COLUMNS = [
  'trace_id',
  'id',
  'name',
  'start_us',
  'end_us',
  'in_progress',
  'error',
  'fault',
  'throttle',
  'http_method',
  'http_url',
  'http_status',
  'outcome',
] as const;

/**
 * The conditions both stores' segment queries apply to the newest version of each segment
 * (outcome, minimum duration, the cursor), with `?` placeholders and their values in order.
 */
export function segmentFilters(q: SegmentQuery): { where: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  if (q.outcome) {
    clauses.push('outcome = ?');
    params.push(q.outcome);
  }
  if (q.minDurationUs !== undefined) {
    clauses.push('end_us IS NOT NULL AND end_us - start_us >= ?');
    params.push(q.minDurationUs);
  }
  if (q.before) {
    clauses.push('(start_us < ? OR (start_us = ? AND (trace_id < ? OR (trace_id = ? AND id < ?))))');
    const b = q.before;
    params.push(b.startUs, b.startUs, b.traceId, b.traceId, b.id);
  }
  return { where: clauses.length > 0 ? clauses.join(' AND ') : '1 = 1', params };
}

/**
 * A page from the `limit + 1` rows a store's segment query returned. Pure: DuckDB gives
 * BigInts and booleans, ClickHouse 64-bit integers as strings and UInt8 flags; both read here.
 */
export function toSegmentPage(records: Record<string, unknown>[], limit: number): SegmentPage {
  return {
    segments: records.slice(0, limit).map((r) => {
      const startUs = Number(r['start_us']);
      const end = r['end_us'];
      const status = r['http_status'];
      return {
        traceId: String(r['trace_id']),
        id: String(r['id']),
        name: String(r['name']),
        startUs,
        durationUs: end === null || end === undefined ? null : Number(end) - startUs,
        inProgress: flag(r['in_progress']),
        outcome: String(r['outcome']) as SegmentOutcome,
        error: flag(r['error']),
        fault: flag(r['fault']),
        throttle: flag(r['throttle']),
        httpMethod: nullableString(r['http_method']),
        httpUrl: nullableString(r['http_url']),
        httpStatus: status === null || status === undefined ? null : Number(status),
      };
    }),
    more: records.length > limit,
  };
}

function flag(v: unknown): boolean {
  return v === true || v === 1 || v === '1';
}

function nullableString(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
