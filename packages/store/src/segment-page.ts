import type { SegmentOutcome, SegmentPage } from './store.js';

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
