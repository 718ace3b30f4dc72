/**
 * The graph APIs through @aws-sdk/client-xray over a real DuckDB store: groups (a filter the SQL
 * answers exactly, and one it can only preselect), the fallback for a store without
 * graphStats, GetTraceGraph's ids and the time series' buckets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetServiceGraphCommand,
  GetTimeSeriesServiceStatisticsCommand,
  GetTraceGraphCommand,
  type Service,
  XRayClient,
} from '@aws-sdk/client-xray';
import { type SegmentDocument, toSpanRows } from '@fluoro/model';
import { DuckDbStore, type Store } from '@fluoro/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../http/router.js';
import { registerServiceGraphRoutes } from '../service-graph-routes.js';

const EPOCH_S = 0x5f000000;
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const traceId = (n: number) => `1-${EPOCH_S.toString(16)}-${hex(n, 24)}`;

/** Trace n at EPOCH_S + 100·n: api calls orders (mode 2: orders faults) and a partner (mode 3: 429). */
function trace(n: number): SegmentDocument[] {
  const t = EPOCH_S + 100 * n;
  const id = (k: number) => hex(n * 16 + k, 16);
  const fault = n === 2;
  const throttle = n === 3;
  return [
    {
      trace_id: traceId(n),
      id: id(0),
      name: 'api',
      start_time: t,
      end_time: t + 0.1,
      ...(fault ? { fault: true } : {}),
      subsegments: [
        {
          id: id(1),
          name: 'orders.local',
          namespace: 'remote',
          start_time: t + 0.01,
          end_time: t + 0.05,
          ...(fault ? { fault: true } : {}),
        },
        {
          id: id(2),
          name: 'partner',
          namespace: 'remote',
          start_time: t + 0.06,
          end_time: t + 0.07,
          ...(throttle ? { throttle: true, error: true } : {}),
        },
      ],
    },
    {
      trace_id: traceId(n),
      id: id(3),
      parent_id: id(1),
      name: 'orders',
      start_time: t + 0.02,
      end_time: t + 0.04,
      ...(fault ? { fault: true } : {}),
    },
  ];
}

/** The service-graph routes over `s` on a loopback server (kept in `servers` to close), and a real X-Ray client for them. */
async function serveGraphRoutes(s: Store, servers: Server[]): Promise<XRayClient> {
  const router = registerServiceGraphRoutes(new Router(), s);
  const server = createServer((req, res) => void router.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return new XRayClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

describe('service graph APIs through @aws-sdk/client-xray', () => {
  let store: DuckDbStore;
  const servers: Server[] = [];
  let xray: XRayClient;
  let fallback: XRayClient;
  const range = { StartTime: new Date((EPOCH_S - 60) * 1000), EndTime: new Date((EPOCH_S + 600) * 1000) };

  const serve = (s: Store) => serveGraphRoutes(s, servers);

  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    const docs = [1, 2, 3, 4].flatMap(trace);
    await store.write(
      docs.map((d) => ({
        traceId: d.trace_id,
        id: d.id,
        document: JSON.stringify(d),
        inProgress: false,
        receivedUs: 1,
        rows: toSpanRows(d, 1),
      })),
    );
    const arn = (name: string) => `arn:aws:xray:local:000000000000:group/${name}/X`;
    const group = (name: string, filterExpression: string) =>
      store.putGroup({
        name,
        arn: arn(name),
        filterExpression,
        insightsEnabled: false,
        notificationsEnabled: false,
      });
    await group('faults', 'fault');
    await group('orders-faults', 'edge("api", "orders") { fault }');
    await group('everything', '');
    xray = await serve(store);
    // The same store without graphStats: the server reads the traces and computes the graph itself.
    const plain = Object.create(store) as Store;
    Object.defineProperty(plain, 'graphStats', { value: undefined });
    fallback = await serve(plain);
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
    await store?.close();
  });

  const names = (services: Service[] | undefined) => (services ?? []).map((s) => s.Name).sort();
  const total = (services: Service[] | undefined, name: string) =>
    services?.find((s) => s.Name === name)?.SummaryStatistics?.TotalCount;

  it('answers the whole range the same with and without the store’s graphStats', async () => {
    const a = await xray.send(new GetServiceGraphCommand(range));
    const b = await fallback.send(new GetServiceGraphCommand(range));
    expect(names(a.Services)).toEqual(['api', 'client', 'orders', 'partner']);
    expect(total(a.Services, 'api')).toBe(4);
    expect(b.Services).toEqual(a.Services);
  });

  it('applies a group: in SQL when exact, by evaluating traces when the SQL only preselects', async () => {
    const faults = await xray.send(new GetServiceGraphCommand({ ...range, GroupName: 'faults' }));
    expect(total(faults.Services, 'api')).toBe(1);
    expect(total(faults.Services, 'orders')).toBe(1);
    const edge = await xray.send(
      new GetServiceGraphCommand({
        ...range,
        GroupARN: 'arn:aws:xray:local:000000000000:group/orders-faults/X',
      }),
    );
    expect(edge.Services).toEqual(faults.Services);
    const all = await xray.send(new GetServiceGraphCommand({ ...range, GroupName: 'everything' }));
    expect(total(all.Services, 'api')).toBe(4);
    expect(
      (await xray.send(new GetServiceGraphCommand({ ...range, GroupName: 'Default' }))).Services,
    ).toEqual(all.Services);
    await expect(
      xray.send(new GetServiceGraphCommand({ ...range, GroupName: 'nope' })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: 'Group not found: nope',
    });
  });

  it('GetTraceGraph takes X-Ray and W3C ids and ignores unknown ones', async () => {
    const w3c = traceId(3).replace(/^1-/, '').replace('-', '');
    const r = await xray.send(new GetTraceGraphCommand({ TraceIds: [w3c, traceId(99), 'nonsense'] }));
    expect(names(r.Services)).toEqual(['api', 'client', 'orders', 'partner']);
    const api = r.Services?.find((s) => s.Name === 'api');
    expect(api?.SummaryStatistics?.TotalCount).toBe(1);
    const partner = r.Services?.find((s) => s.Name === 'partner');
    const toPartner = api?.Edges?.find((e) => e.ReferenceId === partner?.ReferenceId);
    expect(toPartner?.SummaryStatistics?.ErrorStatistics?.ThrottleCount).toBe(1);
    expect((await xray.send(new GetTraceGraphCommand({ TraceIds: [traceId(99)] }))).Services).toEqual([]);
  });

  it('puts each trace in its minute, and the buckets add up for a group too', async () => {
    const series = async (GroupName?: string) =>
      (
        await xray.send(
          new GetTimeSeriesServiceStatisticsCommand({
            ...range,
            Period: 60,
            EntitySelectorExpression: 'service("orders")',
            ...(GroupName ? { GroupName } : {}),
          }),
        )
      ).TimeSeriesServiceStatistics ?? [];
    const points = await series();
    // Traces start 100 s apart: one per minute bucket.
    expect(points.map((p) => (p.Timestamp?.getTime() ?? 0) / 1000)).toEqual(
      [1, 2, 3, 4].map((n) => Math.floor((EPOCH_S + 100 * n) / 60) * 60),
    );
    expect(points.map((p) => p.ServiceSummaryStatistics?.FaultStatistics?.TotalCount)).toEqual([0, 1, 0, 0]);
    const faults = await series('orders-faults');
    expect(faults.map((p) => p.ServiceSummaryStatistics?.TotalCount)).toEqual([1]);
  });
});

/**
 * A job started from a request's segment, as `fluoro demo`'s e-mail worker: `shop-frontend`
 * hands its own segment id on as `Parent=` (no subsegment for the call), so the `email-worker`
 * segment's parent is a segment of another service. Trace n at WORKER_EPOCH_S + 100·n; in
 * trace 2 the job faults. The workers arrive in a later batch than the requests.
 */
const WORKER_EPOCH_S = 0x5f100000;
const workerTraceId = (n: number) => `1-${WORKER_EPOCH_S.toString(16)}-${hex(n, 24)}`;
function jobTrace(n: number): SegmentDocument[][] {
  const t = WORKER_EPOCH_S + 100 * n;
  const id = (k: number) => hex(0x1000 + n * 16 + k, 16);
  const frontend: SegmentDocument = {
    trace_id: workerTraceId(n),
    id: id(0),
    name: 'shop-frontend',
    start_time: t,
    end_time: t + 0.05,
    http: { request: { method: 'POST', url: 'http://shop/checkout' }, response: { status: 201 } },
  };
  const worker: SegmentDocument = {
    trace_id: workerTraceId(n),
    id: id(1),
    parent_id: id(0),
    name: 'email-worker',
    start_time: t + 0.055,
    end_time: t + 0.085,
    ...(n === 2 ? { fault: true } : {}),
    subsegments: [{ id: id(2), name: 'smtp send', start_time: t + 0.06, end_time: t + 0.08 }],
  };
  return [[frontend], [worker]];
}

describe('a segment whose parent is another service’s segment, through @aws-sdk/client-xray', () => {
  let store: DuckDbStore;
  const servers: Server[] = [];
  const clients: XRayClient[] = [];
  const range = {
    StartTime: new Date((WORKER_EPOCH_S - 60) * 1000),
    EndTime: new Date((WORKER_EPOCH_S + 600) * 1000),
  };

  const serve = (s: Store) => serveGraphRoutes(s, servers);

  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    const traces = [1, 2, 3].map(jobTrace);
    for (const batch of [0, 1]) {
      const docs = traces.flatMap((t) => t[batch] ?? []);
      await store.write(
        docs.map((d) => ({
          traceId: d.trace_id,
          id: d.id,
          document: JSON.stringify(d),
          inProgress: false,
          receivedUs: 1,
          rows: toSpanRows(d, 1),
        })),
      );
    }
    clients.push(await serve(store));
    // Without graphStats: the server computes the rows with toGraphStats over the traces.
    const plain = Object.create(store) as Store;
    Object.defineProperty(plain, 'graphStats', { value: undefined });
    clients.push(await serve(plain));
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
    await store?.close();
  });

  /** Each edge as "caller > callee", and the services X-Ray marks as roots. */
  const shape = (services: Service[] | undefined) => {
    const byRef = new Map((services ?? []).map((s) => [s.ReferenceId, s.Name]));
    return {
      edges: (services ?? [])
        .flatMap((s) => (s.Edges ?? []).map((e) => `${s.Name} > ${byRef.get(e.ReferenceId)}`))
        .sort(),
      roots: (services ?? []).filter((s) => s.Root).map((s) => s.Name),
    };
  };
  const edgeInto = (services: Service[] | undefined, from: string, to: string) => {
    const target = services?.find((s) => s.Name === to)?.ReferenceId;
    return services?.find((s) => s.Name === from)?.Edges?.find((e) => e.ReferenceId === target);
  };
  const expected = {
    edges: ['client > shop-frontend', 'shop-frontend > email-worker'],
    roots: ['shop-frontend'],
  };

  it('GetServiceGraph draws shop-frontend → email-worker, and the worker is no child of client', async () => {
    for (const xray of clients) {
      const g = await xray.send(new GetServiceGraphCommand(range));
      expect(shape(g.Services)).toEqual(expected);
      const edge = edgeInto(g.Services, 'shop-frontend', 'email-worker');
      // Measured by the worker's own segments: 30 ms each, one fault; the caller named nothing.
      expect(edge?.SummaryStatistics).toMatchObject({
        OkCount: 2,
        FaultStatistics: { TotalCount: 1 },
        TotalCount: 3,
      });
      expect(edge?.SummaryStatistics?.TotalResponseTime).toBeCloseTo(0.09, 6);
      expect(edge?.Aliases ?? []).toEqual([]);
    }
  });

  it('GetTraceGraph agrees with GetServiceGraph on the worker edge', async () => {
    const xray = clients[0] as XRayClient;
    const all = await xray.send(new GetServiceGraphCommand(range));
    const traces = await xray.send(new GetTraceGraphCommand({ TraceIds: [1, 2, 3].map(workerTraceId) }));
    expect(shape(traces.Services)).toEqual(expected);
    expect(edgeInto(traces.Services, 'shop-frontend', 'email-worker')?.SummaryStatistics).toEqual(
      edgeInto(all.Services, 'shop-frontend', 'email-worker')?.SummaryStatistics,
    );
    const one = await xray.send(new GetTraceGraphCommand({ TraceIds: [workerTraceId(2)] }));
    expect(shape(one.Services)).toEqual(expected);
    expect(
      edgeInto(one.Services, 'shop-frontend', 'email-worker')?.SummaryStatistics?.FaultStatistics?.TotalCount,
    ).toBe(1);
  });

  it('GetTimeSeriesServiceStatistics has the edge, one call per trace’s minute', async () => {
    for (const xray of clients) {
      const r = await xray.send(
        new GetTimeSeriesServiceStatisticsCommand({
          ...range,
          Period: 60,
          EntitySelectorExpression: 'edge("shop-frontend", "email-worker")',
        }),
      );
      const points = r.TimeSeriesServiceStatistics ?? [];
      expect(points.map((p) => p.EdgeSummaryStatistics?.TotalCount)).toEqual([1, 1, 1]);
      expect(points.map((p) => p.EdgeSummaryStatistics?.FaultStatistics?.TotalCount)).toEqual([0, 1, 0]);
    }
  });
});
