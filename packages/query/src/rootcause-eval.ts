import type { FilterAst, FilterNode } from './ast.js';
import { compareNumber, compareString } from './compare.js';
import { computeRootCauses, type RootCause, type RootCauses } from './root-causes.js';
import type { TraceView } from './trace-view.js';

/** The fields a rootcause.* sub-filter can read about one element of a root-cause path. */
interface Element {
  name?: string;
  type?: string;
  message?: string;
  inferred?: boolean;
  remote?: boolean;
  coverage?: number;
  index: number;
  first: boolean;
  last: boolean;
}

const cache = new WeakMap<TraceView, RootCauses>();

function causesOf(view: TraceView): RootCauses {
  let c = cache.get(view);
  if (!c) {
    c = computeRootCauses(view);
    cache.set(view, c);
  }
  return c;
}

const LISTS = {
  fault: 'FaultRootCauses',
  error: 'ErrorRootCauses',
  responsetime: 'ResponseTimeRootCauses',
} as const;

/** `rootcause.<category>.<level> { f }`: some element at that level of some root cause satisfies f. */
export function evaluateRootCause(ast: FilterNode<'rootcause'>, view: TraceView): boolean {
  const causes = causesOf(view)[LISTS[ast.category]];
  return causes.some((c) => elementsOf(c, ast.level).some((e) => evalElement(ast.filter, e)));
}

/** A root cause's services, its entities (all services' paths in order) or its exceptions, indexed from 0. */
function elementsOf(cause: RootCause, level: FilterNode<'rootcause'>['level']): Element[] {
  let raw: Omit<Element, 'index' | 'first' | 'last'>[];
  if (level === 'service') {
    raw = cause.Services.map((s) => ({ name: s.Name, type: s.Type, inferred: s.Inferred }));
  } else {
    const entities = cause.Services.flatMap((s) => s.EntityPath);
    raw =
      level === 'entity'
        ? entities.map((e) => ({ name: e.Name, remote: e.Remote === true, coverage: e.Coverage }))
        : entities.flatMap((e) => (e.Exceptions ?? []).map((x) => ({ name: x.Name, message: x.Message })));
  }
  return raw.map((e, index) => ({ ...e, index, first: index === 0, last: index === raw.length - 1 }));
}

function evalElement(ast: FilterAst, e: Element): boolean {
  switch (ast.kind) {
    case 'and':
      return ast.items.every((a) => evalElement(a, e));
    case 'or':
      return ast.items.some((a) => evalElement(a, e));
    case 'not':
      return !evalElement(ast.expr, e);
    case 'bool': {
      const k = ast.keyword;
      const v = k === 'first' || k === 'last' || k === 'inferred' || k === 'remote' ? e[k] === true : false;
      return v === ast.value;
    }
    case 'number':
      return compareNumber(
        ast.keyword === 'index' ? e.index : ast.keyword === 'coverage' ? e.coverage : null,
        ast.op,
        ast.value,
      );
    case 'string': {
      const k = ast.keyword;
      return compareString(k === 'name' || k === 'type' || k === 'message' ? e[k] : null, ast.op, ast.value);
    }
    default:
      throw new Error(`'${ast.kind}' cannot be evaluated inside a rootcause filter`);
  }
}

/**
 * `rootcause.json = #[p, …]`: every pattern matches some root cause (fault, error or response
 * time). Fields present in a pattern must match exactly, omitted fields match anything; arrays
 * must have the same length and match element by element.
 */
export function matchesRootCauseJson(patterns: unknown[], view: TraceView): boolean {
  const c = causesOf(view);
  const all = [...c.FaultRootCauses, ...c.ErrorRootCauses, ...c.ResponseTimeRootCauses];
  return patterns.every((p) => all.some((cause) => matchesPattern(p, cause)));
}

function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return (
      Array.isArray(value) &&
      value.length === pattern.length &&
      pattern.every((p, i) => matchesPattern(p, value[i]))
    );
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    return Object.entries(pattern).every(([k, p]) => matchesPattern(p, v[k]));
  }
  return pattern === value;
}
