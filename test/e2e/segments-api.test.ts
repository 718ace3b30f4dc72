/**
 * GET /api/segments against a real `fluoro up`, on DuckDB and on a real clickhouse-server: a request trace whose email job runs in a worker
 * segment of its own (a queue consumer continuing the request's trace) is listed under the
 * worker's name with the job's own duration, fault and annotations, a page at a time, filtered by outcome;
 * bad parameters are a 400 that names them.
 */
import { PutTraceSegmentsCommand } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { type Backing, storeBackings } from '../helpers/store-backings.js';

interface Row {
  traceId: string;
  id: string;
  name: string;
  startUs: number;
  durationUs: number | null;
  outcome: string;
  fault: boolean;
  httpMethod: string | null;
  httpUrl: string | null;
  httpStatus: number | null;
  annotations: Record<string, string | number | boolean>;
}
interface Answer {
  service: string;
  segments: Row[];
  next?: string;
}

const STORES = storeBackings();

describe.each(STORES)('GET /api/segments on fluoro up (%s)', (_store, openBacking) => {
  let fluoro: RunningFluoro;
  let backing: Backing;
  const t0 = Math.floor(Date.now() / 1000) - 600;
  const trace = (i: number) => `1-${(t0 + i).toString(16)}-${i.toString(16).padStart(24, 'a')}`;
  const range = `start=${t0 - 1}&end=${t0 + 100}`;
  const get = async (query: string) => {
    const r = await fetch(`${fluoro.httpUrl}/api/segments?${query}`);
    return { status: r.status, body: (await r.json()) as Answer & { message?: string } };
  };

  beforeAll(async () => {
    backing = await openBacking();
    fluoro = await startFluoro({ args: backing.args });
    const docs: object[] = [
      {
        trace_id: trace(1),
        id: 'a000000000000001',
        name: 'shop-api',
        start_time: t0 + 1,
        end_time: t0 + 1.2,
        http: { request: { method: 'POST', url: 'http://shop/orders' }, response: { status: 202 } },
        subsegments: [
          { id: 'a000000000000002', name: 'email-queue', start_time: t0 + 1.1, end_time: t0 + 1.15 },
        ],
      },
      {
        trace_id: trace(1),
        id: 'b000000000000001',
        parent_id: 'a000000000000002',
        name: 'email-worker',
        start_time: t0 + 2,
        end_time: t0 + 2.75,
        fault: true,
        annotations: { queue: 'email', attempt: 2, retried: true },
      },
    ];
    // Three more jobs that went well, each in a trace of its own.
    for (let i = 2; i <= 4; i++)
      docs.push({
        trace_id: trace(i),
        id: `b00000000000000${i}`,
        name: 'email-worker',
        start_time: t0 + i * 10,
        end_time: t0 + i * 10 + 0.1,
      });
    await fluoro
      .xray()
      .send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs.map((d) => JSON.stringify(d)) }));
    await eventually(async () => {
      const { body } = await get(`service=email-worker&${range}`);
      return body.segments?.length === 4 ? true : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    await fluoro?.dispose();
    await backing?.dispose();
  });

  it("lists the worker's job inside the request's trace with its own duration and fault", async () => {
    const { status, body } = await get(`service=email-worker&${range}&outcome=fault`);
    expect(status).toBe(200);
    expect(body.service).toBe('email-worker');
    expect(body.segments).toEqual([
      {
        traceId: trace(1),
        id: 'b000000000000001',
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
        // What tells one job from another.
        annotations: { queue: 'email', attempt: 2, retried: true },
      },
    ]);
    expect(body.next).toBeUndefined();
    // The request itself succeeded.
    const api = await get(`service=shop-api&${range}`);
    expect(
      api.body.segments.map((r) => [r.outcome, r.httpMethod, r.httpUrl, r.httpStatus, r.durationUs]),
    ).toEqual([['ok', 'POST', 'http://shop/orders', 202, 200_000]]);
    expect(api.body.segments[0]?.annotations).toEqual({});
  });

  it('pages newest first with next, and filters by outcome', async () => {
    const ids: string[] = [];
    let query = `service=email-worker&${range}&limit=3`;
    const first = await get(query);
    expect(first.body.segments).toHaveLength(3);
    expect(first.body.next).toEqual(expect.any(String));
    ids.push(...first.body.segments.map((r) => r.id));
    query += `&before=${first.body.next}`;
    const second = await get(query);
    ids.push(...second.body.segments.map((r) => r.id));
    expect(second.body.next).toBeUndefined();
    expect(ids).toEqual(['b000000000000004', 'b000000000000003', 'b000000000000002', 'b000000000000001']);
    const ok = await get(`service=email-worker&${range}&outcome=ok`);
    expect(ok.body.segments.map((r) => r.id)).toEqual([
      'b000000000000004',
      'b000000000000003',
      'b000000000000002',
    ]);
    expect((await get(`service=email-worker&${range}&outcome=error`)).body.segments).toEqual([]);
    // The slow ones: the failed job took 750 ms, the others 100 ms.
    const slow = await get(`service=email-worker&${range}&minDuration=0.5`);
    expect(slow.body.segments.map((r) => [r.id, r.durationUs])).toEqual([['b000000000000001', 750_000]]);
    // Without start and end: the last hour, which holds them all.
    expect((await get('service=email-worker')).body.segments).toHaveLength(4);
  });

  it.each([
    ['', /service is required/],
    [`service=x&start=abc`, /start must be epoch seconds/],
    [`service=x&end=99999999999`, /end must be epoch seconds from 1970 to 2106/],
    [`service=x&start=10&end=5`, /end must be after start/],
    [`service=x&limit=0`, /limit must be an integer from 1 to 1000/],
    [`service=x&limit=1001`, /limit must be an integer from 1 to 1000/],
    [`service=x&outcome=broken`, /outcome must be one of ok, error, fault, throttle/],
    [`service=x&minDuration=-1`, /minDuration must be a number of seconds/],
    [`service=x&minDuration=slow`, /minDuration must be a number of seconds/],
    [`service=x&before=nonsense`, /before must be a next cursor/],
  ])('answers %j with a 400 naming the parameter', async (query, message) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body.message).toMatch(message);
  });
});
