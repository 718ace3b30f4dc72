import type { TraceQuery } from '../store.js';
import type { SqlParam } from './sql-literal.js';

/** Longest trace the time-range queries account for: rows this far outside the range are read to find a trace's true start. */
export const MAX_TRACE_SPAN_US = 3600e6;

export interface Statement {
  sql: string;
  params: SqlParam[];
}

/**
 * The two queries behind `findTraces`: one page of matching traces (`limit + 1` rows, newest
 * trace start first, ties by trace id descending, after the cursor) and the count of traces in
 * the range whatever the filter (X-Ray's TracesProcessedCount). Both group the span rows of the
 * range, padded by MAX_TRACE_SPAN_US, by trace. The filter is a predicate on `trace_id`, so
 * applying it to span rows keeps or drops whole traces; in cluster mode its subqueries then run
 * on each shard (distributed_product_mode=local), where a trace's rows all are.
 */
export function findTracesSql(q: TraceQuery): { page: Statement; count: Statement } {
  const lo = q.startUs - MAX_TRACE_SPAN_US;
  const hi = q.endUs + MAX_TRACE_SPAN_US;
  // start_time (seconds) prunes partitions and the sort key; start_us is the exact bound.
  const where =
    'start_time >= toDateTime(?) AND start_time <= toDateTime(?) AND start_us >= ? AND start_us < ?';
  const whereParams: SqlParam[] = [Math.floor(lo / 1e6), Math.ceil(hi / 1e6), lo, hi];
  let having: string;
  let havingParams: SqlParam[];
  if (q.timeRangeType === 'Event') {
    having = 'trace_start_us < ? AND coalesce(max(end_us), max(start_us)) >= ?';
    havingParams = [q.endUs, q.startUs];
  } else if (q.timeRangeType === 'Service') {
    having = "countIf(kind = 'segment' AND ifNull(end_us, -1) >= ? AND ifNull(end_us, -1) < ?) > 0";
    havingParams = [q.startUs, q.endUs];
  } else {
    having = 'trace_start_us >= ? AND trace_start_us < ?';
    havingParams = [q.startUs, q.endUs];
  }
  // trace_start_us, not start_us: ClickHouse substitutes aliases everywhere in a query, so an
  // aggregate aliased start_us would land in the WHERE clause.
  const inRange = `SELECT trace_id, min(start_us) AS trace_start_us FROM spans WHERE ${where}`;
  const filter = q.filter?.('clickhouse') ?? { sql: '1', params: [] };
  let cursor = '1';
  let cursorParams: SqlParam[] = [];
  if (q.after) {
    cursor = '(trace_start_us < ? OR (trace_start_us = ? AND trace_id < ?))';
    cursorParams = [q.after.startUs, q.after.startUs, q.after.traceId];
  }
  return {
    page: {
      sql: `${inRange} AND (${filter.sql}) GROUP BY trace_id HAVING (${having}) AND ${cursor}
        ORDER BY trace_start_us DESC, trace_id DESC LIMIT ?`,
      params: [...whereParams, ...filter.params, ...havingParams, ...cursorParams, q.limit + 1],
    },
    count: {
      sql: `SELECT count() AS scanned FROM (${inRange} GROUP BY trace_id HAVING ${having})`,
      params: [...whereParams, ...havingParams],
    },
  };
}
