import type { SpanRow } from '@fluoro/model';
import type { FilterAst, FilterNode, ServiceTarget, StringKeyword } from './ast.js';
import { compareAnnotation, compareNumber, compareString } from './compare.js';
import { evaluateRootCause, matchesRootCauseJson } from './rootcause-eval.js';
import {
  isError,
  isFault,
  isThrottle,
  nodeType,
  responseTimeS,
  type TraceView,
  toTraceView,
} from './trace-view.js';

/**
 * The reference semantics of a filter expression, in memory: whether the trace made of `spans`
 * matches `ast`. At the top level, status, timing, HTTP, `name` and `type` keywords read the
 * root segment (as X-Ray does); `user`, `availabilityzone`, `instance.id`, `resource.arn`,
 * `message`, annotations and `partial`/`inferred` look at every row. Inside `service(){…}` and
 * `edge(){…}` every keyword reads the one node being tested. A missing value matches no
 * comparison (so `http.status != 200` needs a status); `!` negates the whole predicate.
 */
export function evaluateFilter(ast: FilterAst, spans: SpanRow[] | TraceView): boolean {
  const view = Array.isArray(spans) ? toTraceView(spans) : spans;
  return evalTrace(ast, view);
}

function evalTrace(ast: FilterAst, view: TraceView): boolean {
  switch (ast.kind) {
    case 'and':
      return ast.items.every((a) => evalTrace(a, view));
    case 'or':
      return ast.items.some((a) => evalTrace(a, view));
    case 'not':
      return !evalTrace(ast.expr, view);
    case 'service':
      return view.nodes.some(
        (n) => targets(view, n, ast.target) && (!ast.filter || evalNode(ast.filter, view, n)),
      );
    case 'edge':
      return view.nodes.some((to) => {
        const from = view.callerOf(to);
        return (
          from !== undefined &&
          targets(view, to, ast.to) &&
          targets(view, from, ast.from) &&
          (!ast.filter || evalNode(ast.filter, view, to))
        );
      });
    case 'rootcause':
      return evaluateRootCause(ast, view);
    case 'rootcauseJson':
      return matchesRootCauseJson(ast.patterns, view);
    case 'traceId':
      return (view.traceId === ast.value) === (ast.op === '=');
    case 'bool':
      if (ast.keyword === 'partial') return view.rows.some((r) => r.inProgress) === ast.value;
      if (ast.keyword === 'inferred') return view.nodes.some((n) => view.isInferred(n)) === ast.value;
      return view.root !== undefined && evalLeaf(ast, view, view.root);
    case 'number':
      if (ast.keyword === 'duration')
        return view.rows.length > 0 && compareNumber(view.durationS, ast.op, ast.value);
      return view.root !== undefined && evalLeaf(ast, view, view.root);
    case 'string':
      if (ANY_ROW.has(ast.keyword)) return view.rows.some((r) => evalLeaf(ast, view, r));
      return view.root !== undefined && evalLeaf(ast, view, view.root);
    case 'annotation':
      return view.rows.some((r) => evalLeaf(ast, view, r));
  }
}

/** String keywords X-Ray documents as "of any segment in the trace". */
const ANY_ROW: ReadonlySet<StringKeyword> = new Set([
  'user',
  'availabilityzone',
  'instance.id',
  'resource.arn',
  'message',
]);

/** A service/edge sub-filter over one node. */
function evalNode(ast: FilterAst, view: TraceView, node: SpanRow): boolean {
  switch (ast.kind) {
    case 'and':
      return ast.items.every((a) => evalNode(a, view, node));
    case 'or':
      return ast.items.some((a) => evalNode(a, view, node));
    case 'not':
      return !evalNode(ast.expr, view, node);
    case 'bool':
    case 'number':
    case 'string':
    case 'annotation':
      return evalLeaf(ast, view, node);
    default:
      // The parser keeps these out of node scopes.
      throw new Error(`'${ast.kind}' cannot be evaluated inside a service filter`);
  }
}

/** One predicate over one row (the root segment, or a node inside a service filter). */
function evalLeaf(
  ast: FilterNode<'bool' | 'number' | 'string' | 'annotation'>,
  view: TraceView,
  r: SpanRow,
): boolean {
  if (ast.kind === 'annotation')
    return r.annotations.some((a) => a.key === ast.key && compareAnnotation(a.value, ast.op, ast.value));
  if (ast.kind === 'number') {
    const v =
      ast.keyword === 'http.status'
        ? r.httpStatus
        : ast.keyword === 'index' || ast.keyword === 'coverage'
          ? null
          : responseTimeS(r);
    return compareNumber(v, ast.op, ast.value);
  }
  if (ast.kind === 'string') {
    if (ast.keyword === 'message')
      return r.exceptionMessages.some((m) => compareString(m, ast.op, ast.value));
    return compareString(stringField(view, r, ast.keyword), ast.op, ast.value);
  }
  return boolField(view, r, ast.keyword) === ast.value;
}

function boolField(view: TraceView, r: SpanRow, keyword: FilterNode<'bool'>['keyword']): boolean {
  switch (keyword) {
    case 'ok':
      return !isFault(r) && !isError(r) && !isThrottle(r);
    case 'error':
      return isError(r);
    case 'fault':
      return isFault(r);
    case 'throttle':
      return isThrottle(r);
    case 'partial':
      return r.inProgress;
    case 'inferred':
      return view.isInferred(r);
    case 'root':
      return r === view.root;
    default:
      return false;
  }
}

/** The row's value for a string keyword (`message` is a list and handled by the caller). */
export function stringField(view: TraceView, r: SpanRow, keyword: StringKeyword): string | null {
  switch (keyword) {
    case 'http.url':
      return r.httpUrl;
    case 'http.method':
      return r.httpMethod;
    case 'http.useragent':
      return r.httpUserAgent;
    case 'http.clientip':
      return r.httpClientIp;
    case 'user':
      return r.user;
    case 'name':
      return r.name;
    case 'type':
      return nodeType(view, r);
    case 'availabilityzone':
      return r.availabilityZone;
    case 'instance.id':
      return r.instanceId;
    case 'resource.arn':
      return r.resourceArn;
    case 'message':
      return null;
  }
}

function targets(view: TraceView, node: SpanRow, t: ServiceTarget): boolean {
  return (
    (t.name === undefined || node.name === t.name) &&
    (t.type === undefined || nodeType(view, node) === t.type) &&
    (t.accountId === undefined || node.accountId === t.accountId)
  );
}
