import type { BoolKeyword, FilterAst, FilterNode, StringKeyword } from './ast.js';
import type { SqlDialect } from './sql-dialect.js';
import { FALSE, type Fragment, join, raw, sql, TRUE } from './sql-fragment.js';

/** Compilation state: the dialect, and which derived columns (`is_root`, `is_inferred`) the SQL uses. */
export interface Ctx {
  d: SqlDialect;
  needRoot: boolean;
  needInferred: boolean;
}

/**
 * A predicate over one `spans` row (the root segment, or a node inside a service filter), as
 * two-valued SQL: every comparison is guarded by `IS NOT NULL`, so `NOT` flips it exactly as
 * the evaluator's `!` does.
 */
export function nodeLevel(ast: FilterAst, ctx: Ctx): Fragment {
  switch (ast.kind) {
    case 'and':
      return ast.items.length === 0
        ? TRUE
        : sql`(${join(
            ast.items.map((a) => nodeLevel(a, ctx)),
            ' AND ',
          )})`;
    case 'or':
      return sql`(${join(
        ast.items.map((a) => nodeLevel(a, ctx)),
        ' OR ',
      )})`;
    case 'not':
      return sql`(NOT ${nodeLevel(ast.expr, ctx)})`;
    case 'bool': {
      const p = rowBool(ast.keyword, ctx);
      return ast.value ? p : sql`(NOT ${p})`;
    }
    case 'number': {
      if (ast.keyword === 'http.status')
        return sql`(http_status IS NOT NULL AND http_status ${raw(ast.op)} ${ast.value})`;
      if (ast.keyword === 'index' || ast.keyword === 'coverage') return FALSE;
      return sql`(end_us IS NOT NULL AND (end_us - start_us) / 1e6 ${raw(ast.op)} ${ast.value})`;
    }
    case 'string': {
      if (ast.keyword === 'message') return ctx.d.anyElement('exception_messages', ast.op, ast.value);
      const col = stringColumn(ast.keyword, ctx);
      if (ast.op === 'set') return sql`(${col} IS NOT NULL)`;
      return sql`(${col} IS NOT NULL AND ${ctx.d.stringCompare(col, ast.op, ast.value)})`;
    }
    case 'annotation':
      return sql`(concat(trace_id, ' ', id) IN (SELECT concat(trace_id, ' ', span_id) FROM annotations
        WHERE key = ${ast.key} AND ${annotationCompare(ast, ctx)}))`;
    default:
      throw new Error(`'${ast.kind}' cannot be compiled inside a service filter`);
  }
}

const FAULT = '(fault OR (http_status IS NOT NULL AND http_status >= 500))';
const ERROR = '(error OR (http_status IS NOT NULL AND http_status >= 400 AND http_status < 500))';
const THROTTLE = '(throttle OR (http_status IS NOT NULL AND http_status = 429))';

/** A boolean keyword as a row predicate. */
export function rowBool(keyword: BoolKeyword, ctx: Ctx): Fragment {
  switch (keyword) {
    case 'ok':
      return raw(`(NOT ${FAULT} AND NOT ${ERROR} AND NOT ${THROTTLE})`);
    case 'fault':
      return raw(FAULT);
    case 'error':
      return raw(ERROR);
    case 'throttle':
      return raw(THROTTLE);
    case 'partial':
      return raw('in_progress');
    case 'inferred':
      ctx.needInferred = true;
      return raw('is_inferred');
    case 'root':
      ctx.needRoot = true;
      return raw('is_root');
    default:
      return FALSE;
  }
}

const COLUMNS: Partial<Record<StringKeyword, string>> = {
  'http.url': 'http_url',
  'http.method': 'http_method',
  'http.useragent': 'http_user_agent',
  'http.clientip': 'http_client_ip',
  user: 'user_name',
  name: 'name',
  availabilityzone: 'availability_zone',
  'instance.id': 'instance_id',
  'resource.arn': 'resource_arn',
};

function stringColumn(keyword: StringKeyword, ctx: Ctx): Fragment {
  if (keyword === 'type') return nodeType(ctx);
  return raw(COLUMNS[keyword] as string);
}

/** A node's service type (see `nodeType` in trace-view.ts). */
export function nodeType(ctx: Ctx): Fragment {
  ctx.needInferred = true;
  return raw(`(CASE WHEN kind = 'segment' THEN nullif(origin, '') WHEN is_inferred THEN
    (CASE WHEN origin != '' THEN origin WHEN namespace = 'aws' THEN concat('AWS::', name) ELSE 'remote' END)
    ELSE NULL END)`);
}

/** The value test on an `annotations` row, typed like `compareAnnotation`. */
export function annotationCompare(ast: FilterNode<'annotation'>, ctx: Ctx): Fragment {
  const { op, value } = ast;
  if (op === 'set') return raw('(bool_value IS NULL OR bool_value)');
  if (typeof value === 'number') return sql`(num_value IS NOT NULL AND num_value ${raw(op)} ${value})`;
  if (typeof value === 'boolean') {
    // true/false are compiler-chosen SQL, not user text.
    const same = op === '=';
    return raw(`(bool_value IS NOT NULL AND ${value === same ? 'bool_value' : 'NOT bool_value'})`);
  }
  const s = value ?? '';
  if (
    op === '=' ||
    op === '!=' ||
    op === 'contains' ||
    op === 'beginswith' ||
    op === 'endswith' ||
    op === 'matches'
  ) {
    return sql`(str_value IS NOT NULL AND ${ctx.d.stringCompare(raw('str_value'), op, s)})`;
  }
  return FALSE;
}
