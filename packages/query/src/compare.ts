import type { NumberOp, StringOp } from './ast.js';
import { regexMatches } from './safe-regex.js';

/** A number comparison; a missing value (null) never matches. */
export function compareNumber(v: number | null | undefined, op: NumberOp, x: number): boolean {
  if (v === null || v === undefined) return false;
  switch (op) {
    case '=':
      return v === x;
    case '!=':
      return v !== x;
    case '<':
      return v < x;
    case '<=':
      return v <= x;
    case '>':
      return v > x;
    case '>=':
      return v >= x;
  }
}

/** A string comparison (case-sensitive); `set` only asks that the value exists. A missing value never matches. */
export function compareString(v: string | null | undefined, op: StringOp | 'set', x: string): boolean {
  if (v === null || v === undefined) return false;
  switch (op) {
    case 'set':
      return true;
    case '=':
      return v === x;
    case '!=':
      return v !== x;
    case 'contains':
      return v.includes(x);
    case 'beginswith':
      return v.startsWith(x);
    case 'endswith':
      return v.endsWith(x);
    case 'matches':
      return regexMatches(x, v);
  }
}

/**
 * An annotation comparison. Types are strict: a number value only matches number annotations,
 * a string value string annotations, `true`/`false` boolean annotations. The bare form asks
 * that the annotation is set, and for a boolean annotation that it is true.
 */
export function compareAnnotation(
  v: string | number | boolean,
  op: NumberOp | StringOp | 'set',
  x: string | number | boolean | null,
): boolean {
  if (op === 'set') return v !== false;
  if (typeof v !== typeof x) return false;
  if (typeof v === 'number') return compareNumber(v, op as NumberOp, x as number);
  if (typeof v === 'string') return compareString(v, op as StringOp, x as string);
  if (op === '=') return v === x;
  if (op === '!=') return v !== x;
  return false;
}
