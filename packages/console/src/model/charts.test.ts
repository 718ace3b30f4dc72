import type { TraceSummary } from '@fluoro/model/browser';
import { describe, expect, it } from 'vitest';
import { breakdown, toSeries } from './analytics.js';
import { binsFromHistogram, percentile, toBins } from './histogram.js';
import { edgeFilter, healthState, serviceFilter, toHealth, toServiceMap } from './service-graph.js';
import { formatSeconds, parseDurationMs, resolveRange } from './time-range.js';

describe('histograms', () => {
  it('bins from zero with the maximum in the last bin', () => {
    const bins = toBins([0.1, 0.2, 0.9, 1], 4);
    expect(bins.map((b) => b.count)).toEqual([2, 0, 0, 2]);
    expect(bins[3]!.hi).toBe(1);
    expect(toBins([], 4)).toEqual([]);
    // A shared axis: bins reach `atLeast`, an empty set has empty bins.
    expect(toBins([1], 4, true, 2).map((b) => [b.hi, b.count])).toEqual([
      [0.5, 0],
      [1, 0],
      [1.5, 1],
      [2, 0],
    ]);
    expect(toBins([], 2, true, 2).map((b) => b.count)).toEqual([0, 0]);
  });
  it('bins X-Ray histogram entries by their counts', () => {
    expect(
      binsFromHistogram(
        [
          { Value: 0.2, Count: 3 },
          { Value: 1, Count: 1 },
        ],
        2,
      ).map((b) => b.count),
    ).toEqual([3, 1]);
  });
  it('takes nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('service map', () => {
  const services = [
    { ReferenceId: 0, Name: 'client', Type: 'client', Edges: [{ ReferenceId: 1 }] },
    {
      ReferenceId: 1,
      Name: 'api',
      Root: true,
      SummaryStatistics: {
        OkCount: 6,
        ErrorStatistics: { ThrottleCount: 1, OtherCount: 1, TotalCount: 2 },
        FaultStatistics: { TotalCount: 2 },
        TotalCount: 10,
        TotalResponseTime: 5,
      },
      Edges: [{ ReferenceId: 2, SummaryStatistics: { OkCount: 4, TotalCount: 4, TotalResponseTime: 0.4 } }],
    },
    { ReferenceId: 2, Name: 'orders', Type: 'AWS::DynamoDB::Table' },
  ];
  const map = toServiceMap(services, 10);
  it('makes nodes with kinds and edges by reference', () => {
    expect(map.nodes.map((n) => [n.name, n.kind])).toEqual([
      ['client', 'client'],
      ['api', 'service'],
      ['orders', 'remote'],
    ]);
    expect(map.edges.map((e) => e.key)).toEqual(['0->1', '1->2']);
  });
  it('computes health, averages and rates', () => {
    const h = toHealth(services[1]!.SummaryStatistics, 10)!;
    expect(h).toEqual({ total: 10, ok: 6, error: 1, fault: 2, throttle: 1, avgS: 0.5, perMinute: 1 });
    expect(healthState(h)).toBe('fault');
    expect(healthState(map.edges[1]!.health)).toBe('ok');
    expect(healthState(undefined)).toBe('none');
  });
  it('writes the filters that find a node or edge', () => {
    expect(serviceFilter(map.nodes[1]!)).toBe('service("api")');
    expect(serviceFilter(map.nodes[2]!)).toBe('service(id(name: "orders", type: "AWS::DynamoDB::Table"))');
    expect(edgeFilter({ name: 'api' }, { name: 'orders' })).toBe('edge("api", "orders")');
  });
});

describe('analytics', () => {
  const s = (start: number, rt: number, extra: Partial<TraceSummary> = {}): TraceSummary =>
    ({
      Id: `t${start}`,
      StartTime: start,
      Duration: rt,
      ResponseTime: rt,
      HasFault: false,
      HasError: false,
      HasThrottle: false,
      Users: [],
      ServiceIds: [],
      Annotations: {},
      ...extra,
    }) as TraceSummary;
  it('buckets by start time with rates and percentiles', () => {
    const pts = toSeries([s(0, 1), s(1, 3, { HasFault: true }), s(61, 2)], 0, 120_000, 2);
    expect(pts.map((p) => p.count)).toEqual([2, 1]);
    expect(pts[0]!.faultRate).toBe(0.5);
    expect(pts[0]!.p50S).toBe(1);
    expect(pts[0]!.p99S).toBe(3);
  });
  it('counts values in both sets', () => {
    const a = [s(0, 1, { Http: { HttpStatus: 200 } }), s(1, 1, { Http: { HttpStatus: 500 } })];
    const b = [s(2, 1, { Http: { HttpStatus: 500 } })];
    expect(breakdown(a, b, (x) => (x.Http?.HttpStatus ? [String(x.Http.HttpStatus)] : []))).toEqual([
      { value: '500', a: 1, b: 1 },
      { value: '200', a: 1, b: 0 },
    ]);
  });
});

describe('time', () => {
  it('parses quick ranges and resolves them at a time', () => {
    expect(parseDurationMs('15m')).toBe(900_000);
    expect(parseDurationMs('x')).toBeUndefined();
    expect(resolveRange({ last: '1h' }, 10_000_000)).toEqual({ startMs: 6_400_000, endMs: 10_000_000 });
    expect(resolveRange({ fromMs: 1, toMs: 5 }, 99)).toEqual({ startMs: 1, endMs: 5 });
    expect(resolveRange({ last: 'bogus' }, 3_600_000)).toEqual({ startMs: 0, endMs: 3_600_000 });
  });
  it('formats durations for people', () => {
    expect(formatSeconds(0.0005)).toBe('500 µs');
    expect(formatSeconds(0.0123)).toBe('12.3 ms');
    expect(formatSeconds(1.5)).toBe('1.50 s');
    expect(formatSeconds(125)).toBe('2m 05s');
  });
});

describe('narrowedFilter', () => {
  it('scopes latency and outcomes to the node', async () => {
    const { narrowedFilter } = await import('./service-graph.js');
    expect(narrowedFilter('service("api")', {})).toBe('service("api")');
    expect(
      narrowedFilter('service("api")', {
        latency: [0.5, 1.25],
        statuses: new Set(['fault', 'error'] as const),
      }),
    ).toBe('service("api") { responsetime >= 0.5 AND responsetime <= 1.25 AND (error OR fault) }');
    expect(narrowedFilter('edge("a", "b")', { statuses: new Set(['throttle'] as const) })).toBe(
      'edge("a", "b") { throttle }',
    );
  });
});

describe('rootCauses', () => {
  it('labels each root-cause service with its entity path and last exception', async () => {
    const { rootCauses } = await import('./analytics.js');
    const s = {
      FaultRootCauses: [
        {
          Services: [
            {
              Name: 'orders',
              EntityPath: [
                { Name: 'orders' },
                { Name: 'db-query', Exceptions: [{ Name: 'Error', Message: 'down' }] },
              ],
            },
          ],
        },
      ],
    } as unknown as TraceSummary;
    expect(rootCauses(s, 'fault')).toEqual([
      { service: 'orders', label: 'orders: orders > db-query (Error: down)' },
    ]);
    expect(rootCauses(s, 'error')).toEqual([]);
  });
});

describe('toLatencyBins', () => {
  it('keeps a linear axis when there is no long tail', async () => {
    const { toLatencyBins } = await import('./histogram.js');
    const v = Array.from({ length: 30 }, (_, i) => (i + 1) / 100);
    expect(toLatencyBins(v, 10).some((b) => b.overflow)).toBe(false);
  });
  it('puts a long tail in one last bar from 1.5x the 95th percentile', async () => {
    const { toLatencyBins } = await import('./histogram.js');
    const v = [...Array.from({ length: 99 }, (_, i) => (i + 1) / 1000), 20];
    const bins = toLatencyBins(v, 10);
    expect(bins).toHaveLength(10);
    const tail = bins.at(-1)!;
    expect(tail).toMatchObject({ overflow: true, count: 1, hi: 20 });
    expect(tail.lo).toBeCloseTo(0.095 * 1.5, 6);
    expect(bins.slice(0, -1).reduce((a, b) => a + b.count, 0)).toBe(99);
  });
});

describe('withResponseTimeRange, open-ended', () => {
  it('writes only a lower bound and replaces it next time', async () => {
    const { withResponseTimeRange } = await import('./filter-syntax.js');
    const open = withResponseTimeRange('ok', 2, Number.POSITIVE_INFINITY);
    expect(open).toBe('ok AND responsetime >= 2');
    expect(withResponseTimeRange(open, 0.1, 0.2)).toBe('ok AND responsetime >= 0.1 AND responsetime <= 0.2');
  });
});
