/**
 * BatchGetTraces' inferred segments through @aws-sdk/client-xray against a real Fluoro server
 * (DuckDB in memory) on loopback: documents go in with PutTraceSegments, come back with one
 * generated segment per `aws`/`remote` call whose callee sent no segment of its own.
 */
import {
  BatchGetTracesCommand,
  GetTraceGraphCommand,
  PutTraceSegmentsCommand,
  type Trace,
  XRayClient,
} from '@aws-sdk/client-xray';
import { DuckDbStore } from '@fluoro/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FluoroServer, startFluoroServer } from '../fluoro-server.js';

type Doc = Record<string, unknown> & { id: string; name: string; subsegments?: Doc[] };

const T0 = Math.floor(Date.now() / 1000) - 60;
const TRACE_ID = `1-${T0.toString(16)}-0123456789abcdef01234567`;
const id = (n: number) => n.toString(16).padStart(16, '0');
const ID = {
  frontend: id(0xf1),
  dynamo: id(0x11),
  partner: id(0x12),
  ordersCall: id(0x13),
  render: id(0x14),
  upload: id(0x15),
  s3: id(0x16),
  compute: id(0x17),
  orders: id(0x21),
  sqs: id(0x22),
  inflight: id(0x23),
};

/** The frontend: DynamoDB, an uninstrumented partner (throttled), orders, and S3 two levels down. */
const frontend: Doc = {
  trace_id: TRACE_ID,
  id: ID.frontend,
  name: 'frontend',
  start_time: T0,
  end_time: T0 + 1,
  origin: 'AWS::EC2::Instance',
  http: { request: { method: 'GET', url: 'http://shop.example.com/checkout' }, response: { status: 200 } },
  subsegments: [
    {
      id: ID.dynamo,
      name: 'DynamoDB',
      namespace: 'aws',
      start_time: T0 + 0.01,
      end_time: T0 + 0.05,
      http: { response: { status: 200, content_length: 57 } },
      aws: {
        operation: 'GetItem',
        table_name: 'carts',
        region: 'eu-west-1',
        request_id: 'REQ1',
        resource_names: ['carts'],
      },
    },
    {
      id: ID.partner,
      name: 'rates.partner.example.com',
      namespace: 'remote',
      start_time: T0 + 0.06,
      end_time: T0 + 0.2,
      error: true,
      throttle: true,
      http: {
        request: { method: 'GET', url: 'https://rates.partner.example.com/v1/eur' },
        response: { status: 429, content_length: 12 },
      },
    },
    {
      id: ID.ordersCall,
      name: 'orders.internal',
      namespace: 'remote',
      start_time: T0 + 0.21,
      end_time: T0 + 0.5,
      http: { request: { method: 'POST', url: 'http://orders.internal/orders', traced: true } },
    },
    {
      id: ID.render,
      name: 'render',
      start_time: T0 + 0.51,
      end_time: T0 + 0.9,
      subsegments: [
        {
          id: ID.upload,
          name: 'upload receipt',
          namespace: 'local',
          start_time: T0 + 0.52,
          end_time: T0 + 0.8,
          subsegments: [
            {
              id: ID.s3,
              name: 'S3',
              namespace: 'aws',
              start_time: T0 + 0.53,
              end_time: T0 + 0.79,
              fault: true,
              http: { response: { status: 500 } },
              aws: { operation: 'PutObject', bucket_name: 'receipts', region: 'eu-west-1' },
            },
          ],
        },
      ],
    },
    { id: ID.compute, name: 'compute totals', start_time: T0 + 0.91, end_time: T0 + 0.95 },
  ],
};

/** orders: instrumented (its parent is the frontend's call), sends its SQS call on its own. */
const orders: Doc = {
  trace_id: TRACE_ID,
  id: ID.orders,
  parent_id: ID.ordersCall,
  name: 'orders',
  start_time: T0 + 0.22,
  end_time: T0 + 0.48,
  http: { request: { method: 'POST', url: 'http://orders.internal/orders' }, response: { status: 201 } },
};
const sqs: Doc = {
  type: 'subsegment',
  trace_id: TRACE_ID,
  parent_id: ID.orders,
  id: ID.sqs,
  name: 'SQS',
  namespace: 'aws',
  start_time: T0 + 0.3,
  end_time: T0 + 0.35,
  aws: { operation: 'SendMessage', queue_url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs' },
};
/** A call still in flight, sent on its own: no end time yet. */
const inflight: Doc = {
  type: 'subsegment',
  trace_id: TRACE_ID,
  parent_id: ID.orders,
  id: ID.inflight,
  name: 'audit.internal',
  namespace: 'remote',
  start_time: T0 + 0.4,
  in_progress: true,
};

describe('BatchGetTraces inferred segments through @aws-sdk/client-xray', () => {
  let store: DuckDbStore;
  let server: FluoroServer;
  let xray: XRayClient;
  let trace: Trace;

  const get = async (): Promise<Trace | undefined> =>
    (await xray.send(new BatchGetTracesCommand({ TraceIds: [TRACE_ID] }))).Traces?.[0];
  const docs = (t: Trace) => (t.Segments ?? []).map((s) => JSON.parse(s.Document!) as Doc);
  const inferred = (t: Trace) => docs(t).filter((d) => d['inferred'] === true);
  const real = (t: Trace) => docs(t).filter((d) => d['inferred'] !== true);
  const inferredFor = (parentId: string) => inferred(trace).filter((d) => d['parent_id'] === parentId);

  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    server = await startFluoroServer({
      store,
      http: { host: '127.0.0.1', port: 0 },
      consoleDir: false,
      writer: { flushIntervalMs: 10 },
    });
    xray = new XRayClient({
      region: 'us-east-1',
      endpoint: server.addresses.http,
      credentials: { accessKeyId: 'fluoro', secretAccessKey: 'fluoro' },
      maxAttempts: 1,
    });
    const put = await xray.send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: [frontend, orders, sqs, inflight].map((d) => JSON.stringify(d)),
      }),
    );
    expect(put.UnprocessedTraceSegments ?? []).toEqual([]);
    // The batch writer stores asynchronously: read until both segments have arrived, merged.
    for (;;) {
      const t = await get();
      if (t && real(t).length === 2 && real(t).some((d) => d.subsegments?.length === 2)) {
        trace = t;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  afterAll(async () => {
    xray?.destroy();
    await server?.stop();
  });

  it('returns the segments sent unchanged, the independent subsegments merged', () => {
    const { type: _t1, trace_id: _r1, parent_id: _p1, ...sqsInner } = sqs;
    const { type: _t2, trace_id: _r2, parent_id: _p2, ...inflightInner } = inflight;
    expect(real(trace)).toEqual([frontend, { ...orders, subsegments: [sqsInner, inflightInner] }]);
    expect(trace.Duration).toBeCloseTo(1, 6);
  });

  it('infers a DynamoDB table from an aws subsegment with table_name, with its aws block', () => {
    expect(inferredFor(ID.dynamo)).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        name: 'DynamoDB',
        start_time: T0 + 0.01,
        end_time: T0 + 0.05,
        parent_id: ID.dynamo,
        inferred: true,
        http: { response: { status: 200, content_length: 57 } },
        aws: {
          operation: 'GetItem',
          table_name: 'carts',
          region: 'eu-west-1',
          request_id: 'REQ1',
          resource_names: ['carts'],
        },
        trace_id: TRACE_ID,
        origin: 'AWS::DynamoDB::Table',
      },
    ]);
  });

  it('infers an uninstrumented HTTP host from a remote subsegment, http and error/throttle copied', () => {
    expect(inferredFor(ID.partner)).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        name: 'rates.partner.example.com',
        start_time: T0 + 0.06,
        end_time: T0 + 0.2,
        parent_id: ID.partner,
        inferred: true,
        http: {
          request: { method: 'GET', url: 'https://rates.partner.example.com/v1/eur' },
          response: { status: 429, content_length: 12 },
        },
        trace_id: TRACE_ID,
        origin: 'remote',
        error: true,
        throttle: true,
      },
    ]);
  });

  it('infers nothing for a call whose callee sent its own segment, nor for local work', () => {
    expect(inferredFor(ID.ordersCall)).toEqual([]);
    for (const local of [ID.render, ID.upload, ID.compute, ID.frontend, ID.orders])
      expect(inferredFor(local)).toEqual([]);
    expect(
      inferred(trace)
        .map((d) => d['parent_id'])
        .sort(),
    ).toEqual([ID.dynamo, ID.partner, ID.s3, ID.sqs, ID.inflight].sort());
  });

  it('infers calls nested under local subsegments and in independently sent subsegments, fault carried', () => {
    expect(inferredFor(ID.s3)).toEqual([
      expect.objectContaining({
        name: 'S3',
        origin: 'AWS::S3',
        start_time: T0 + 0.53,
        end_time: T0 + 0.79,
        fault: true,
        http: { response: { status: 500 } },
        aws: { operation: 'PutObject', bucket_name: 'receipts', region: 'eu-west-1' },
      }),
    ]);
    expect(inferredFor(ID.s3)[0]).not.toHaveProperty('error');
    expect(inferredFor(ID.sqs)).toEqual([
      expect.objectContaining({ name: 'SQS', origin: 'AWS::SQS::Queue', trace_id: TRACE_ID }),
    ]);
    const [open] = inferredFor(ID.inflight);
    expect(open).toMatchObject({ name: 'audit.internal', origin: 'remote', in_progress: true });
    expect(open).not.toHaveProperty('end_time');
  });

  it('gives each inferred segment a new id, the same on every read, in start order among the rest', async () => {
    const ids = inferred(trace).map((d) => d.id);
    const all = new Set([...ids, ...Object.values(ID)]);
    expect(all.size).toBe(ids.length + Object.values(ID).length);
    expect(trace.Segments!.map((s) => s.Id)).toEqual(docs(trace).map((d) => d.id));
    const starts = docs(trace).map((d) => d['start_time'] as number);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const again = await get();
    expect(again?.Segments).toEqual(trace.Segments);
  });

  it('names and types each inferred segment as the trace graph names its node', async () => {
    const graph = await xray.send(new GetTraceGraphCommand({ TraceIds: [TRACE_ID] }));
    const nodes = (graph.Services ?? []).filter((s) => s.State === 'unknown' && s.Type !== 'client');
    const finished = inferred(trace).filter((d) => d['in_progress'] !== true);
    expect(finished.map((d) => `${d['origin']} ${d.name}`).sort()).toEqual(
      nodes.map((s) => `${s.Type} ${s.Name}`).sort(),
    );
  });
});
