import { durationBucketSql } from '@fluoro/model';
import type { SqlPredicate } from '../store.js';

export interface GraphStatsParams {
  windowStartUs: number;
  windowEndUs: number;
  startUs: number;
  endUs: number;
  /** Time-bucket width in µs; 0: one bucket, starting at `bucketStartUs` (default `startUs`). */
  periodUs: number;
  bucketStartUs?: number;
  filter: SqlPredicate | undefined;
}

/**
 * The service graph's aggregates (`GraphStatRow`s) in one DuckDB query: the SQL twin of
 * `toGraphStats` in @fluoro/model, held to it by the store conformance suite.
 *
 * Rows are read from a window `[startUs - pad, endUs + pad)` (`pad`: the longest trace the
 * time-range queries account for) so that a call's callee segment and owning segment are found
 * even across the range's edges; only entities that started in `[startUs, endUs)` are counted.
 * Rows arrive in time order, so DuckDB's zone maps on `start_us` skip everything else.
 *
 * Edges: the client to each segment with no parent; each call subsegment's owner to its callee
 * (or inferred node); and a segment's parent segment's service to it when that is another
 * service (`toCalls`' rule), measured by the segment.
 *
 * The owning segment of a subsegment is the segment of its document, or, for a subsegment sent
 * on its own, the segment its document names as parent (one level: deeper chains of separately
 * sent subsegments are left out here while `toGraphStats` walks them).
 *
 * Returns the SQL with positional parameters (the filter's own `?`s in their place).
 */
export function graphStatsSql(p: GraphStatsParams): { sql: string; params: (string | number | boolean)[] } {
  const dur = 'greatest(end_us - start_us, 0)';
  const bucket =
    p.periodUs > 0 ? 'start_us - (start_us % CAST($bucket AS BIGINT))' : 'CAST($bucket AS BIGINT)';
  // Inlined rather than materialised: each use scans only the columns and row groups it needs.
  const template = `WITH w AS NOT MATERIALIZED (
    SELECT trace_id, id, parent_id, doc_id, kind, name, namespace, origin, start_us, end_us,
      error, fault, throttle, http_status, remote_type
    FROM spans WHERE start_us >= $wstart AND start_us < $wend $filter $traces
  ),
  segs AS (SELECT trace_id, id, parent_id, name, origin, start_us FROM w WHERE kind = 'segment'),
  -- Keyed by the parent id alone: only subsegments look callees up (below), which is the
  -- reference's "a segment whose parent is a subsegment" without joining to check the kind.
  callees AS (
    SELECT trace_id, parent_id AS call_id, arg_min([name, origin], start_us) AS callee
    FROM segs WHERE parent_id IS NOT NULL
    GROUP BY trace_id, parent_id
  ),
  owners AS (
    SELECT d.trace_id, d.doc_id, g.name, g.origin
    FROM (SELECT trace_id, doc_id, CASE WHEN kind = 'segment' THEN id ELSE parent_id END AS owner_id
          FROM w WHERE id = doc_id) d
    JOIN segs g ON g.trace_id = d.trace_id AND g.id = d.owner_id
  ),
  measured AS (
    SELECT 'node' AS kind, NULL AS src_name, NULL AS src_type, name AS tgt_name, origin AS tgt_type,
      false AS inferred, NULL AS alias_name, NULL AS alias_type,
      start_us, end_us, error, fault, throttle, http_status
    FROM w WHERE kind = 'segment' AND end_us IS NOT NULL AND start_us >= $start AND start_us < $end
    UNION ALL
    SELECT 'edge', 'client', 'client', name, origin, false, NULL, NULL,
      start_us, end_us, error, fault, throttle, http_status
    FROM w WHERE kind = 'segment' AND parent_id IS NULL AND end_us IS NOT NULL
      AND start_us >= $start AND start_us < $end
    UNION ALL
    SELECT 'edge', o.name, o.origin,
      coalesce(e.callee[1], c.name), coalesce(e.callee[2], coalesce(c.remote_type, 'remote')),
      e.callee IS NULL,
      CASE WHEN e.callee IS NULL THEN NULL ELSE c.name END,
      CASE WHEN e.callee IS NULL THEN NULL ELSE coalesce(c.remote_type, 'remote') END,
      c.start_us, c.end_us, c.error, c.fault, c.throttle, c.http_status
    FROM w c
    JOIN owners o ON o.trace_id = c.trace_id AND o.doc_id = c.doc_id
    LEFT JOIN callees e ON e.trace_id = c.trace_id AND e.call_id = c.id
    WHERE c.kind = 'subsegment' AND c.end_us IS NOT NULL AND c.start_us >= $start AND c.start_us < $end
      AND (c.namespace IN ('aws', 'remote') OR e.callee IS NOT NULL)
    UNION ALL
    -- A segment whose parent is another service's segment: called by that service, measured
    -- by its own segment (the caller recorded nothing of the call).
    SELECT 'edge', p.name, p.origin, c.name, c.origin, false, NULL, NULL,
      c.start_us, c.end_us, c.error, c.fault, c.throttle, c.http_status
    FROM w c
    JOIN segs p ON p.trace_id = c.trace_id AND p.id = c.parent_id
    WHERE c.kind = 'segment' AND c.end_us IS NOT NULL AND c.start_us >= $start AND c.start_us < $end
      AND (p.name <> c.name OR p.origin <> c.origin)
  ),
  classified AS (
    SELECT *, CASE
        WHEN fault OR (http_status >= 500 AND http_status < 600) THEN 'fault'
        WHEN throttle OR http_status = 429 THEN 'throttle'
        WHEN error OR (http_status >= 400 AND http_status < 500) THEN 'error'
        ELSE 'ok' END AS outcome
    FROM measured
  )
  SELECT kind, ${bucket} AS bucket_us, src_name, src_type, tgt_name, tgt_type, inferred,
    alias_name, alias_type, ${durationBucketSql(dur, (a, b) => `(${a} // ${b})`)} AS duration_bucket_us,
    count(*) AS n,
    count(*) FILTER (WHERE outcome = 'ok') AS ok,
    count(*) FILTER (WHERE outcome = 'error') AS error,
    count(*) FILTER (WHERE outcome = 'throttle') AS throttle,
    count(*) FILTER (WHERE outcome = 'fault') AS fault,
    CAST(sum(end_us - start_us) AS BIGINT) AS sum_duration_us,
    min(start_us) AS min_start_us, max(end_us) AS max_end_us
  FROM classified
  GROUP BY ALL`;
  const values: Record<string, number> = {
    wstart: p.windowStartUs,
    wend: p.windowEndUs,
    start: p.startUs,
    end: p.endUs,
    bucket: p.periodUs > 0 ? p.periodUs : (p.bucketStartUs ?? p.startUs),
  };
  const params: (string | number | boolean)[] = [];
  const sql = template.replace(/\$(\w+)/g, (_m, name: string) => {
    if (name === 'traces') {
      // A range much shorter than its window (the edges of a cached range, a few minutes): join
      // only the traces that have something in the range, not every row of the window.
      if (p.endUs - p.startUs >= p.startUs - p.windowStartUs) return '';
      params.push(p.startUs, p.endUs);
      return 'AND trace_id IN (SELECT trace_id FROM spans WHERE start_us >= ? AND start_us < ?)';
    }
    if (name === 'filter') {
      if (!p.filter) return '';
      params.push(...p.filter.params);
      return `AND (${p.filter.sql})`;
    }
    const v = values[name];
    if (v === undefined) throw new Error(`graphStatsSql: no value for $${name}`);
    params.push(v);
    return '?';
  });
  return { sql, params };
}
