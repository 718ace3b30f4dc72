/**
 * The typed syntax tree of an X-Ray filter expression. Every node carries the 1-based column
 * where it starts, so later stages (group expansion, the server's 400s) can point at it.
 */

export type BoolKeyword =
  | 'ok'
  | 'error'
  | 'throttle'
  | 'fault'
  | 'partial'
  | 'inferred'
  | 'root'
  | 'first'
  | 'last'
  | 'remote';
export type NumberKeyword = 'responsetime' | 'duration' | 'http.status' | 'index' | 'coverage';
export type StringKeyword =
  | 'http.url'
  | 'http.method'
  | 'http.useragent'
  | 'http.clientip'
  | 'user'
  | 'name'
  | 'type'
  | 'message'
  | 'availabilityzone'
  | 'instance.id'
  | 'resource.arn';

export type NumberOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
/** `matches` is Fluoro's extension (RE2 syntax, unanchored search). */
export type StringOp = '=' | '!=' | 'contains' | 'beginswith' | 'endswith' | 'matches';
export type RootCauseCategory = 'fault' | 'error' | 'responsetime';
export type RootCauseLevel = 'service' | 'entity' | 'exception';

/** Where a sub-expression is evaluated: the whole trace, one service node, or one root-cause element. */
export type Scope = 'trace' | 'service' | `rootcause.${RootCauseLevel}`;

/** A service node reference: `"name"` or `id(name:, type:, account.id:)`; omitted parts match anything. */
export interface ServiceTarget {
  name?: string;
  type?: string;
  accountId?: string;
}

interface At {
  column: number;
}

export type FilterAst =
  /** `AND` and juxtaposition; n-ary so long chains stay shallow. */
  | ({ kind: 'and'; items: FilterAst[] } & At)
  | ({ kind: 'or'; items: FilterAst[] } & At)
  | ({ kind: 'not'; expr: FilterAst } & At)
  /** `ok`, `fault = true`, `!partial` (as `not`), `root != false` (normalised to `value`). */
  | ({ kind: 'bool'; keyword: BoolKeyword; value: boolean } & At)
  | ({ kind: 'number'; keyword: NumberKeyword; op: NumberOp; value: number } & At)
  /** `op: 'set'` is the bare form (`http.url`, meaning the field is present). */
  | ({ kind: 'string'; keyword: StringKeyword; op: StringOp | 'set'; value: string } & At)
  | ({
      kind: 'annotation';
      key: string;
      op: NumberOp | StringOp | 'set';
      value: string | number | boolean | null;
    } & At)
  | ({ kind: 'service'; target: ServiceTarget; filter: FilterAst | null } & At)
  | ({ kind: 'edge'; from: ServiceTarget; to: ServiceTarget; filter: FilterAst | null } & At)
  | ({ kind: 'rootcause'; category: RootCauseCategory; level: RootCauseLevel; filter: FilterAst } & At)
  /** `rootcause.json = #[ {...}, ... ]`: each pattern must match some root cause. */
  | ({ kind: 'rootcauseJson'; patterns: unknown[] } & At)
  /** Fluoro extension: `trace.id = "1-…"` (X-Ray or W3C form, normalised to X-Ray form). */
  | ({ kind: 'traceId'; op: '=' | '!='; value: string } & At);

export type FilterNode<K extends FilterAst['kind']> = Extract<FilterAst, { kind: K }>;
