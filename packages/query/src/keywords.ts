import type { BoolKeyword, NumberKeyword, Scope, StringKeyword } from './ast.js';

/** Keywords by value type (§4.2), lower-case; matching is case-insensitive. */
export const BOOL_KEYWORDS: ReadonlySet<string> = new Set<BoolKeyword>([
  'ok',
  'error',
  'throttle',
  'fault',
  'partial',
  'inferred',
  'root',
  'first',
  'last',
  'remote',
]);
export const NUMBER_KEYWORDS: ReadonlySet<string> = new Set<NumberKeyword>([
  'responsetime',
  'duration',
  'http.status',
  'index',
  'coverage',
]);
export const STRING_KEYWORDS: ReadonlySet<string> = new Set<StringKeyword>([
  'http.url',
  'http.method',
  'http.useragent',
  'http.clientip',
  'user',
  'name',
  'type',
  'message',
  'availabilityzone',
  'instance.id',
  'resource.arn',
]);

const ROOTCAUSE_ONLY = new Set(['first', 'last', 'remote', 'index', 'coverage']);
const ROOTCAUSE_ALLOWED = new Set([...ROOTCAUSE_ONLY, 'inferred', 'name', 'type', 'message']);
/** Keywords that only make sense at the top level of an expression. */
export const TRACE_ONLY = new Set([
  'service',
  'edge',
  'group.name',
  'group.arn',
  'rootcause.json',
  'trace.id',
]);

/**
 * Why `keyword` cannot be used in `scope`, or undefined when it can. Root-cause filters see only
 * the fields of a root-cause element; service and edge filters see one node's own fields.
 */
export function scopeProblem(keyword: string, scope: Scope): string | undefined {
  const rootcause = keyword.startsWith('rootcause.') && keyword !== 'rootcause.json';
  if (scope === 'trace') {
    return ROOTCAUSE_ONLY.has(keyword) ? `'${keyword}' can only be used inside rootcause.* { }` : undefined;
  }
  if (scope === 'service') {
    if (ROOTCAUSE_ONLY.has(keyword)) return `'${keyword}' can only be used inside rootcause.* { }`;
    if (TRACE_ONLY.has(keyword) || rootcause)
      return `'${keyword}' cannot be used inside a service or edge filter`;
    return undefined;
  }
  if (keyword.startsWith('annotation')) return `'${keyword}' cannot be used inside a rootcause filter`;
  return ROOTCAUSE_ALLOWED.has(keyword) ? undefined : `'${keyword}' cannot be used inside a rootcause filter`;
}
