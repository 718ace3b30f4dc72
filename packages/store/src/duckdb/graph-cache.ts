/**
 * The service graph's settled minutes, kept as aggregates (ADR 0004). A minute is settled when
 * it ended more than SETTLE_US ago: the spans of a trace that started then have arrived (traces
 * are assumed shorter than an hour), so its `GraphStatRow`s, computed once per minute, stay
 * right. Ranges longer than a few minutes read those rows instead of the spans; the unsettled
 * rest (the last two hours, and partial minutes at the edges) is computed from the spans.
 * A write carrying rows that start in or near cached minutes (late data) drops them first.
 */

export const MINUTE_US = 60e6;
/** Minutes ending more than this long ago are cached: twice the longest trace accounted for. */
export const SETTLE_US = 2 * 3600e6;
/** Below this many settled minutes a range is computed from the spans alone. */
const MIN_CACHED_MINUTES = 10;
/** Minutes filled per step; writes run between steps, so ingest waits at most one step. */
export const FILL_STEP_MINUTES = 60;

export const GRAPH_CACHE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS graph_minutes (
    minute_us BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    src_name VARCHAR,
    src_type VARCHAR,
    tgt_name VARCHAR NOT NULL,
    tgt_type VARCHAR NOT NULL,
    inferred BOOLEAN NOT NULL,
    alias_name VARCHAR,
    alias_type VARCHAR,
    duration_bucket_us BIGINT NOT NULL,
    n BIGINT NOT NULL,
    ok BIGINT NOT NULL,
    error BIGINT NOT NULL,
    throttle BIGINT NOT NULL,
    fault BIGINT NOT NULL,
    sum_duration_us BIGINT NOT NULL,
    min_start_us BIGINT NOT NULL,
    max_end_us BIGINT NOT NULL
  )`,
  'CREATE TABLE IF NOT EXISTS graph_minutes_done (minute_us BIGINT NOT NULL)',
];

export interface CachePlan {
  /** Whole settled minutes [fromUs, toUs) read from the cache. */
  fromUs: number;
  toUs: number;
  /** The parts of the range computed from the spans. */
  live: [number, number][];
}

/**
 * How to answer [startUs, endUs): which whole minutes come from the cache and which parts from
 * the spans. Undefined when the range holds too few settled minutes to be worth it, or when the
 * time buckets asked for are not whole minutes.
 */
export function planGraphCache(
  startUs: number,
  endUs: number,
  periodUs: number,
  nowUs: number,
): CachePlan | undefined {
  if (periodUs % MINUTE_US !== 0) return undefined;
  const fromUs = Math.ceil(startUs / MINUTE_US) * MINUTE_US;
  const toUs =
    Math.min(Math.floor(endUs / MINUTE_US), Math.floor((nowUs - SETTLE_US) / MINUTE_US)) * MINUTE_US;
  if (toUs - fromUs < MIN_CACHED_MINUTES * MINUTE_US) return undefined;
  const live: [number, number][] = [];
  if (startUs < fromUs) live.push([startUs, fromUs]);
  if (toUs < endUs) live.push([toUs, endUs]);
  return { fromUs, toUs, live };
}

/** The runs of minutes in [fromUs, toUs) not in `done`, cut into steps of at most FILL_STEP_MINUTES. */
export function missingMinutes(fromUs: number, toUs: number, done: Set<number>): [number, number][] {
  const runs: [number, number][] = [];
  for (let m = fromUs; m < toUs; m += MINUTE_US) {
    if (done.has(m)) continue;
    const last = runs.at(-1);
    if (last && last[1] === m && last[1] - last[0] < FILL_STEP_MINUTES * MINUTE_US) last[1] = m + MINUTE_US;
    else runs.push([m, m + MINUTE_US]);
  }
  return runs;
}

/** The cached rows of [fromUs, toUs), re-bucketed: by `periodUs` (whole minutes), or all in one bucket. */
export function cachedGraphStatsSql(periodUs: number): string {
  const bucket = periodUs > 0 ? 'minute_us - (minute_us % CAST(? AS BIGINT))' : 'CAST(? AS BIGINT)';
  return `SELECT kind, ${bucket} AS bucket_us, src_name, src_type, tgt_name, tgt_type, inferred,
      alias_name, alias_type, duration_bucket_us, CAST(sum(n) AS BIGINT), CAST(sum(ok) AS BIGINT),
      CAST(sum(error) AS BIGINT), CAST(sum(throttle) AS BIGINT), CAST(sum(fault) AS BIGINT),
      CAST(sum(sum_duration_us) AS BIGINT), min(min_start_us), max(max_end_us)
    FROM graph_minutes WHERE minute_us >= ? AND minute_us < ?
    GROUP BY ALL`;
}
