import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, needsPostFilter } from './compile-sql.js';
import { parseFilter } from './parser.js';

describe('compileFilter', () => {
  it('passes every user value as a parameter, never as SQL text', () => {
    fc.assert(
      fc.property(
        // A marker character no SQL the compiler writes contains, then anything (quotes, backslashes, `--`).
        fc.string({ maxLength: 30 }).map((s) => `\u1e9e'${s}`),
        fc.constantFrom('duckdb' as const, 'clickhouse' as const),
        (value, dialect) => {
          const quoted = JSON.stringify(value);
          for (const text of [
            `http.url CONTAINS ${quoted}`,
            `annotation[${value.replace(/]/g, '')}x] = ${quoted}`,
            `service(${quoted}) { message ENDSWITH ${quoted} }`,
            `edge(${quoted}, id(type: ${quoted})) { user = ${quoted} }`,
          ]) {
            const { sql, params } = compileFilter(parseFilter(text), dialect);
            expect(sql).not.toContain(value);
            expect(params).toContain(value);
            expect(sql.split('?').length - 1).toBe(params.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps ClickHouse SQL within 18.16 (no FILTER clauses, no window functions, no Map/JSON)', () => {
    const { sql } = compileFilter(
      parseFilter(
        'root service() { type = "x" } message MATCHES "a" annotation.k != 2 responsetime > 1 inferred',
      ),
      'clickhouse',
    );
    expect(sql).not.toMatch(/FILTER \(|OVER \(|QUALIFY|JSON|\bMap\b|list_|regexp_matches|arg_min/);
    expect(sql).toContain('argMin(id, (start_us, id))');
    expect(sql).toContain('arrayExists');
  });

  it('says when matches must be confirmed by the evaluator', () => {
    expect(needsPostFilter(parseFilter('responsetime > 5 service("a") { fault }'))).toBe(false);
    expect(needsPostFilter(parseFilter('ok OR !edge("a", "b")'))).toBe(true);
    expect(needsPostFilter(parseFilter('rootcause.fault.entity { last }'))).toBe(true);
    expect(needsPostFilter(parseFilter('rootcause.json = #[{}]'))).toBe(true);
  });
});
