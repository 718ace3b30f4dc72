import { describe, expect, it } from 'vitest';
import { toServiceTimes, unionWithin } from './service-times.js';
import { parentIds, toTimeline, visibleRows } from './timeline.js';

const T = 1_700_000_000;
const api = {
  id: 'aaaaaaaaaaaaaaa1',
  name: 'api',
  trace_id: '1-00000001-000000000000000000000001',
  start_time: T,
  end_time: T + 1,
  http: { request: { method: 'GET', url: 'http://x/a' }, response: { status: 200 } },
  subsegments: [
    { id: 'bbbbbbbbbbbbbbb2', name: 'late', start_time: T + 0.5, end_time: T + 0.6 },
    {
      id: 'bbbbbbbbbbbbbbb1',
      name: 'call-db',
      namespace: 'remote',
      start_time: T + 0.1,
      end_time: T + 0.4,
      fault: true,
      subsegments: [{ id: 'ccccccccccccccc1', name: 'inner', start_time: T + 0.2, end_time: T + 0.3 }],
    },
  ],
};
const db = {
  id: 'ddddddddddddddd1',
  name: 'db-service',
  trace_id: api.trace_id,
  parent_id: 'bbbbbbbbbbbbbbb1',
  start_time: T + 0.15,
  end_time: T + 0.35,
  http: { response: { status: 429 } },
};
const orphan = {
  type: 'subsegment',
  id: 'eeeeeeeeeeeeeee1',
  name: 'lost',
  trace_id: api.trace_id,
  parent_id: 'fffffffffffffff9',
  start_time: T + 0.9,
  in_progress: true,
};

describe('toTimeline', () => {
  const tl = toTimeline([JSON.stringify(db), JSON.stringify(api), JSON.stringify(orphan), 'not json']);

  it('orders rows depth-first by start time, with a called segment under its calling subsegment', () => {
    expect(tl.rows.map((r) => [r.name, r.depth])).toEqual([
      ['api', 0],
      ['call-db', 1],
      ['db-service', 2],
      ['inner', 2],
      ['late', 1],
      ['lost', 0],
    ]);
  });

  it('gives each row its service, outcome and subtree', () => {
    const by = Object.fromEntries(tl.rows.map((r) => [r.name, r]));
    expect(by['call-db']!.service).toBe('api');
    expect(by['call-db']!.outcome).toBe('fault');
    expect(by['db-service']!.service).toBe('db-service');
    expect(by['db-service']!.outcome).toBe('throttle');
    expect(by['api']!.subtreeEnd).toBe(5);
    expect(by['call-db']!.subtreeEnd).toBe(4);
    expect(by['inner']!.parentIndex).toBe(by['call-db']!.index);
    expect(by['lost']!.orphan).toBe(true);
    expect(by['lost']!.inProgress).toBe(true);
    expect(by['lost']!.outcome).toBe('pending');
    expect(tl.services).toEqual(['api', 'db-service', '?']);
  });

  it('spans the trace and ends in-progress rows at the trace end', () => {
    expect(tl.startS).toBe(T);
    expect(tl.endS).toBe(T + 1);
    expect(tl.rows.at(-1)!.endS).toBe(T + 1);
  });

  it('hides collapsed subtrees and collapses every parent', () => {
    expect(visibleRows(tl.rows, new Set(['bbbbbbbbbbbbbbb1'])).map((r) => r.name)).toEqual([
      'api',
      'call-db',
      'late',
      'lost',
    ]);
    expect(visibleRows(tl.rows, parentIds(tl.rows)).map((r) => r.name)).toEqual(['api', 'lost']);
  });

  it('survives parent loops and 50,000 siblings', () => {
    const a = {
      id: 'a000000000000001',
      name: 'a',
      trace_id: 't',
      parent_id: 'b000000000000001',
      start_time: 1,
      end_time: 2,
    };
    const b = {
      id: 'b000000000000001',
      name: 'b',
      trace_id: 't',
      parent_id: 'a000000000000001',
      start_time: 1,
      end_time: 2,
    };
    expect(toTimeline([JSON.stringify(a), JSON.stringify(b)]).rows).toHaveLength(2);
    const subs = Array.from({ length: 50_000 }, (_, i) => ({
      id: i.toString(16).padStart(16, '0'),
      name: `s${i}`,
      start_time: 10 + (50_000 - i) / 1e5,
      end_time: 11,
    }));
    const big = toTimeline([
      JSON.stringify({
        id: 'ffffffffffffffff',
        name: 'big',
        trace_id: 't',
        start_time: 10,
        end_time: 12,
        subsegments: subs,
      }),
    ]);
    expect(big.rows).toHaveLength(50_001);
    expect(big.rows[1]!.name).toBe('s49999');
    expect(big.rows[0]!.subtreeEnd).toBe(50_001);
  });
});

describe('toServiceTimes', () => {
  it('counts self time: remote calls for the resource they call, minus the callee segment', () => {
    const tl = toTimeline([JSON.stringify(api), JSON.stringify(db)]);
    const times = Object.fromEntries(toServiceTimes(tl.rows).map((t) => [t.name, t.selfS]));
    // api: 1 s minus call-db (0.3) and late (0.1), plus late's and inner's own 0.1 s each.
    expect(times['api']).toBeCloseTo(0.8, 5);
    // call-db: 0.3 s minus the db segment (0.2) and inner (0.1), overlapping: union 0.15..0.35 ∪ 0.2..0.3.
    expect(times['call-db']).toBeCloseTo(0.1, 5);
    expect(times['db-service']).toBeCloseTo(0.2, 5);
  });

  it('unions overlapping intervals clipped to the parent', () => {
    expect(
      unionWithin(
        [
          [0, 2],
          [1, 3],
          [5, 6],
          [9, 20],
        ],
        0,
        10,
      ),
    ).toBe(5);
    expect(unionWithin([], 0, 10)).toBe(0);
  });
});

describe('toTraceMap', () => {
  it('links client, services and unanswered remote calls, with the worst outcome', async () => {
    const { toTraceMap } = await import('./trace-map.js');
    const http = {
      type: 'subsegment',
      id: '9999999999999991',
      name: 'payments.example.com',
      namespace: 'remote',
      trace_id: api.trace_id,
      parent_id: 'ddddddddddddddd1',
      start_time: T + 0.2,
      end_time: T + 0.25,
      http: { response: { status: 503 } },
    };
    const map = toTraceMap(toTimeline([JSON.stringify(api), JSON.stringify(db), JSON.stringify(http)]).rows);
    expect(map.nodes.map((n) => [n.key, n.outcome])).toEqual([
      ['service:api', 'ok'],
      ['client:client', 'ok'],
      ['service:db-service', 'throttle'],
      ['remote:payments.example.com', 'fault'],
    ]);
    expect(map.edges.map((e) => `${e.from} -> ${e.to}`)).toEqual([
      'client:client -> service:api',
      'service:api -> service:db-service',
      'service:db-service -> remote:payments.example.com',
    ]);
  });

  it('follows the service graph: inferred segments are remote nodes, jobs under a segment are calls, every root has the client', async () => {
    const { toTraceMap } = await import('./trace-map.js');
    const doc = (id: string, name: string, more: Record<string, unknown> = {}) =>
      JSON.stringify({ id, name, trace_id: api.trace_id, start_time: T, end_time: T + 0.1, ...more });
    const map = toTraceMap(
      toTimeline([
        doc('aaaaaaaaaaaaaaa1', 'shop', {
          subsegments: [
            {
              id: 'bbbbbbbbbbbbbbb1',
              name: 'cards.example',
              namespace: 'remote',
              start_time: T,
              end_time: T + 0.05,
            },
          ],
        }),
        // BatchGetTraces's inferred segment for the card processor's call.
        doc('ccccccccccccccc1', 'cards.example', {
          parent_id: 'bbbbbbbbbbbbbbb1',
          inferred: true,
          origin: 'remote',
        }),
        // A job started with the request's trace header: its parent is the shop's segment.
        doc('ddddddddddddddd1', 'email-worker', { parent_id: 'aaaaaaaaaaaaaaa1' }),
        // A retry of the same service under its own segment: no call, no self-edge.
        doc('eeeeeeeeeeeeeee1', 'shop', { parent_id: 'aaaaaaaaaaaaaaa1' }),
        // A worker trace's root without an HTTP request still has the client in front.
        doc('fffffffffffffff1', 'cron'),
      ]).rows,
    );
    expect(map.nodes.map((n) => n.key).sort()).toEqual([
      'client:client',
      'remote:cards.example',
      'service:cron',
      'service:email-worker',
      'service:shop',
    ]);
    expect(map.edges.map((e) => `${e.from} -> ${e.to}`).sort()).toEqual([
      'client:client -> service:cron',
      'client:client -> service:shop',
      'service:shop -> remote:cards.example',
      'service:shop -> service:email-worker',
    ]);
  });
});
