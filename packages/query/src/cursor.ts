import type { FilterAst, Scope } from './ast.js';
import { FilterSyntaxError } from './filter-syntax-error.js';
import type { Token, TokenKind } from './lexer.js';

/** How a group reference is resolved: by name or ARN to its saved filter expression (undefined: no such group). */
export type GroupLookup = (ref: { name?: string; arn?: string }) => string | undefined;

/** The parser's position in the token list, plus what nested parsing needs. */
export class Cursor {
  private i = 0;
  depth = 0;
  /** Expands a group reference to the group's parsed expression; set by the parser. */
  groupParser: (at: Token, ref: { name?: string; arn?: string }, key: string) => FilterAst = (at) =>
    this.fail('group references are not available here', at);

  constructor(
    private readonly tokens: Token[],
    readonly maxDepth: number,
    /** Parses a nested `{ ... }` / `( ... )` expression in a scope; set by the parser. */
    readonly subExpr: (c: Cursor, scope: Scope) => FilterAst,
    readonly groups: GroupLookup | undefined,
    /** Names of groups being expanded (cycle detection). */
    readonly expanding: readonly string[],
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  /** The previous token (for "after 'x'" messages). */
  prev(): Token | undefined {
    return this.tokens[this.i - 1];
  }

  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'word' && t.text.toLowerCase() === word;
  }

  expect(kind: TokenKind, what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) this.fail(`expected ${what}${this.after()}`, t);
    return this.next();
  }

  /** " after 'responsetime >'" built from the last one or two tokens, for error messages. */
  after(): string {
    const a = this.tokens[this.i - 2];
    const b = this.tokens[this.i - 1];
    if (!b) return '';
    const text = (t: Token) =>
      t.kind === 'string'
        ? JSON.stringify(t.text)
        : t.kind === 'annotation'
          ? `annotation[${t.text}]`
          : t.text;
    const pair = a && b.kind === 'op' ? `${text(a)} ${text(b)}` : text(b);
    return ` after '${pair}'`;
  }

  fail(reason: string, at: Token = this.peek()): never {
    throw new FilterSyntaxError(reason, at.column);
  }

  enter(at: Token): void {
    this.depth++;
    if (this.depth > this.maxDepth) this.fail(`expression nests deeper than ${this.maxDepth} levels`, at);
  }

  leave(): void {
    this.depth--;
  }
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** The token as a number, or undefined when it is not a numeric literal. */
export function numberOf(t: Token): number | undefined {
  if (t.kind !== 'word' || !NUMBER.test(t.text)) return undefined;
  const n = Number(t.text);
  return Number.isFinite(n) ? n : undefined;
}
