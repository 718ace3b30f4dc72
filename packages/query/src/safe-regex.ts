import { RE2JS } from 're2js';
import { FilterSyntaxError } from './filter-syntax-error.js';

/** Longest pattern accepted by `MATCHES`, in characters. */
export const MAX_REGEX_LENGTH = 256;

const cache = new Map<string, RE2JS>();

/**
 * `MATCHES` uses RE2 semantics everywhere: re2js (a pure-JS port of RE2, linear time, no
 * backtracking) in the evaluator, DuckDB's `regexp_matches` and ClickHouse's `match`, which are
 * both RE2. Matching is an unanchored search; use `^…$` to match a whole value.
 */
export function checkRegex(pattern: string, column: number): void {
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw new FilterSyntaxError(`regular expression is longer than ${MAX_REGEX_LENGTH} characters`, column);
  }
  try {
    compiled(pattern);
  } catch (e) {
    throw new FilterSyntaxError(`invalid regular expression (${(e as Error).message})`, column);
  }
}

/** Whether `value` contains a match of the (already checked) RE2 `pattern`. */
export function regexMatches(pattern: string, value: string): boolean {
  return compiled(pattern).matcher(value).find();
}

function compiled(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    if (cache.size > 500) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}
