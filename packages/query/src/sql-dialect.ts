import type { StringOp } from './ast.js';
import { type Dialect, type Fragment, raw, sql } from './sql-fragment.js';

/**
 * The few places the two dialects differ. ClickHouse SQL stays within 18.16: no Map/JSON,
 * no window functions, no FILTER clauses; arrays, argMinIf and position() are fine.
 */
export interface SqlDialect {
  /** `col <op> value` for a non-null string column expression. */
  stringCompare(col: Fragment, op: StringOp, value: string): Fragment;
  /** Whether any element of the string-array column satisfies `op value`; `set`: the array is non-empty. */
  anyElement(col: string, op: StringOp | 'set', value: string): Fragment;
  /** Per trace (inside GROUP BY trace_id): the root segment's id, as `toTraceTree` picks it. */
  rootId: Fragment;
  /** Span rows starting in [loUs, hiUs), in a form the dialect's indexes can use. */
  startBetween(loUs: number, hiUs: number): Fragment;
}

const ROOT_ENTRY = "kind = 'segment' AND parent_id IS NULL";
const ROOT_DANGLING = "kind = 'segment' AND dangling";

export function sqlDialect(d: Dialect): SqlDialect {
  return d === 'duckdb' ? DUCKDB : CLICKHOUSE;
}

const DUCKDB: SqlDialect = {
  stringCompare(col, op, value) {
    switch (op) {
      case '=':
        return sql`${col} = ${value}`;
      case '!=':
        return sql`${col} <> ${value}`;
      case 'contains':
        return sql`contains(${col}, ${value})`;
      case 'beginswith':
        return sql`starts_with(${col}, ${value})`;
      case 'endswith':
        return sql`ends_with(${col}, ${value})`;
      case 'matches':
        return sql`regexp_matches(${col}, ${value})`;
    }
  },
  anyElement(col, op, value) {
    // coalesce: a list written empty by the appender can read back as NULL.
    if (op === 'set') return raw(`(coalesce(len(${col}), 0) > 0)`);
    return sql`(coalesce(len(list_filter(${raw(col)}, m -> ${DUCKDB.stringCompare(raw('m'), op, value)})), 0) > 0)`;
  },
  startBetween: (lo, hi) => sql`start_us >= ${lo} AND start_us < ${hi}`,
  rootId: raw(
    `CASE WHEN count(*) FILTER (WHERE ${ROOT_ENTRY}) > 0
      THEN arg_min(id, (start_us, id)) FILTER (WHERE ${ROOT_ENTRY})
      ELSE arg_min(id, (start_us, id)) FILTER (WHERE ${ROOT_DANGLING}) END`,
  ),
};

const CLICKHOUSE: SqlDialect = {
  stringCompare(col, op, value) {
    switch (op) {
      case '=':
        return sql`${col} = ${value}`;
      case '!=':
        return sql`${col} != ${value}`;
      case 'contains':
        return sql`position(${col}, ${value}) > 0`;
      case 'beginswith':
        return sql`startsWith(${col}, ${value})`;
      case 'endswith':
        return sql`endsWith(${col}, ${value})`;
      case 'matches':
        return sql`match(${col}, ${value})`;
    }
  },
  anyElement(col, op, value) {
    if (op === 'set') return raw(`notEmpty(${col})`);
    return sql`arrayExists(m -> ${CLICKHOUSE.stringCompare(raw('m'), op, value)}, ${raw(col)})`;
  },
  // start_time (seconds, the partition and sort key) prunes; start_us is the exact bound.
  startBetween: (lo, hi) =>
    sql`start_time >= toDateTime(${Math.floor(lo / 1e6)}) AND start_time <= toDateTime(${Math.ceil(hi / 1e6)})
      AND start_us >= ${lo} AND start_us < ${hi}`,
  rootId: raw(
    `if(countIf(${ROOT_ENTRY}) > 0,
      argMinIf(id, (start_us, id), ${ROOT_ENTRY}),
      argMinIf(id, (start_us, id), ${ROOT_DANGLING}))`,
  ),
};
