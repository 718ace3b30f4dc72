import type { FilterAst, Scope } from './ast.js';
import { Cursor, type GroupLookup } from './cursor.js';
import { FilterSyntaxError } from './filter-syntax-error.js';
import { type Token, tokenize } from './lexer.js';
import { parsePredicate } from './predicates.js';

export type { GroupLookup } from './cursor.js';

export interface ParseOptions {
  /** Resolves `group.name = "…"` / `group.arn = "…"` to the group's filter expression. Without it, group references fail. */
  groups?: GroupLookup;
  /** Longest accepted expression, in characters. Default 10,000. */
  maxLength?: number;
  /** Deepest accepted nesting of parentheses, braces and `!`. Default 100. */
  maxDepth?: number;
}

const DEFAULT_MAX_LENGTH = 10_000;
const DEFAULT_MAX_DEPTH = 100;
/** How many groups may refer to one another in a chain. */
const MAX_GROUP_CHAIN = 5;

/**
 * Parses an X-Ray filter expression into its syntax tree. Keywords and AND/OR are
 * case-insensitive; juxtaposition means AND. Throws FilterSyntaxError (with a 1-based column) on
 * any error, including input longer than `maxLength` or nested deeper than `maxDepth`; it never
 * recurses more than `maxDepth` levels, so hostile input cannot overflow the stack.
 */
export function parseFilter(text: string, options: ParseOptions = {}): FilterAst {
  return parseWith(text, options, []);
}

function parseWith(text: string, options: ParseOptions, expanding: readonly string[]): FilterAst {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (text.length > maxLength) {
    throw new FilterSyntaxError(`filter expression is longer than ${maxLength} characters`, maxLength + 1);
  }
  const tokens = tokenize(text);
  if (tokens.length === 1) throw new FilterSyntaxError('empty filter expression', 1);
  const c = new Cursor(tokens, options.maxDepth ?? DEFAULT_MAX_DEPTH, parseOr, options.groups, expanding);
  c.groupParser = (t, ref, key) => expandGroup(c, t, ref, key, options);
  const ast = parseOr(c, 'trace');
  const end = c.peek();
  if (end.kind !== 'eof') {
    c.fail(
      end.kind === ')' || end.kind === '}' ? `unbalanced '${end.text}'` : `unexpected '${end.text}'`,
      end,
    );
  }
  return ast;
}

function parseOr(c: Cursor, scope: Scope): FilterAst {
  const first = c.peek();
  const items = [parseAnd(c, scope)];
  while (c.isWord('or')) {
    c.next();
    items.push(parseAnd(c, scope));
  }
  return items.length === 1 ? (items[0] as FilterAst) : { kind: 'or', items, column: first.column };
}

function parseAnd(c: Cursor, scope: Scope): FilterAst {
  const first = c.peek();
  const items = [parseNot(c, scope)];
  for (;;) {
    if (c.isWord('and')) {
      c.next();
      items.push(parseNot(c, scope));
    } else if (startsTerm(c.peek())) {
      items.push(parseNot(c, scope));
    } else {
      break;
    }
  }
  return items.length === 1 ? (items[0] as FilterAst) : { kind: 'and', items, column: first.column };
}

function startsTerm(t: Token): boolean {
  if (t.kind === '!' || t.kind === '(' || t.kind === 'annotation') return true;
  return t.kind === 'word' && t.text.toLowerCase() !== 'or' && t.text.toLowerCase() !== 'and';
}

function parseNot(c: Cursor, scope: Scope): FilterAst {
  const t = c.peek();
  if (t.kind === '!') {
    c.next();
    c.enter(t);
    const expr = parseNot(c, scope);
    c.leave();
    return { kind: 'not', expr, column: t.column };
  }
  if (t.kind === '(') {
    c.next();
    c.enter(t);
    const expr = parseOr(c, scope);
    c.expect(')', `')' to close the '(' at column ${t.column}`);
    c.leave();
    return expr;
  }
  if (t.kind === 'eof') c.fail(`expected a keyword${c.after()}`, t);
  return parsePredicate(c, scope);
}

function expandGroup(
  c: Cursor,
  t: Token,
  ref: { name?: string; arn?: string },
  key: string,
  o: ParseOptions,
): FilterAst {
  if (!c.groups) c.fail('group references are not available here', t);
  if (c.expanding.includes(key)) c.fail(`group '${key}' refers to itself`, t);
  if (c.expanding.length >= MAX_GROUP_CHAIN)
    c.fail(`groups refer to each other more than ${MAX_GROUP_CHAIN} deep`, t);
  const text = c.groups(ref);
  if (text === undefined) c.fail(`no group ${ref.name !== undefined ? 'named' : 'with ARN'} '${key}'`, t);
  // A group without a filter expression matches every trace.
  if (text.trim() === '') return { kind: 'and', items: [], column: t.column };
  try {
    return parseWith(text, o, [...c.expanding, key]);
  } catch (e) {
    if (e instanceof FilterSyntaxError)
      c.fail(`group '${key}' has an invalid filter expression: ${e.message}`, t);
    throw e;
  }
}
