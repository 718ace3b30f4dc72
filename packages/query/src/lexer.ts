import { FilterSyntaxError } from './filter-syntax-error.js';

export type TokenKind =
  | '('
  | ')'
  | '{'
  | '}'
  | ','
  | ':'
  | '!'
  | 'op'
  | 'string'
  | 'word'
  | 'annotation'
  | 'json'
  | 'eof';

/** One token; `text` is the unescaped value for strings, the key for `annotation[KEY]`, the raw text otherwise. */
export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based column of the token's first character. */
  column: number;
}

const PUNCT: Record<string, TokenKind> = { '(': '(', ')': ')', '{': '{', '}': '}', ',': ',', ':': ':' };
/** Bare words: keywords (`http.status`, `rootcause.fault.entity`), numbers and unquoted values. */
const WORD_CHAR = /[A-Za-z0-9_.\-+/@]/;

/**
 * Splits a filter expression into tokens. Iterative (no recursion), so any input length is safe;
 * the parser bounds the length before calling it.
 */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    const column = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (PUNCT[c]) {
      tokens.push({ kind: PUNCT[c], text: c, column });
      i++;
    } else if (c === '!' || c === '=' || c === '<' || c === '>') {
      const two = input.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ kind: 'op', text: two, column });
        i += 2;
      } else {
        tokens.push({ kind: c === '!' ? '!' : 'op', text: c, column });
        i++;
      }
    } else if (c === '"' || c === "'") {
      const { text, end } = readQuoted(input, i);
      tokens.push({ kind: 'string', text, column });
      i = end;
    } else if (c === '#' && input[i + 1] === '[') {
      const end = readJson(input, i + 1);
      tokens.push({ kind: 'json', text: input.slice(i + 1, end), column });
      i = end;
    } else if (WORD_CHAR.test(c)) {
      let j = i;
      while (j < input.length && WORD_CHAR.test(input[j] as string)) j++;
      const word = input.slice(i, j);
      if (word.toLowerCase() === 'annotation' && input[j] === '[') {
        const close = input.indexOf(']', j + 1);
        if (close < 0) throw new FilterSyntaxError("expected ']' to close 'annotation['", j + 1);
        const key = input.slice(j + 1, close).trim();
        if (key === '') throw new FilterSyntaxError('expected an annotation key inside annotation[]', j + 2);
        tokens.push({ kind: 'annotation', text: unquote(key), column });
        i = close + 1;
      } else {
        tokens.push({ kind: 'word', text: word, column });
        i = j;
      }
    } else {
      throw new FilterSyntaxError(`unexpected character '${c}'`, column);
    }
  }
  tokens.push({ kind: 'eof', text: '', column: input.length + 1 });
  return tokens;
}

function readQuoted(input: string, start: number): { text: string; end: number } {
  const quote = input[start];
  let text = '';
  for (let i = start + 1; i < input.length; i++) {
    const c = input[i] as string;
    if (c === quote) return { text, end: i + 1 };
    if (c === '\\' && i + 1 < input.length) {
      i++;
      text += input[i];
    } else {
      text += c;
    }
  }
  throw new FilterSyntaxError('unterminated string', start + 1);
}

/** Returns the index just past the `]` that closes the `[` at `open`, skipping JSON strings. */
function readJson(input: string, open: number): number {
  let depth = 0;
  for (let i = open; i < input.length; i++) {
    const c = input[i];
    if (c === '"') {
      i++;
      while (i < input.length && input[i] !== '"') i += input[i] === '\\' ? 2 : 1;
    } else if (c === '[' || c === '{') {
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new FilterSyntaxError("expected ']' to close '#['", open);
}

function unquote(key: string): string {
  const q = key[0];
  return (q === '"' || q === "'") && key.endsWith(q) && key.length >= 2 ? key.slice(1, -1) : key;
}
