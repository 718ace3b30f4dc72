/**
 * Conformance cases for `Store.findSegments`: every invocation of one service, newest first, a
 * page at a time, with its own duration and outcome. Called from `describeStoreConformance`.
 */
import { expect, it } from 'vitest';
import type { IngestedDocument, SegmentQuery, Store } from './store.js';

type Fixture = {
  ingested: (doc: Record<string, unknown>, receivedUs?: number) => IngestedDocument;
  traceId: (epochS: number) => string;
  entityId: () => string;
};

export function segmentsConformance(fresh: () => Promise<Store>, f: Fixture, t0: number): void {
  const range = { startUs: t0 * 1e6, endUs: (t0 + 60) * 1e6, limit: 100 };

  it('findSegments: a worker segment inside a request trace is a row of its own, with its own duration and outcome', async () => {
    const s = await fresh();
    const tid = f.traceId(t0);
    const api = f.entityId();
    const publish = f.entityId();
    const worker = f.entityId();
    await s.write([
      f.ingested({
        trace_id: tid,
        id: api,
        name: 'api',
        start_time: t0 + 1,
        end_time: t0 + 1.2,
        http: { request: { method: 'POST', url: 'http://shop/orders' }, response: { status: 202 } },
        subsegments: [
          // A subsegment of the worker's name is not an invocation of the worker.
          { id: publish, name: 'email-worker', start_time: t0 + 1.05, end_time: t0 + 1.1 },
        ],
      }),
      f.ingested({
        trace_id: tid,
        id: worker,
        parent_id: publish,
        name: 'email-worker',
        start_time: t0 + 2,
        end_time: t0 + 2.75,
        fault: true,
      }),
      // Outside the range: before its start, at its (exclusive) end.
      f.ingested({
        trace_id: f.traceId(t0 - 5),
        id: f.entityId(),
        name: 'email-worker',
        start_time: t0 - 5,
        end_time: t0 - 4,
      }),
      f.ingested({
        trace_id: f.traceId(t0 + 60),
        id: f.entityId(),
        name: 'email-worker',
        start_time: t0 + 60,
        end_time: t0 + 61,
      }),
    ]);
    const page = await s.findSegments({ ...range, service: 'email-worker' });
    expect(page).toEqual({
      segments: [
        {
          traceId: tid,
          id: worker,
          name: 'email-worker',
          startUs: (t0 + 2) * 1e6,
          durationUs: 750_000,
          inProgress: false,
          outcome: 'fault',
          error: false,
          fault: true,
          throttle: false,
          httpMethod: null,
          httpUrl: null,
          httpStatus: null,
        },
      ],
      more: false,
    });
    const front = await s.findSegments({ ...range, service: 'api' });
    expect(
      front.segments.map((r) => [r.id, r.outcome, r.durationUs, r.httpMethod, r.httpUrl, r.httpStatus]),
    ).toEqual([[api, 'ok', 200_000, 'POST', 'http://shop/orders', 202]]);
    expect((await s.findSegments({ ...range, service: 'email' })).segments).toEqual([]);
  });

  it('findSegments: newest first, a page at a time, ties by trace id then segment id', async () => {
    const s = await fresh();
    const batch: IngestedDocument[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 5; i++) {
      const tid = f.traceId(t0 + i);
      const id = f.entityId();
      batch.push(f.ingested({ trace_id: tid, id, name: 'job', start_time: t0 + i, end_time: t0 + i + 0.5 }));
      expected.unshift(`${tid}/${id}`);
    }
    // Two segments of one trace starting at the same microsecond: the later id comes first.
    const tid = f.traceId(t0 + 10);
    const [a, b] = [f.entityId(), f.entityId()];
    for (const id of [a, b])
      batch.push(f.ingested({ trace_id: tid, id, name: 'job', start_time: t0 + 10, end_time: t0 + 11 }));
    expected.unshift(`${tid}/${a}`);
    expected.unshift(`${tid}/${b}`);
    await s.write(batch);
    const seen: string[] = [];
    // One row a page, so a cursor falls between the two segments that start together.
    let q: SegmentQuery = { ...range, service: 'job', limit: 1 };
    for (let pages = 0; pages < 10; pages++) {
      const p = await s.findSegments(q);
      seen.push(...p.segments.map((r) => `${r.traceId}/${r.id}`));
      const last = p.segments.at(-1);
      if (!p.more || !last) break;
      expect(p.segments).toHaveLength(1);
      q = { ...q, before: { startUs: last.startUs, traceId: last.traceId, id: last.id } };
    }
    expect(seen).toEqual(expected);
  });

  it('findSegments: filters by outcome as the service graph counts it (fault, then throttle, then error)', async () => {
    const s = await fresh();
    const tid = f.traceId(t0);
    const seg = (name: string, at: number, extra: Record<string, unknown>) =>
      f.ingested({
        trace_id: tid,
        id: f.entityId(),
        name,
        start_time: t0 + at,
        end_time: t0 + at + 1,
        ...extra,
      });
    const status = (code: number) => ({ http: { response: { status: code } } });
    await s.write([
      seg('svc', 1, {}),
      seg('svc', 2, { fault: true }),
      seg('svc', 3, status(503)),
      seg('svc', 4, { error: true, throttle: true }),
      seg('svc', 5, status(429)),
      seg('svc', 6, { error: true }),
      seg('svc', 7, status(404)),
      seg('svc', 8, { ...status(200), fault: true, throttle: true }),
    ]);
    const starts = async (outcome?: SegmentQuery['outcome']) =>
      (await s.findSegments({ ...range, service: 'svc', ...(outcome ? { outcome } : {}) })).segments.map(
        (r) => r.startUs / 1e6 - t0,
      );
    expect(await starts()).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(await starts('fault')).toEqual([8, 3, 2]);
    expect(await starts('throttle')).toEqual([5, 4]);
    expect(await starts('error')).toEqual([7, 6]);
    expect(await starts('ok')).toEqual([1]);
  });

  it('findSegments: an in-progress segment has no duration, and is one row once sent complete', async () => {
    const s = await fresh();
    const tid = f.traceId(t0);
    const id = f.entityId();
    const base = { trace_id: tid, id, name: 'worker', start_time: t0 + 1 };
    await s.write([f.ingested({ ...base, in_progress: true }, 1)]);
    const open = await s.findSegments({ ...range, service: 'worker' });
    expect(open.segments.map((r) => [r.id, r.inProgress, r.durationUs])).toEqual([[id, true, null]]);
    await s.write([f.ingested({ ...base, end_time: t0 + 3, error: true }, 2)]);
    const done = await s.findSegments({ ...range, service: 'worker' });
    expect(done.segments.map((r) => [r.id, r.inProgress, r.durationUs, r.outcome])).toEqual([
      [id, false, 2_000_000, 'error'],
    ]);
    expect((await s.findSegments({ ...range, service: 'worker', outcome: 'ok' })).segments).toEqual([]);
  });

  it('findSegments: only those that took at least minDurationUs (finished ones), with the outcome filter too', async () => {
    const s = await fresh();
    const tid = f.traceId(t0);
    const seg = (at: number, seconds: number | undefined, extra: Record<string, unknown> = {}) =>
      f.ingested({
        trace_id: tid,
        id: f.entityId(),
        name: 'slowish',
        start_time: t0 + at,
        ...(seconds === undefined ? { in_progress: true } : { end_time: t0 + at + seconds }),
        ...extra,
      });
    await s.write([seg(1, 0.1), seg(2, 0.5), seg(3, 2.5, { fault: true }), seg(4, 0.75), seg(5, undefined)]);
    const starts = async (q: Partial<SegmentQuery>) =>
      (await s.findSegments({ ...range, service: 'slowish', ...q })).segments.map(
        (r) => r.startUs / 1e6 - t0,
      );
    expect(await starts({})).toEqual([5, 4, 3, 2, 1]);
    // At least: 500 ms is in, an unfinished one has no duration to compare.
    expect(await starts({ minDurationUs: 500_000 })).toEqual([4, 3, 2]);
    expect(await starts({ minDurationUs: 2_000_000 })).toEqual([3]);
    expect(await starts({ minDurationUs: 500_000, outcome: 'ok' })).toEqual([4, 2]);
  });
}
