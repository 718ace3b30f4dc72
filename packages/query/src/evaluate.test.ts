import type { SpanRow } from '@fluoro/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { specArb } from './differential.test-helpers.js';
import { evaluateFilter } from './evaluate.js';
import { buildTrace, traceIdOf } from './fixtures.test-helpers.js';
import { toGroupLookup } from './group-lookup.js';
import { parseFilter } from './parser.js';

const trace = buildTrace(traceIdOf(7), {
  name: 'api',
  status: 200,
  url: 'http://api.example.com/v2/orders',
  ann: { n: 5, s: '5', on: true, off: false },
  kids: [
    { name: 'sub', messages: ['Timeout after 30s'] },
    {
      name: 'call',
      ns: 'remote',
      kids: [{ name: 'orders', seg: true, error: true, status: 409, user: 'zoe' }],
    },
  ],
});
const matches = (text: string, rows: SpanRow[] = trace) => evaluateFilter(parseFilter(text), rows);

describe('evaluateFilter', () => {
  it.each([
    ['ok', true],
    ['error', false],
    ['service("orders") { error }', true],
    ['service("orders") { root }', false],
    ['service("api") { root = true }', true],
    ['edge("api", "orders") { http.status = 409 }', true],
    ['edge("orders", "api")', false],
    ['user = "zoe"', true],
    ['http.status != 200', false],
    ['responsetime = 1', true],
    ['annotation.n = 5', true],
    ['annotation.n = "5"', false],
    ['annotation.s = "5"', true],
    ['annotation.s = 5', false],
    ['annotation.on', true],
    ['annotation.off', false],
    ['!annotation.off', true],
    ['annotation.off = false', true],
    ['annotation.missing', false],
    ['message CONTAINS "Timeout"', true],
    ['message MATCHES "after [0-9]+s$"', true],
    ['http.url MATCHES "^https"', false],
    ['http.useragent', false],
    ['!http.useragent = "x"', true],
    [`trace.id = "${traceIdOf(7)}"`, true],
    [`trace.id = "${traceIdOf(7).replace(/-/g, '').slice(1)}"`, true],
    [`trace.id != "${traceIdOf(7)}"`, false],
  ])('%s → %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });

  it("edge(): a segment under another service's segment is called by it; under its own service's, by nothing", () => {
    const jobs = buildTrace(traceIdOf(8), {
      name: 'shop',
      kids: [
        { name: 'email-worker', seg: true },
        { name: 'shop', seg: true },
      ],
    });
    expect(matches('edge("shop", "email-worker")', jobs)).toBe(true);
    expect(matches('edge("shop", "shop")', jobs)).toBe(false);
  });

  it('expands groups found by name or ARN', () => {
    const groups = toGroupLookup([{ name: 'ok-ones', arn: 'arn:g/ok-ones', filterExpression: 'ok' }]);
    expect(evaluateFilter(parseFilter('group.name = "ok-ones"', { groups }), trace)).toBe(true);
    expect(evaluateFilter(parseFilter('group.arn != "arn:g/ok-ones"', { groups }), trace)).toBe(false);
  });

  it('does not depend on the order of the rows', () => {
    fc.assert(
      fc.property(specArb, fc.integer(), (spec, seed) => {
        const rows = buildTrace(traceIdOf(1), spec);
        const shuffled = fc.sample(fc.shuffledSubarray(rows, { minLength: rows.length }), {
          numRuns: 1,
          seed,
        })[0] as SpanRow[];
        for (const text of [
          'rootcause.responsetime.entity { last and coverage > 0.3 }',
          'rootcause.fault.service { index = 1 }',
          'root service() { inferred }',
        ]) {
          expect(matches(text, shuffled)).toBe(matches(text, rows));
        }
      }),
      { numRuns: 300 },
    );
  });
});
