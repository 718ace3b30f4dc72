import { durationBucketSql, type GraphStatRow } from '@fluoro/model';
import type { GraphQuery } from '../store.js';
import { MAX_TRACE_SPAN_US, type Statement } from './find-traces-sql.js';
import { type SqlParam, toSqlLiteral } from './sql-literal.js';

/**
 * The service graph's aggregates (`GraphStatRow`s) in ClickHouse: the twin of the DuckDB
 * store's graph-stats-sql.ts and of `toGraphStats` in @fluoro/model, held to the latter by the
 * store conformance suite. Written for 18.16, which has no CTEs: `window` selects the window's
 * rows once into a session's temporary table (GRAPH_WINDOW), which `stats` reads nine times;
 * one JOIN per SELECT (nested), `ANY` joins with marker columns instead of NULLs for "no match",
 * explicit types across UNION ALL.
 *
 * Rows come from the window `[startUs - pad, endUs + pad)`, only each document's newest version
 * and one copy of each row (replaced or retried rows linger until a merge), so a call's callee
 * segment and owning segment are found across the range's edges; only entities that started in
 * `[startUs, endUs)` are counted. A filter keeps whole traces; in cluster mode its subqueries run
 * per shard, and every join is within a trace.
 */
export function graphStatsSql(q: GraphQuery): { window: Statement; stats: Statement } {
  const lo = q.startUs - MAX_TRACE_SPAN_US;
  const hi = q.endUs + MAX_TRACE_SPAN_US;
  const params: SqlParam[] = [];
  const filter = q.filter?.('clickhouse');
  params.push(Math.floor(lo / 1e6), Math.ceil(hi / 1e6), lo, hi);
  params.push(Math.floor((lo - MAX_TRACE_SPAN_US) / 1e6), Math.ceil(hi / 1e6));
  if (filter) params.push(...filter.params);
  const windowSql = `SELECT trace_id, id, ifNull(parent_id, '') AS parent, parent_id IS NULL AS is_root, doc_id, kind,
      name, namespace, origin, start_us, end_us, error, fault, throttle, http_status, remote_type
    FROM spans
    WHERE start_time >= toDateTime(?) AND start_time <= toDateTime(?) AND start_us >= ? AND start_us < ?
      AND (trace_id, doc_id, received_us) IN (SELECT trace_id, id, max(received_us) FROM documents
        WHERE start_time >= toDateTime(?) AND start_time <= toDateTime(?) GROUP BY trace_id, id)
      ${filter ? `AND (${filter.sql})` : ''}
    LIMIT 1 BY trace_id, doc_id, id`;
  const window = { sql: windowSql, params: params.splice(0) };
  const inRange = () => {
    params.push(q.startUs, q.endUs);
    return 'end_us IS NOT NULL AND start_us >= ? AND start_us < ?';
  };
  const NULL = 'CAST(NULL AS Nullable(String))';
  const measured = (cols: string) =>
    `${cols}, start_us, assumeNotNull(end_us) AS finish_us, error, fault, throttle, http_status`;

  const nodes = `SELECT ${measured(`'node' AS stat_kind, ${NULL} AS src_name, ${NULL} AS src_type, name AS tgt_name,
      origin AS tgt_type, toUInt8(0) AS inferred, ${NULL} AS alias_name, ${NULL} AS alias_type`)}
    FROM ${GRAPH_WINDOW} WHERE kind = 'segment' AND ${inRange()}`;
  const clientEdges = `SELECT ${measured(`'edge', toNullable('client'), toNullable('client'), name, origin, toUInt8(0),
      ${NULL}, ${NULL}`)}
    FROM ${GRAPH_WINDOW} WHERE kind = 'segment' AND is_root AND ${inRange()}`;
  // Calls: a subsegment calling out (aws/remote), or one a segment names as its parent. The
  // caller is the segment owning the subsegment's document (its own entity, or for a
  // subsegment sent on its own, the segment it names as parent).
  const calls = `SELECT trace_id, doc_id, id AS call_id, name, namespace, remote_type, start_us, end_us, error, fault,
      throttle, http_status
    FROM ${GRAPH_WINDOW} WHERE kind = 'subsegment' AND ${inRange()}`;
  const owners = `SELECT trace_id, doc_id, owner_name, owner_origin FROM
    (SELECT trace_id, doc_id, if(kind = 'segment', id, parent) AS owner_id FROM ${GRAPH_WINDOW} WHERE id = doc_id)
    ANY INNER JOIN
    (SELECT trace_id, id AS owner_id, name AS owner_name, origin AS owner_origin FROM ${GRAPH_WINDOW} WHERE kind = 'segment')
    USING (trace_id, owner_id)`;
  const callees = `SELECT trace_id, call_id, argMin((name, origin), start_us) AS callee, toUInt8(1) AS has_callee FROM
    (SELECT trace_id, parent AS call_id, name, origin, start_us FROM ${GRAPH_WINDOW} WHERE kind = 'segment' AND NOT is_root)
    ANY INNER JOIN
    (SELECT trace_id, id AS call_id FROM ${GRAPH_WINDOW} WHERE kind = 'subsegment')
    USING (trace_id, call_id)
    GROUP BY trace_id, call_id`;
  const remoteType = "ifNull(remote_type, 'remote')";
  const callEdges = `SELECT ${measured(`'edge', toNullable(owner_name), toNullable(owner_origin),
      if(has_callee = 1, callee.1, name), if(has_callee = 1, callee.2, ${remoteType}), toUInt8(has_callee = 0),
      if(has_callee = 1, toNullable(name), ${NULL}), if(has_callee = 1, toNullable(${remoteType}), ${NULL})`)}
    FROM (SELECT * FROM (${calls}) ANY INNER JOIN (${owners}) USING (trace_id, doc_id))
    ANY LEFT JOIN (${callees}) USING (trace_id, call_id)
    WHERE namespace IN ('aws', 'remote') OR has_callee = 1`;
  // A segment whose parent is another service's segment: called by that service, measured by
  // its own segment (the caller recorded nothing of the call).
  const segmentEdges = `SELECT ${measured(`'edge', toNullable(caller_name), toNullable(caller_origin), name, origin,
      toUInt8(0), ${NULL}, ${NULL}`)}
    FROM (SELECT trace_id, parent AS caller_id, name, origin, start_us, end_us, error, fault, throttle, http_status
      FROM ${GRAPH_WINDOW} WHERE kind = 'segment' AND NOT is_root AND ${inRange()})
    ANY INNER JOIN
    (SELECT trace_id, id AS caller_id, name AS caller_name, origin AS caller_origin
      FROM ${GRAPH_WINDOW} WHERE kind = 'segment')
    USING (trace_id, caller_id)
    WHERE caller_name != name OR caller_origin != origin`;

  const status = 'ifNull(http_status, 0)';
  const periodUs = q.periodUs ?? 0;
  // A literal, not a `?`: it sits before the subqueries whose parameters are already collected.
  const bucket =
    periodUs > 0
      ? `start_us - (start_us % ${toSqlLiteral(periodUs)})`
      : `toInt64(${toSqlLiteral(q.startUs)})`;
  // finish_us and stat_kind, not end_us and kind: ClickHouse substitutes an alias wherever its
  // name appears in the SELECT, so `... AS kind` would rewrite the `kind = 'segment'` beside it.
  const dur = 'greatest(finish_us - start_us, 0)';
  const sql = `SELECT stat_kind, bucket_us, src_name, src_type, tgt_name, tgt_type, inferred, alias_name, alias_type,
      ${durationBucketSql(dur, (a, b) => `intDiv(${a}, ${b})`)} AS duration_bucket_us,
      count() AS n_count, countIf(outcome = 'ok') AS n_ok, countIf(outcome = 'error') AS n_error,
      countIf(outcome = 'throttle') AS n_throttle, countIf(outcome = 'fault') AS n_fault,
      sum(finish_us - start_us) AS sum_duration_us, min(start_us) AS min_start_us, max(finish_us) AS max_end_us
    FROM (
      SELECT *, ${bucket} AS bucket_us, multiIf(
          fault OR (${status} >= 500 AND ${status} < 600), 'fault',
          throttle OR ${status} = 429, 'throttle',
          error OR (${status} >= 400 AND ${status} < 500), 'error',
          'ok') AS outcome
      FROM (${nodes} UNION ALL ${clientEdges} UNION ALL ${callEdges} UNION ALL ${segmentEdges})
    )
    GROUP BY stat_kind, bucket_us, src_name, src_type, tgt_name, tgt_type, inferred, alias_name, alias_type,
      duration_bucket_us`;
  return { window, stats: { sql, params } };
}

/** The temporary table holding the window's rows for one graphStats call. */
export const GRAPH_WINDOW = 'graph_window';

/** Its columns: what `window` selects. */
export const GRAPH_WINDOW_COLUMNS = `trace_id String, id String, parent String, is_root UInt8, doc_id String,
  kind String, name String, namespace String, origin String, start_us Int64, end_us Nullable(Int64), error UInt8,
  fault UInt8, throttle UInt8, http_status Nullable(Int32), remote_type Nullable(String)`;

/** A row of `graphStatsSql`'s answer (JSONEachRow: 64-bit integers arrive as strings). */
export function toGraphStatRow(r: Record<string, unknown>): GraphStatRow {
  const key = (name: unknown, type: unknown) =>
    name === null || name === undefined ? null : { name: String(name), type: String(type ?? '') };
  return {
    kind: r['stat_kind'] === 'node' ? 'node' : 'edge',
    bucketUs: Number(r['bucket_us']),
    source: key(r['src_name'], r['src_type']),
    target: { name: String(r['tgt_name']), type: String(r['tgt_type'] ?? '') },
    inferred: Number(r['inferred']) === 1,
    alias: key(r['alias_name'], r['alias_type']),
    durationBucketUs: Number(r['duration_bucket_us']),
    count: Number(r['n_count']),
    ok: Number(r['n_ok']),
    error: Number(r['n_error']),
    throttle: Number(r['n_throttle']),
    fault: Number(r['n_fault']),
    sumDurationUs: Number(r['sum_duration_us']),
    minStartUs: Number(r['min_start_us']),
    maxEndUs: Number(r['max_end_us']),
  };
}
