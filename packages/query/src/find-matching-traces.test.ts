import type { SpanRow } from '@fluoro/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateFilter } from './evaluate.js';
import { findMatchingTraces } from './find-matching-traces.js';
import { buildTrace, EPOCH_S, traceIdOf } from './fixtures.test-helpers.js';
import { parseFilter } from './parser.js';
import { storeWith } from './store.test-helpers.js';

// 60 traces, one a second; every fourth ends in a faulting `db` call, every other even one in a
// faulting `cache` call (a candidate for the SQL, rejected by the evaluator).
const traces: SpanRow[][] = Array.from({ length: 60 }, (_, i) =>
  buildTrace(traceIdOf(i + 1), {
    name: 'api',
    s: i,
    fault: i % 2 === 0,
    kids: [{ name: i % 4 === 0 ? 'db' : 'cache', fault: i % 2 === 0 }],
  }),
);
const query = {
  startUs: EPOCH_S * 1e6,
  endUs: (EPOCH_S + 100) * 1e6,
  timeRangeType: 'TraceId' as const,
  limit: 4,
};

describe('findMatchingTraces', () => {
  let store: Awaited<ReturnType<typeof storeWith>>;
  beforeAll(async () => {
    store = await storeWith(traces);
  });
  afterAll(() => store.close());

  it.each([
    ['post-filtered, with a small candidate budget', 'rootcause.fault.entity { last and name = "db" }', 5],
    ['post-filtered', 'rootcause.fault.entity { last and name = "db" }', undefined],
    ['exact SQL', 'service("db") { fault }', undefined],
  ])('pages through every match newest first, without repeats (%s)', async (_, text, maxCandidates) => {
    const ast = parseFilter(text);
    const expected = traces
      .filter((t) => evaluateFilter(ast, t))
      .map((t) => t[0]?.traceId)
      .reverse();
    const seen: string[] = [];
    let after: { startUs: number; traceId: string } | undefined;
    let shortPages = 0;
    for (let calls = 0; calls < 100; calls++) {
      const page = await findMatchingTraces(
        store,
        { ...query, ...(after ? { after } : {}) },
        ast,
        maxCandidates ? { maxCandidates } : {},
      );
      seen.push(...page.traces.map((t) => t.traceId));
      if (page.more && page.traces.length < query.limit) shortPages++;
      if (!page.more) break;
      after = page.resumeAfter;
      expect(after).toBeDefined();
    }
    expect(seen).toEqual(expected);
    // The budget is what makes pages short: 5 candidates hold at most 2 matches here.
    expect(shortPages > 0).toBe(maxCandidates !== undefined);
  });
});
