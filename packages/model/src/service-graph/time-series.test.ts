import { describe, expect, it } from 'vitest';
import { parseEntitySelector } from './entity-selector.js';
import { RANGE, rowsOf, shopTraces, T0_S } from './fixtures.test-helpers.js';
import { toGraphStats } from './graph-stats.js';
import { toServiceGraph } from './service-graph.js';
import { toTimeSeries } from './time-series.js';

describe('toTimeSeries', () => {
  const rows = rowsOf(...shopTraces());
  // Traces start at T0, T0+1s and T0+2s: a 1 s period puts each in its own bucket.
  const bucketed = toGraphStats(rows, { ...RANGE, periodUs: 1e6 });
  const graph = toServiceGraph(toGraphStats(rows, RANGE));

  it('has one point per bucket with data, and the buckets add up to the graph’s totals', () => {
    const series = toTimeSeries(bucketed, parseEntitySelector('service("api")'));
    expect(series.map((p) => p.Timestamp)).toEqual([T0_S, T0_S + 1, T0_S + 2]);
    const api = graph.find((s) => s.Name === 'api');
    const sum = (k: 'TotalCount' | 'OkCount') =>
      series.reduce((n, p) => n + (p.ServiceSummaryStatistics?.[k] ?? 0), 0);
    expect(sum('TotalCount')).toBe(api?.SummaryStatistics?.TotalCount);
    expect(sum('OkCount')).toBe(api?.SummaryStatistics?.OkCount);
    expect(series[1]?.ServiceSummaryStatistics?.FaultStatistics.TotalCount).toBe(1);
    expect(series.map((p) => p.EdgeSummaryStatistics?.TotalCount)).toEqual([1, 1, 1]);
  });

  it('reports an edge, and an inferred node from the calls into it', () => {
    const edge = toTimeSeries(bucketed, parseEntitySelector('edge("api", "partner.example.com")'));
    expect(edge.map((p) => p.EdgeSummaryStatistics?.ErrorStatistics.ThrottleCount)).toEqual([0, 0, 1]);
    expect(edge.every((p) => p.ServiceSummaryStatistics === undefined)).toBe(true);
    const db = toTimeSeries(bucketed, parseEntitySelector('service("postgres@localhost")'));
    expect(db.map((p) => p.ServiceSummaryStatistics?.TotalCount)).toEqual([1, 1, 1]);
    expect(db[0]?.ResponseTimeHistogram).toEqual([{ Value: 0.006, Count: 1 }]);
  });

  it('without a selector sums every edge and every service', () => {
    const all = toTimeSeries(bucketed, parseEntitySelector(undefined));
    // Per trace: client→api, api→orders, api→postgres, api→partner, api→DynamoDB; api and orders segments.
    expect(all.map((p) => p.EdgeSummaryStatistics?.TotalCount)).toEqual([5, 5, 5]);
    expect(all.map((p) => p.ServiceSummaryStatistics?.TotalCount)).toEqual([2, 2, 2]);
  });

  it('is empty for an entity that is not there', () => {
    expect(toTimeSeries(bucketed, parseEntitySelector('service("nope")'))).toEqual([]);
  });
});
