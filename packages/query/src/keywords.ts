import {
  FILTER_BOOL_KEYWORDS,
  FILTER_NUMBER_KEYWORDS,
  FILTER_STRING_KEYWORDS,
  ROOTCAUSE_ONLY_KEYWORDS,
  TRACE_ONLY_KEYWORDS,
} from '@fluoro/model/browser';
import type { BoolKeyword, NumberKeyword, Scope, StringKeyword } from './ast.js';

// The lists live in @fluoro/model (the console completes them); these typed copies fail to
// compile if a listed keyword is not one the AST knows.
const BOOLS: readonly BoolKeyword[] = FILTER_BOOL_KEYWORDS;
const NUMBERS: readonly NumberKeyword[] = FILTER_NUMBER_KEYWORDS;
const STRINGS: readonly StringKeyword[] = FILTER_STRING_KEYWORDS;

/** Keywords by value type (§4.2), lower-case; matching is case-insensitive. */
export const BOOL_KEYWORDS: ReadonlySet<string> = new Set(BOOLS);
export const NUMBER_KEYWORDS: ReadonlySet<string> = new Set(NUMBERS);
export const STRING_KEYWORDS: ReadonlySet<string> = new Set(STRINGS);

const ROOTCAUSE_ONLY: ReadonlySet<string> = new Set(ROOTCAUSE_ONLY_KEYWORDS);
const ROOTCAUSE_ALLOWED = new Set([...ROOTCAUSE_ONLY, 'inferred', 'name', 'type', 'message']);
/** Keywords that only make sense at the top level of an expression. */
export const TRACE_ONLY: ReadonlySet<string> = new Set(TRACE_ONLY_KEYWORDS);

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
