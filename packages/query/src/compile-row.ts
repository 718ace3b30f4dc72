import type { BoolKeyword, FilterAst, FilterNode, StringKeyword } from './ast.js';
import type { SqlDialect } from './sql-dialect.js';
import { FALSE, type Fragment, join, raw, sql, TRUE } from './sql-fragment.js';

/** Compilation state: the dialect, and which derived columns (`is_root`, `is_inferred`) the SQL uses. */
export interface Ctx {
  d: SqlDialect;
  /** The annotation rows to read (`annotations`, or a windowed, newest-version sub-select). */
  annotations: Fragment;
  needRoot: boolean;
  needInferred: boolean;
}

/**
 * A comparison on a nullable column, made two-valued: a missing value is false. (ClickHouse
 * 18.16's AND/OR return NULL when any argument is NULL, so guards like `x IS NOT NULL AND …`
 * are not enough there; `coalesce` at each comparison is exact in both dialects.)
 */
export function orFalse(cmp: Fragment): Fragment {
  return sql`coalesce(${cmp}, ${FALSE})`;
}

/**
 * A predicate over one `spans` row (the root segment, or a node inside a service filter), as
 * two-valued SQL (never NULL), so `NOT` flips it exactly as the evaluator's `!` does.
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
      if (ast.keyword === 'http.status') return orFalse(sql`http_status ${raw(ast.op)} ${ast.value}`);
      if (ast.keyword === 'index' || ast.keyword === 'coverage') return FALSE;
      return orFalse(sql`(end_us - start_us) / 1e6 ${raw(ast.op)} ${ast.value}`);
    }
    case 'string': {
      if (ast.keyword === 'message') return ctx.d.anyElement('exception_messages', ast.op, ast.value);
      const col = stringColumn(ast.keyword, ctx);
      if (ast.op === 'set') return sql`(${col} IS NOT NULL)`;
      return orFalse(ctx.d.stringCompare(col, ast.op, ast.value));
    }
    case 'annotation':
      return sql`(concat(trace_id, ' ', id) IN (SELECT concat(trace_id, ' ', span_id) FROM ${ctx.annotations} a
        WHERE key = ${ast.key} AND ${annotationCompare(ast, ctx)}))`;
    default:
      throw new Error(`'${ast.kind}' cannot be compiled inside a service filter`);
  }
}

const FAULT = '(fault OR coalesce(http_status >= 500, 1 = 0))';
const ERROR = '(error OR coalesce(http_status >= 400 AND http_status < 500, 1 = 0))';
const THROTTLE = '(throttle OR coalesce(http_status = 429, 1 = 0))';

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
    coalesce(nullif(remote_type, ''),
      CASE WHEN origin != '' THEN origin WHEN namespace = 'aws' THEN concat('AWS::', name) ELSE 'remote' END)
    ELSE NULL END)`);
}

/** The value test on an `annotations` row, typed like `compareAnnotation`. */
export function annotationCompare(ast: FilterNode<'annotation'>, ctx: Ctx): Fragment {
  const { op, value } = ast;
  if (op === 'set') return raw('coalesce(bool_value, 1 = 1)');
  if (typeof value === 'number') return orFalse(sql`num_value ${raw(op)} ${value}`);
  if (typeof value === 'boolean') {
    // true/false are compiler-chosen SQL, not user text.
    const same = op === '=';
    return orFalse(raw(value === same ? 'bool_value' : 'NOT bool_value'));
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
    return orFalse(ctx.d.stringCompare(raw('str_value'), op, s));
  }
  return FALSE;
}
