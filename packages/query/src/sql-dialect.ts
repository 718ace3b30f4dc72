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
  /** Per group: the id of the row with the smallest (start_us, id), as `toTraceTree` orders roots. */
  firstId: Fragment;
  /**
   * The span rows a filter reads: the newest version of each document's rows, starting in
   * [loUs, hiUs) when a window is given.
   */
  spans(window?: [loUs: number, hiUs: number]): Fragment;
  /** The annotation rows a filter reads, likewise. */
  annotations(window?: [loUs: number, hiUs: number]): Fragment;
}

/** How far before a span its document may start (the document's entity is its ancestor). */
const DOCUMENT_MARGIN_US = 3600e6;

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
  // The DuckDB store deletes a document's earlier rows when it is replaced, so every row is current.
  spans: (w) =>
    w ? sql`(SELECT * FROM spans WHERE start_us >= ${w[0]} AND start_us < ${w[1]})` : raw('spans'),
  annotations: () => raw('annotations'),
  firstId: raw('arg_min(id, (start_us, id))'),
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
  // ClickHouse keeps a replaced document's rows until a merge: read only the newest version's.
  // start_time (seconds, the partition and sort key) prunes; start_us is the exact bound.
  spans: (w) => sql`(SELECT * FROM spans WHERE ${w ? sql`${chWindow(w)} AND ` : raw('')}${chNewest(w)})`,
  annotations: (w) =>
    sql`(SELECT * FROM annotations WHERE ${w ? sql`start_us >= ${w[0]} AND start_us < ${w[1]} AND ` : raw('')}${chNewest(w)})`,
  firstId: raw('argMin(id, (start_us, id))'),
};

function chWindow([lo, hi]: [number, number]): Fragment {
  return sql`start_time >= toDateTime(${Math.floor(lo / 1e6)}) AND start_time <= toDateTime(${Math.ceil(hi / 1e6)})
    AND start_us >= ${lo} AND start_us < ${hi}`;
}

function chNewest(w: [number, number] | undefined): Fragment {
  const docs = w ? sql`WHERE ${chWindow([w[0] - DOCUMENT_MARGIN_US, w[1]])}` : raw('');
  return sql`(trace_id, doc_id, received_us) IN (SELECT trace_id, id, max(received_us) FROM documents ${docs} GROUP BY trace_id, id)`;
}
