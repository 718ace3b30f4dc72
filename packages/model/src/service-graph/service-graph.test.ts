import { describe, expect, it } from 'vitest';
import { newTraceId, RANGE, rowsOf, seg, shopTraces, sub, T0_S } from './fixtures.test-helpers.js';
import { toGraphStats } from './graph-stats.js';
import { toServiceGraph, type XRayService } from './service-graph.js';

const ok = (n: number, seconds: number) => ({
  OkCount: n,
  ErrorStatistics: { ThrottleCount: 0, OtherCount: 0, TotalCount: 0 },
  FaultStatistics: { OtherCount: 0, TotalCount: 0 },
  TotalCount: n,
  TotalResponseTime: expect.closeTo(seconds, 6),
});

describe('toServiceGraph(toGraphStats(rows))', () => {
  const rows = rowsOf(...shopTraces());
  const graph = toServiceGraph(toGraphStats(rows, RANGE));
  const byName = (name: string) => graph.find((s) => s.Name === name) as XRayService;

  it('has the client, the instrumented services and one inferred node per downstream', () => {
    expect(graph.map((s) => [s.ReferenceId, s.Name, s.Type, s.State, s.Root])).toEqual([
      [0, 'client', 'client', 'unknown', false],
      [1, 'api', 'AWS::ECS::Container', 'active', true],
      [2, 'DynamoDB', 'AWS::DynamoDB::Table', 'unknown', false],
      [3, 'orders', undefined, 'active', false],
      [4, 'partner.example.com', 'remote', 'unknown', false],
      [5, 'postgres@localhost', 'Database::SQL', 'unknown', false],
    ]);
  });

  it('draws edges client → api → each downstream, to the real orders service with its alias', () => {
    expect(byName('client').Edges.map((e) => e.ReferenceId)).toEqual([1]);
    expect(byName('api').Edges.map((e) => e.ReferenceId)).toEqual([2, 3, 4, 5]);
    expect(byName('orders').Edges).toEqual([]);
    const toOrders = byName('api').Edges.find((e) => e.ReferenceId === 3);
    expect(toOrders?.Aliases).toEqual([
      { Name: 'orders.internal', Names: ['orders.internal'], Type: 'remote' },
    ]);
    expect(byName('client').SummaryStatistics).toBeUndefined();
  });

  it('counts node statistics from segments and edge statistics from the caller’s subsegments', () => {
    const fault1 = {
      OkCount: 2,
      ErrorStatistics: { ThrottleCount: 0, OtherCount: 0, TotalCount: 0 },
      FaultStatistics: { OtherCount: 1, TotalCount: 1 },
      TotalCount: 3,
    };
    expect(byName('api').SummaryStatistics).toEqual({ ...fault1, TotalResponseTime: expect.closeTo(0.3, 6) });
    expect(byName('orders').SummaryStatistics).toEqual({
      ...fault1,
      TotalResponseTime: expect.closeTo(0.108, 6),
    });
    const edges = Object.fromEntries(byName('api').Edges.map((e) => [graph[e.ReferenceId]?.Name, e]));
    expect(edges['orders']?.SummaryStatistics).toEqual({
      ...fault1,
      TotalResponseTime: expect.closeTo(0.12, 6),
    });
    expect(edges['partner.example.com']?.SummaryStatistics).toEqual({
      OkCount: 2,
      ErrorStatistics: { ThrottleCount: 1, OtherCount: 0, TotalCount: 1 },
      FaultStatistics: { OtherCount: 0, TotalCount: 0 },
      TotalCount: 3,
      TotalResponseTime: expect.closeTo(0.03, 6),
    });
    expect(edges['postgres@localhost']?.SummaryStatistics).toEqual(ok(3, 0.018));
    // An inferred node is measured by the calls into it.
    expect(byName('postgres@localhost').SummaryStatistics).toEqual(ok(3, 0.018));
    expect(byName('client').Edges[0]?.SummaryStatistics).toEqual({
      ...fault1,
      TotalResponseTime: expect.closeTo(0.3, 6),
    });
  });

  it('fills histograms and time extents', () => {
    const api = byName('api');
    expect(api.ResponseTimeHistogram).toEqual([{ Value: 0.1, Count: 3 }]);
    expect(api.DurationHistogram).toEqual(api.ResponseTimeHistogram);
    expect(api.StartTime).toBeCloseTo(T0_S, 6);
    expect(api.EndTime).toBeCloseTo(T0_S + 2.1, 6);
    const toDb = api.Edges.find((e) => e.ReferenceId === 5);
    expect(toDb?.ResponseTimeHistogram).toEqual([{ Value: 0.006, Count: 3 }]);
  });

  it('does not depend on row order, and counts only what started in the range', () => {
    expect(toServiceGraph(toGraphStats([...rows].reverse(), RANGE))).toEqual(graph);
    const first = toServiceGraph(toGraphStats(rows, { startUs: RANGE.startUs, endUs: (T0_S + 0.5) * 1e6 }));
    expect(first.find((s) => s.Name === 'api')?.SummaryStatistics?.TotalCount).toBe(1);
  });

  it('infers the downstream when the callee never sent its segment', () => {
    const docs = shopTraces().filter((d) => d.name !== 'orders');
    const g = toServiceGraph(toGraphStats(rowsOf(...docs), RANGE));
    expect(g.map((s) => s.Name)).toContain('orders.internal');
    expect(g.map((s) => s.Name)).not.toContain('orders');
  });
});

describe('a segment whose parent is another service’s segment', () => {
  // `shop` starts `email-worker` jobs with its own segment id as Parent (no subsegment for the
  // call): two in the first trace (the second faults), one in the second. A `shop` job under a
  // `shop` segment is the same service. A worker whose parent is not in the trace is no call.
  const docs = [0, 1].flatMap((i) => {
    const t = newTraceId();
    const b = i * 1000;
    const shop = seg(t, 'shop', b, b + 100, { subsegments: [sub('render', b + 5, b + 20)] });
    const job = (from: number, to: number, extra = {}) =>
      seg(t, 'email-worker', b + from, b + to, {
        parent_id: shop.id,
        origin: 'AWS::ECS::Container',
        ...extra,
      });
    return [
      shop,
      job(101, 131),
      ...(i === 0 ? [job(102, 142, { fault: true })] : []),
      seg(t, 'shop', b + 100, b + 104, { parent_id: shop.id }),
    ];
  });
  const orphan = seg(newTraceId(), 'email-worker', 3000, 3010, {
    parent_id: 'ffffffffffffffff',
    origin: 'AWS::ECS::Container',
  });
  const graph = toServiceGraph(toGraphStats(rowsOf(...docs, orphan), RANGE));
  const byName = (name: string) => graph.find((s) => s.Name === name) as XRayService;

  it('is called by that service, not by the client, and makes no self-edge', () => {
    expect(graph.map((s) => [s.Name, s.Root])).toEqual([
      ['client', false],
      ['email-worker', false],
      ['shop', true],
    ]);
    const ref = (name: string) => byName(name).ReferenceId;
    expect(byName('client').Edges.map((e) => e.ReferenceId)).toEqual([ref('shop')]);
    expect(byName('shop').Edges.map((e) => e.ReferenceId)).toEqual([ref('email-worker')]);
    expect(byName('email-worker').Edges).toEqual([]);
  });

  it('measures the call by the callee’s segment: its duration and outcome, no alias', () => {
    const edge = byName('shop').Edges[0];
    expect(edge?.Aliases).toEqual([]);
    expect(edge?.SummaryStatistics).toEqual({
      OkCount: 2,
      ErrorStatistics: { ThrottleCount: 0, OtherCount: 0, TotalCount: 0 },
      FaultStatistics: { OtherCount: 1, TotalCount: 1 },
      TotalCount: 3,
      TotalResponseTime: expect.closeTo(0.1, 6),
    });
    expect(edge?.StartTime).toBeCloseTo(T0_S + 0.101, 6);
    expect(edge?.EndTime).toBeCloseTo(T0_S + 1.131, 6);
    // The worker node counts all its segments, the one with no caller in the trace too.
    expect(byName('email-worker').SummaryStatistics?.TotalCount).toBe(4);
  });
});
