import { SEGMENT_COLUMNS, segmentFilters } from '../segment-page.js';
import type { SegmentQuery } from '../store.js';

/**
 * The DuckDB query behind `findSegments`: one service's segments that started in the range,
 * the newest version of each (a file may hold an in-progress version beside the complete one,
 * when the complete one came after a restart), then the outcome filter and the cursor, newest
 * first, `limit + 1` rows. Values only ever travel as `?` parameters. Pure.
 */
export function segmentsSql(q: SegmentQuery): { sql: string; params: (string | number)[] } {
  const outcome = `CASE
      WHEN fault OR (http_status >= 500 AND http_status < 600) THEN 'fault'
      WHEN throttle OR http_status = 429 THEN 'throttle'
      WHEN error OR (http_status >= 400 AND http_status < 500) THEN 'error'
      ELSE 'ok' END`;
  const params: (string | number)[] = [q.startUs, q.endUs, q.service];
  const { where, params: filterParams } = segmentFilters(q);
  params.push(...filterParams, q.limit + 1);
  return {
    sql: `WITH newest AS (
        SELECT trace_id, id, name, start_us, end_us, in_progress, error, fault, throttle,
          http_method, http_url, http_status, ${outcome} AS outcome FROM spans
        WHERE start_us >= ? AND start_us < ? AND kind = 'segment' AND name = ?
        QUALIFY row_number() OVER (PARTITION BY trace_id, id ORDER BY received_us DESC) = 1)
      SELECT ${SEGMENT_COLUMNS.join(', ')} FROM newest WHERE ${where}
      ORDER BY start_us DESC, trace_id DESC, id DESC LIMIT ?`,
    params,
  };
}
