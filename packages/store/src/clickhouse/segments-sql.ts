import { SEGMENT_COLUMNS, segmentFilters } from '../segment-page.js';
import type { SegmentQuery } from '../store.js';
import type { Statement } from './find-traces-sql.js';
import type { SqlParam } from './sql-literal.js';

/**
 * The ClickHouse query behind `findSegments`: one service's segments that started in the
 * range, the newest version of each (ReplacingMergeTree keeps older ones until a merge), then
 * the outcome filter and the cursor, newest first, `limit + 1` rows. `start_time` prunes
 * partitions and the sort key's hours; `start_us` is the exact bound. A segment's versions
 * share its trace, hence a shard, so `LIMIT 1 BY` is exact in cluster mode too. Pure.
 */
export function segmentsSql(q: SegmentQuery): Statement {
  const status = 'ifNull(http_status, 0)';
  const outcome = `multiIf(
      fault OR (${status} >= 500 AND ${status} < 600), 'fault',
      throttle OR ${status} = 429, 'throttle',
      error OR (${status} >= 400 AND ${status} < 500), 'error',
      'ok')`;
  const inner = `SELECT trace_id, id, name, start_us, end_us, in_progress, error, fault, throttle,
      http_method, http_url, http_status, ${outcome} AS outcome
    FROM spans
    WHERE start_time >= toDateTime(?) AND start_time <= toDateTime(?) AND start_us >= ? AND start_us < ?
      AND kind = 'segment' AND name = ?
    ORDER BY received_us DESC LIMIT 1 BY trace_id, id`;
  const params: SqlParam[] = [
    Math.floor(q.startUs / 1e6),
    Math.ceil(q.endUs / 1e6),
    q.startUs,
    q.endUs,
    q.service,
  ];
  const { where, params: filterParams } = segmentFilters(q);
  params.push(...filterParams, q.limit + 1);
  return {
    sql: `SELECT ${SEGMENT_COLUMNS.join(', ')} FROM (${inner}) WHERE ${where}
      ORDER BY start_us DESC, trace_id DESC, id DESC LIMIT ?`,
    params,
  };
}
