import { describe, expect, it } from 'vitest';
import type { SpanRow } from '../span-row.js';
import { newTraceId, rowsOf, seg, sub } from './fixtures.test-helpers.js';
import { toServiceTimes } from './service-times.js';

/** Self time in ms per "name/type", and the trace duration in ms. */
function times(rows: SpanRow[]) {
  const t = toServiceTimes(rows);
  return {
    durationMs: t.durationUs / 1000,
    selfMs: Object.fromEntries(t.services.map((s) => [`${s.name}/${s.type}`, s.selfUs / 1000])),
  };
}

const remote = { namespace: 'remote' };

describe('toServiceTimes', () => {
  const cases: {
    name: string;
    build: () => SpanRow[];
    durationMs: number;
    selfMs: Record<string, number>;
    sumMs: number;
  }[] = [
    {
      name: 'sequential: an instrumented callee, then a database (network time goes to the callee)',
      build: () => {
        const t = newTraceId();
        const call = sub('orders.internal', 10, 50, remote);
        const api = seg(t, 'api', 0, 100, {
          subsegments: [call, sub('db@pg', 60, 80, { ...remote, sql: { database_type: 'PostgreSQL' } })],
        });
        return rowsOf(api, seg(t, 'orders', 12, 48, { parent_id: call.id }));
      },
      durationMs: 100,
      selfMs: { 'api/': 40, 'orders/': 40, 'db@pg/Database::SQL': 20 },
      sumMs: 100,
    },
    {
      name: 'sequential: a remote call nested in local work, and a callee that calls a database',
      build: () => {
        const t = newTraceId();
        const call = sub('orders', 10, 90, remote);
        const api = seg(t, 'api', 0, 100, { subsegments: [sub('handler', 5, 95, { subsegments: [call] })] });
        const orders = seg(t, 'orders', 10, 90, {
          parent_id: call.id,
          subsegments: [sub('DynamoDB', 20, 40, { namespace: 'aws', aws: { table_name: 'orders' } })],
        });
        return rowsOf(api, orders);
      },
      durationMs: 100,
      selfMs: { 'api/': 20, 'orders/': 60, 'DynamoDB/AWS::DynamoDB::Table': 20 },
      sumMs: 100,
    },
    {
      name: 'sequential: a callee whose segment closes after the caller saw the response (a later clock tick)',
      build: () => {
        const t = newTraceId();
        const call = sub('orders.internal', 10, 50, remote);
        const api = seg(t, 'api', 0, 100, { subsegments: [call] });
        return rowsOf(api, seg(t, 'orders', 12, 53, { parent_id: call.id }));
      },
      durationMs: 100,
      selfMs: { 'api/': 60, 'orders/': 40 },
      sumMs: 100,
    },
    {
      name: 'parallel calls to two services: each callee gets its own wall-clock time',
      build: () => {
        const t = newTraceId();
        return rowsOf(
          seg(t, 'api', 0, 100, {
            subsegments: [sub('a.host', 10, 50, remote), sub('b.host', 20, 60, remote)],
          }),
        );
      },
      durationMs: 100,
      selfMs: { 'api/': 50, 'a.host/remote': 40, 'b.host/remote': 40 },
      // Overlapping work of two callees: more than the trace's wall-clock duration.
      sumMs: 130,
    },
    {
      name: 'parallel calls to one service count its busy time once (interval union)',
      build: () => {
        const t = newTraceId();
        return rowsOf(
          seg(t, 'api', 0, 100, {
            subsegments: [sub('a.host', 10, 50, remote), sub('a.host', 20, 60, remote)],
          }),
        );
      },
      durationMs: 100,
      selfMs: { 'api/': 50, 'a.host/remote': 50 },
      sumMs: 100,
    },
    {
      name: 'a job started from its caller’s segment: the caller does not wait on it, the job’s time is its own',
      build: () => {
        const t = newTraceId();
        const api = seg(t, 'api', 0, 100);
        return rowsOf(
          api,
          seg(t, 'worker', 60, 140, { parent_id: api.id, subsegments: [sub('compute', 70, 90)] }),
        );
      },
      durationMs: 140,
      selfMs: { 'api/': 100, 'worker/': 80 },
      sumMs: 180,
    },
    {
      name: 'a local subsegment is the service’s own time',
      build: () => rowsOf(seg(newTraceId(), 'worker', 0, 30, { subsegments: [sub('compute', 5, 25)] })),
      durationMs: 30,
      selfMs: { 'worker/': 30 },
      sumMs: 30,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const rows = c.build();
      const got = times(rows);
      expect(got.durationMs).toBeCloseTo(c.durationMs, 6);
      expect(Object.keys(got.selfMs).sort()).toEqual(Object.keys(c.selfMs).sort());
      for (const [k, v] of Object.entries(c.selfMs)) expect(got.selfMs[k]).toBeCloseTo(v, 6);
      const sum = Object.values(got.selfMs).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(c.sumMs, 6);
      // Row order does not matter.
      expect(toServiceTimes([...rows].reverse())).toEqual(toServiceTimes(rows));
    });
  }

  it('leaves in-progress rows out', () => {
    const t = newTraceId();
    const rows = rowsOf(
      seg(t, 'api', 0, 100, {
        subsegments: [{ ...sub('slow.host', 10, 20, remote), end_time: undefined, in_progress: true }],
      }),
    );
    expect(times(rows).selfMs).toEqual({ 'api/': 100 });
  });
});
