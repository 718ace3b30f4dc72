import { describe, expect, it } from 'vitest';
import { bindParams, toSqlLiteral } from './sql-literal.js';

describe('toSqlLiteral', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ["\\'", "'\\\\\\''"],
    ['a\nb\tc\rd\0e', "'a\\nb\\tc\\rd\\0e'"],
    ['?', "'?'"],
    ['', "''"],
    [3, '3'],
    [-2.5, '(-2.5)'],
    [-0, '0'],
    [1e21, '1e+21'],
    [-1e-310, "toFloat64('-1e-310')"],
    [true, '1'],
    [false, '0'],
  ] as const)('%j → %s', (value, literal) => {
    expect(toSqlLiteral(value)).toBe(literal);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('rejects %d', (n) => {
    expect(() => toSqlLiteral(n)).toThrow(/non-finite/);
  });

  it('rejects values of other types', () => {
    expect(() => toSqlLiteral(null as unknown as string)).toThrow(/type object/);
  });
});

describe('bindParams', () => {
  it('replaces placeholders in order', () => {
    expect(bindParams('a = ? AND b > ? AND c', ['x', -1])).toBe("a = 'x' AND b > (-1) AND c");
  });

  it('leaves question marks in literals, quoted identifiers and comments alone', () => {
    const sql = `x = '?' AND "we?rd" = ? AND \`q?\` = 'it''s ? \\' ?' -- why?\nAND y = ? /* ? */`;
    expect(bindParams(sql, [1, 2])).toBe(
      `x = '?' AND "we?rd" = 1 AND \`q?\` = 'it''s ? \\' ?' -- why?\nAND y = 2 /* ? */`,
    );
  });

  it('rejects a count mismatch and an unterminated quote', () => {
    expect(() => bindParams('a = ?', [])).toThrow(/more placeholders/);
    expect(() => bindParams('a = ?', [1, 2])).toThrow(/2 params for 1 placeholders/);
    expect(() => bindParams("a = 'open ?", [1])).toThrow(/unterminated/);
  });

  it('cannot be steered by a value that looks like SQL', () => {
    expect(bindParams('name = ? AND n = ?', ["x' OR 1=1 --", '?'])).toBe(
      "name = 'x\\' OR 1=1 --' AND n = '?'",
    );
  });
});
