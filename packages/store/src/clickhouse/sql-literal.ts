/**
 * ClickHouse 18.16 has no query parameters (`{name:Type}` came in 19.x), so the `?`
 * placeholders of a compiled filter are turned into literals here, and only here. Every value
 * becomes a self-contained literal: a string is quoted with its backslashes, quotes and control
 * characters escaped (ClickHouse string literal rules), a number must be finite and negative ones
 * are parenthesised (subnormal ones go through `toFloat64('...')`, which may round them), a
 * boolean is 1 or 0. User text never reaches the SQL any other way.
 */
export type SqlParam = string | number | boolean;

/** One value as a ClickHouse literal. Throws on a non-finite number or an unsupported type. */
export function toSqlLiteral(value: SqlParam): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot bind a non-finite number: ${value}`);
    if (value === 0) return '0';
    // ClickHouse's SQL parser (18.16) rejects subnormal literals such as 1e-310; its string
    // to float conversion reads them (to the nearest value it can: 5e-324 becomes 0).
    if (Math.abs(value) < MIN_NORMAL) return `toFloat64('${String(value)}')`;
    return value < 0 ? `(${String(value)})` : String(value);
  }
  throw new TypeError(`cannot bind a value of type ${typeof value}`);
}

/** The smallest positive normal double (2^-1022). */
const MIN_NORMAL = 2.2250738585072014e-308;

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function quoteString(s: string): string {
  return `'${s.replace(/[\\'\0\n\r\t\b\f]/g, (c) => ESCAPES[c] ?? c)}'`;
}

/**
 * Replaces each `?` placeholder in `sql` with the next value of `params` as a literal.
 * Question marks inside string literals, quoted identifiers and comments are left alone.
 * Throws when the number of placeholders and values differ.
 */
export function bindParams(sql: string, params: readonly SqlParam[]): string {
  let out = '';
  let next = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"' || c === '`') {
      const end = quotedEnd(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? sql.length : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close === -1 ? sql.length : close + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '?') {
      if (next >= params.length) throw new RangeError(`more placeholders than the ${params.length} params`);
      out += toSqlLiteral(params[next++] as SqlParam);
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (next !== params.length) {
    throw new RangeError(`${params.length} params for ${next} placeholders`);
  }
  return out;
}

/** Index just past the quoted token opening at `start` (backslash escapes and doubled quotes). */
function quotedEnd(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  throw new SyntaxError(`unterminated ${quote} quote at ${start}`);
}
