import type { FilterAst, ServiceTarget, StringKeyword } from './ast.js';
import { annotationCompare, type Ctx, nodeLevel, nodeType, orFalse, rowBool } from './compile-row.js';
import { sqlDialect } from './sql-dialect.js';
import {
  type Dialect,
  FALSE,
  type Fragment,
  join,
  raw,
  type SqlPredicate,
  sql,
  TRUE,
} from './sql-fragment.js';

/**
 * Compiles a filter expression to a predicate over `trace_id` for a store dialect:
 * `trace_id IN (SELECT trace_id FROM (spans + derived columns) GROUP BY trace_id HAVING …)`.
 * Each top-level keyword becomes an aggregate over the trace's rows (the root segment's row for
 * root-level keywords, any row for the any-segment ones), `service(){…}` an aggregate over node
 * rows, annotations a sub-select on the `annotations` table. Every user value is a `?` parameter.
 *
 * `edge()`, `rootcause.*` and `rootcause.json` are not expressed exactly in SQL: the predicate
 * then selects a superset of the matching traces (under `!` it is flipped accordingly), and the
 * caller must keep only the traces for which `evaluateFilter` holds. `needsPostFilter(ast)` says
 * when; `findMatchingTraces` does the whole dance.
 */
export function compileFilter(ast: FilterAst, dialect: Dialect, window?: TimeWindow): SqlPredicate {
  const d = sqlDialect(dialect);
  const w: [number, number] | undefined = window
    ? [window.startUs - WINDOW_MARGIN_US, window.endUs + WINDOW_MARGIN_US]
    : undefined;
  const spans = d.spans(w);
  const ctx: Ctx = { d, annotations: d.annotations(w), needRoot: false, needInferred: false };
  const having = traceLevel(ast, ctx, true);
  const cols: Fragment[] = [raw('*')];
  if (ctx.needInferred) cols.push(sql`${isInferred(spans)} AS is_inferred`);
  const grouped = (rows: Fragment, extra: Fragment[], guard: Fragment) =>
    sql`trace_id IN (SELECT trace_id FROM (SELECT ${join([...cols, ...extra], ', ')} FROM ${rows} s0) t
      GROUP BY trace_id HAVING ${guard}${having})`;
  if (!ctx.needRoot) return done(grouped(spans, [], raw('')));
  // The root is found two ways, so the common case stays one cheap pass: traces with an entry
  // segment (no parent) take the earliest entry; only the rest (whose entry has not arrived, or
  // was not traced) pay for finding segments whose parent is not in the trace.
  const entry = raw(ENTRY);
  const multi = sql`SELECT trace_id, ${d.firstId} AS first_id FROM ${spans} e WHERE ${entry} GROUP BY trace_id HAVING count(*) > 1`;
  const entryRoot = sql`(${entry} AND (trace_id NOT IN (SELECT trace_id FROM (${multi}) m1)
    OR concat(trace_id, ' ', id) IN (SELECT concat(trace_id, ' ', first_id) FROM (${multi}) m2))) AS is_root`;
  const orphans = sql`(SELECT * FROM ${spans} o0 WHERE trace_id NOT IN (SELECT trace_id FROM ${spans} o1 WHERE ${entry}))`;
  const dangling = sql`SELECT * FROM ${orphans} d0 WHERE kind = 'segment'
    AND concat(trace_id, ' ', parent_id) NOT IN (SELECT concat(trace_id, ' ', id) FROM ${orphans} d1)`;
  const orphanRoot = sql`concat(trace_id, ' ', id) IN
    (SELECT concat(trace_id, ' ', ${d.firstId}) FROM (${dangling}) d2 GROUP BY trace_id) AS is_root`;
  return done(
    sql`(${grouped(spans, [entryRoot], sql`${anyRow(entry)} AND `)} OR ${grouped(orphans, [orphanRoot], raw(''))})`,
  );
}

const ENTRY = "(kind = 'segment' AND parent_id IS NULL)";

function done(f: Fragment): SqlPredicate {
  return { sql: f.sql, params: f.params };
}

/**
 * The query's time range (epoch µs). With it, only span rows starting within an hour of the
 * range are read (as the stores' time-range logic does), instead of the whole table.
 */
export interface TimeWindow {
  startUs: number;
  endUs: number;
}

/** How far outside the window rows are still read: the stores' longest accounted trace. */
const WINDOW_MARGIN_US = 3600e6;

/** Whether `compileFilter`'s predicate only preselects, so matches must be confirmed with `evaluateFilter`. */
export function needsPostFilter(ast: FilterAst): boolean {
  switch (ast.kind) {
    case 'and':
    case 'or':
      return ast.items.some(needsPostFilter);
    case 'not':
      return needsPostFilter(ast.expr);
    case 'edge':
    case 'rootcause':
    case 'rootcauseJson':
      return true;
    default:
      return false;
  }
}

function isInferred(spans: Fragment): Fragment {
  return sql`(kind = 'subsegment' AND namespace IN ('aws', 'remote') AND concat(trace_id, ' ', id) NOT IN
    (SELECT concat(trace_id, ' ', parent_id) FROM ${spans} s1 WHERE kind = 'segment' AND parent_id IS NOT NULL))`;
}

/** True when some row satisfies `p` (inside GROUP BY trace_id). */
function anyRow(p: Fragment): Fragment {
  return sql`(max(CASE WHEN ${p} THEN 1 ELSE 0 END) = 1)`;
}

/**
 * A top-level (trace scope) expression as a HAVING condition. `positive` is false under an odd
 * number of `!`: inexact leaves then compile to a subset (FALSE) instead of a superset.
 */
function traceLevel(ast: FilterAst, ctx: Ctx, positive: boolean): Fragment {
  switch (ast.kind) {
    case 'and':
      return ast.items.length === 0
        ? TRUE
        : sql`(${join(
            ast.items.map((a) => traceLevel(a, ctx, positive)),
            ' AND ',
          )})`;
    case 'or':
      return sql`(${join(
        ast.items.map((a) => traceLevel(a, ctx, positive)),
        ' OR ',
      )})`;
    case 'not':
      return sql`(NOT ${traceLevel(ast.expr, ctx, !positive)})`;
    case 'traceId':
      return ast.op === '=' ? sql`(trace_id = ${ast.value})` : sql`(trace_id != ${ast.value})`;
    case 'service':
      return anyRow(
        sql`${isNode(ctx)} AND ${target(ast.target, ctx)} AND ${ast.filter ? nodeLevel(ast.filter, ctx) : TRUE}`,
      );
    case 'edge': {
      if (!positive) return FALSE;
      // Superset: a callee node passing the filter and a caller node both exist.
      const to = anyRow(
        sql`${isNode(ctx)} AND ${target(ast.to, ctx)} AND ${ast.filter ? nodeLevel(ast.filter, ctx) : TRUE}`,
      );
      return sql`(${to} AND ${anyRow(sql`kind = 'segment' AND ${target(ast.from, ctx)}`)})`;
    }
    case 'rootcause':
      if (!positive) return FALSE;
      // Superset: a fault (error) root cause needs a faulting (erroring) row.
      if (ast.category === 'responsetime') return TRUE;
      return anyRow(rowBool(ast.category, ctx));
    case 'rootcauseJson':
      return positive ? TRUE : FALSE;
    case 'annotation':
      return sql`(trace_id IN (SELECT trace_id FROM ${ctx.annotations} a WHERE key = ${ast.key} AND ${annotationCompare(ast, ctx)}))`;
    case 'bool': {
      if (ast.keyword === 'partial' || ast.keyword === 'inferred') {
        const any = anyRow(rowBool(ast.keyword, ctx));
        return ast.value ? any : sql`(NOT ${any})`;
      }
      return onRoot(nodeLevel(ast, ctx), ctx);
    }
    case 'number':
      if (ast.keyword === 'duration') {
        const d = raw('(coalesce(max(end_us), min(start_us)) - min(start_us)) / 1e6');
        return sql`(${d} ${raw(ast.op)} ${ast.value})`;
      }
      return onRoot(nodeLevel(ast, ctx), ctx);
    case 'string':
      return ANY_ROW.has(ast.keyword) ? anyRow(nodeLevel(ast, ctx)) : onRoot(nodeLevel(ast, ctx), ctx);
  }
}

const ANY_ROW: ReadonlySet<StringKeyword> = new Set([
  'user',
  'availabilityzone',
  'instance.id',
  'resource.arn',
  'message',
]);

function onRoot(p: Fragment, ctx: Ctx): Fragment {
  ctx.needRoot = true;
  return anyRow(sql`is_root AND ${p}`);
}

function isNode(ctx: Ctx): Fragment {
  ctx.needInferred = true;
  return raw("(kind = 'segment' OR is_inferred)");
}

function target(t: ServiceTarget, ctx: Ctx): Fragment {
  const parts: Fragment[] = [];
  if (t.name !== undefined) parts.push(sql`name = ${t.name}`);
  if (t.type !== undefined) parts.push(orFalse(sql`${nodeType(ctx)} = ${t.type}`));
  if (t.accountId !== undefined) parts.push(orFalse(sql`account_id = ${t.accountId}`));
  return parts.length === 0 ? TRUE : sql`(${join(parts, ' AND ')})`;
}
