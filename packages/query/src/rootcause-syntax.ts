import type { FilterAst, RootCauseCategory, RootCauseLevel } from './ast.js';
import type { Cursor } from './cursor.js';

/** Largest `rootcause.json` pattern accepted, in characters. */
const MAX_JSON_LENGTH = 4096;

/** `rootcause.<fault|error|responsetime>.<service|entity|exception> { filter }`. */
export function parseRootCauseScope(c: Cursor, keyword: string, column: number): FilterAst {
  const [, category, level] = keyword.split('.') as [string, RootCauseCategory, RootCauseLevel];
  const open = c.expect('{', `'{'`);
  c.enter(open);
  const filter = c.subExpr(c, `rootcause.${level}`);
  c.expect('}', `'}' to close '${keyword} {'`);
  c.leave();
  return { kind: 'rootcause', category, level, filter, column };
}

/** `rootcause.json = #[ {…}, … ]`: a JSON array of root-cause patterns. */
export function parseRootCauseJson(c: Cursor, column: number): FilterAst {
  const op = c.peek();
  if (op.kind !== 'op' || op.text !== '=') c.fail(`expected '='${c.after()}`, op);
  c.next();
  const t = c.expect('json', 'a JSON array written as #[ ... ]');
  if (t.text.length > MAX_JSON_LENGTH)
    c.fail(`rootcause.json is longer than ${MAX_JSON_LENGTH} characters`, t);
  let patterns: unknown;
  try {
    patterns = JSON.parse(t.text);
  } catch (e) {
    return c.fail(`invalid JSON in rootcause.json (${(e as Error).message})`, t);
  }
  if (
    !Array.isArray(patterns) ||
    patterns.some((p) => typeof p !== 'object' || p === null || Array.isArray(p))
  ) {
    c.fail('rootcause.json must be an array of objects', t);
  }
  return { kind: 'rootcauseJson', patterns, column };
}
