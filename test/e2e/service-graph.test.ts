/**
 * The service map from real parts: two services instrumented with the official Node X-Ray SDK
 * (express middleware; outgoing HTTP with captureHTTPsGlobal; Postgres with capturePostgres on
 * the local server) and an uninstrumented HTTP host send to a real `fluoro up`; the official
 * AWS SDK X-Ray client reads the graph, the trace graph and the time series back.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  type Edge,
  GetServiceGraphCommand,
  GetTimeSeriesServiceStatisticsCommand,
  GetTraceGraphCommand,
  type Service,
} from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { startApp } from '../helpers/start-app.js';
import { type Backing, storeBackings } from '../helpers/store-backings.js';

const STORES = storeBackings();

const APP = fileURLToPath(new URL('./apps/service-graph-app.cjs', import.meta.url));

/** Statistics as X-Ray reports them, for a count of ok, throttled and faulted requests. */
const stats = (ok: number, throttle: number, fault: number) => ({
  OkCount: ok,
  ErrorStatistics: { ThrottleCount: throttle, OtherCount: 0, TotalCount: throttle },
  FaultStatistics: { OtherCount: fault, TotalCount: fault },
  TotalCount: ok + throttle + fault,
  TotalResponseTime: expect.any(Number),
});

describe.each(STORES)(
  'service graph on %s: aws-xray-sdk-core apps + Postgres + an uninstrumented host → fluoro up',
  (_store, openBacking) => {
    let fluoro: RunningFluoro;
    let backing: Backing;
    let partner: Server;
    const apps: ChildProcess[] = [];
    let apiUrl: string;
    const traceIds: Record<string, string[]> = { ok: [], fault: [], throttle: [] };
    const before = new Date(Date.now() - 60_000);
    const range = () => ({ StartTime: before, EndTime: new Date(Date.now() + 60_000) });

    beforeAll(async () => {
      backing = await openBacking();
      fluoro = await startFluoro({ args: backing.args });
      // The uninstrumented host: throttles when asked to.
      partner = createServer((req, res) => {
        res.writeHead(req.url?.includes('throttle') ? 429 : 200).end('{}');
      });
      await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
      const partnerUrl = `http://localhost:${(partner.address() as AddressInfo).port}`;
      const orders = await startApp(APP, ['orders'], fluoro.udpAddress);
      apps.push(orders.child);
      const api = await startApp(APP, ['api', orders.url, partnerUrl], fluoro.udpAddress);
      apps.push(api.child);
      apiUrl = api.url;
      // Sequential requests: 3 ok, 1 fault (orders answers 500), 1 throttle (the partner answers 429).
      for (const mode of ['ok', 'fault', 'ok', 'throttle', 'ok']) {
        const res = await fetch(`${apiUrl}/checkout?mode=${mode}`);
        expect(res.status).toBe(mode === 'ok' ? 200 : mode === 'fault' ? 500 : 429);
        traceIds[mode]!.push(((await res.json()) as { traceId: string }).traceId);
      }
    });
    afterAll(async () => {
      for (const a of apps) a.kill();
      await new Promise((resolve) => partner?.close(resolve));
      await fluoro?.dispose();
      await backing?.dispose();
    });

    const graph = async () => {
      const xray = fluoro.xray();
      return eventually(async () => {
        const r = await xray.send(new GetServiceGraphCommand(range()));
        const api = r.Services?.find((s) => s.Name === 'shop-api');
        const orders = r.Services?.find((s) => s.Name === 'orders');
        // Every segment and every call has arrived.
        const calls = api?.Edges?.reduce((n, e) => n + (e.SummaryStatistics?.TotalCount ?? 0), 0);
        return api?.SummaryStatistics?.TotalCount === 5 &&
          orders?.SummaryStatistics?.TotalCount === 5 &&
          calls === 15
          ? r
          : undefined;
      });
    };

    it('GetServiceGraph has exactly the client, both services, Postgres and the uninstrumented host, with their counts', async () => {
      const r = await graph();
      const services = r.Services ?? [];
      const byRef = new Map(services.map((s) => [s.ReferenceId, s]));
      const node = (name: string) => services.find((s) => s.Name === name) as Service;
      expect(services.map((s) => [s.Name, s.Type, s.State, s.Root]).sort()).toEqual(
        [
          ['client', 'client', 'unknown', false],
          ['localhost', 'remote', 'unknown', false],
          ['orders', undefined, 'active', false],
          ['postgres@127.0.0.1', 'Database::SQL', 'unknown', false],
          ['shop-api', undefined, 'active', true],
        ].sort(),
      );
      const edges = (name: string): Record<string, Edge> =>
        Object.fromEntries((node(name).Edges ?? []).map((e) => [byRef.get(e.ReferenceId)?.Name, e]));
      expect(Object.keys(edges('client'))).toEqual(['shop-api']);
      expect(Object.keys(edges('shop-api')).sort()).toEqual(['localhost', 'orders', 'postgres@127.0.0.1']);
      expect(node('orders').Edges).toEqual([]);

      // Node statistics come from each service's own segments.
      expect(node('shop-api').SummaryStatistics).toEqual(stats(3, 1, 1));
      expect(node('orders').SummaryStatistics).toEqual(stats(4, 0, 1));
      expect(node('client').SummaryStatistics).toBeUndefined();
      // Edge statistics come from the caller: the root segments for the client, the api's subsegments otherwise.
      expect(edges('client')['shop-api']?.SummaryStatistics).toEqual(stats(3, 1, 1));
      expect(edges('shop-api')['orders']?.SummaryStatistics).toEqual(stats(4, 0, 1));
      expect(edges('shop-api')['localhost']?.SummaryStatistics).toEqual(stats(4, 1, 0));
      expect(edges('shop-api')['postgres@127.0.0.1']?.SummaryStatistics).toEqual(stats(5, 0, 0));
      // The api called orders by its address: the instrumented service replaces that inferred node.
      expect(edges('shop-api')['orders']?.Aliases).toEqual([
        { Name: '127.0.0.1', Names: ['127.0.0.1'], Type: 'remote' },
      ]);

      for (const s of services.filter((x) => x.Type !== 'client')) {
        const total = s.SummaryStatistics?.TotalCount;
        expect(s.ResponseTimeHistogram?.reduce((n, h) => n + (h.Count ?? 0), 0)).toBe(total);
        expect(s.DurationHistogram?.reduce((n, h) => n + (h.Count ?? 0), 0)).toBe(total);
      }
      const apiEdge = edges('client')['shop-api']!;
      expect(apiEdge.ResponseTimeHistogram?.reduce((n, h) => n + (h.Count ?? 0), 0)).toBe(5);
      // Calls take real time: the database edge's total is positive and below the api's.
      const dbTime = edges('shop-api')['postgres@127.0.0.1']?.SummaryStatistics?.TotalResponseTime ?? 0;
      expect(dbTime).toBeGreaterThan(0);
      expect(dbTime).toBeLessThan(node('shop-api').SummaryStatistics?.TotalResponseTime ?? 0);
    });

    it('GetTraceGraph draws one trace: the fault in orders and nothing from the other traces', async () => {
      await graph();
      const r = await fluoro.xray().send(new GetTraceGraphCommand({ TraceIds: traceIds['fault'] }));
      const services = r.Services ?? [];
      expect(services.map((s) => s.Name).sort()).toEqual(
        ['client', 'localhost', 'orders', 'postgres@127.0.0.1', 'shop-api'].sort(),
      );
      expect(services.find((s) => s.Name === 'orders')?.SummaryStatistics).toEqual(stats(0, 0, 1));
      expect(services.find((s) => s.Name === 'shop-api')?.SummaryStatistics).toEqual(stats(0, 0, 1));
    });

    it('GetTimeSeriesServiceStatistics buckets add up to the graph’s totals', async () => {
      const g = await graph();
      const xray = fluoro.xray();
      const series = async (EntitySelectorExpression?: string, Period = 60) =>
        (
          await xray.send(
            new GetTimeSeriesServiceStatisticsCommand({
              ...range(),
              Period,
              ...(EntitySelectorExpression ? { EntitySelectorExpression } : {}),
            }),
          )
        ).TimeSeriesServiceStatistics ?? [];
      const sum = (
        points: Awaited<ReturnType<typeof series>>,
        pick: (p: (typeof points)[number]) => number | undefined,
      ) => points.reduce((n, p) => n + (pick(p) ?? 0), 0);

      const api = await series('service("shop-api")');
      expect(api.length).toBeGreaterThan(0);
      expect(sum(api, (p) => p.ServiceSummaryStatistics?.TotalCount)).toBe(5);
      expect(sum(api, (p) => p.ServiceSummaryStatistics?.FaultStatistics?.TotalCount)).toBe(1);
      expect(sum(api, (p) => p.ServiceSummaryStatistics?.ErrorStatistics?.ThrottleCount)).toBe(1);
      expect(sum(api, (p) => p.ResponseTimeHistogram?.reduce((n, h) => n + (h.Count ?? 0), 0))).toBe(5);
      const apiTime =
        g.Services?.find((s) => s.Name === 'shop-api')?.SummaryStatistics?.TotalResponseTime ?? 0;
      expect(sum(api, (p) => p.ServiceSummaryStatistics?.TotalResponseTime)).toBeCloseTo(apiTime, 6);

      const throttled = await series('edge("shop-api", "localhost")', 300);
      expect(sum(throttled, (p) => p.EdgeSummaryStatistics?.TotalCount)).toBe(5);
      expect(sum(throttled, (p) => p.EdgeSummaryStatistics?.ErrorStatistics?.ThrottleCount)).toBe(1);
      for (const p of throttled) expect((p.Timestamp?.getTime() ?? 1) % 300_000).toBe(0);

      // Without a selector: every edge of the graph.
      const everyEdge = (g.Services ?? []).flatMap((s) => s.Edges ?? []);
      const all = await series(undefined, 3600);
      expect(sum(all, (p) => p.EdgeSummaryStatistics?.TotalCount)).toBe(
        everyEdge.reduce((n, e) => n + (e.SummaryStatistics?.TotalCount ?? 0), 0),
      );

      await expect(series('service(shop-api)')).rejects.toMatchObject({
        name: 'InvalidRequestException',
        message: expect.stringMatching(/EntitySelectorExpression: expected a quoted string at column 9/),
      });
      await expect(series(undefined, 61)).rejects.toMatchObject({ name: 'InvalidRequestException' });
    });

    it('the Fluoro API gives rates, percentiles and per-trace time in each service', async () => {
      await graph();
      const q = new URLSearchParams({
        start: String(before.getTime() / 1000),
        end: String(Date.now() / 1000 + 60),
        buckets: '1,10,100,1000',
      });
      const s = (await (await fetch(`${fluoro.httpUrl}/api/service-stats?${q}`)).json()) as {
        services: {
          name: string;
          inferred: boolean;
          requests: number;
          faultRate: number;
          throttleRate: number;
          p50Ms: number;
          p99Ms: number;
          distribution: { count: number }[];
        }[];
        edges: { source: { name: string }; target: { name: string }; requests: number; throttles: number }[];
      };
      const api = s.services.find((x) => x.name === 'shop-api')!;
      expect(api).toMatchObject({ inferred: false, requests: 5, faultRate: 0.2, throttleRate: 0.2 });
      expect(api.p50Ms).toBeGreaterThan(0);
      expect(api.p99Ms).toBeGreaterThanOrEqual(api.p50Ms);
      expect(api.distribution).toHaveLength(5);
      expect(api.distribution.reduce((n, d) => n + d.count, 0)).toBe(5);
      expect(s.services.find((x) => x.name === 'postgres@127.0.0.1')).toMatchObject({
        inferred: true,
        requests: 5,
      });
      expect(
        s.edges.find((e) => e.source.name === 'shop-api' && e.target.name === 'localhost'),
      ).toMatchObject({
        requests: 5,
        throttles: 1,
      });

      const id = traceIds['ok']![0]!;
      const t = (await (await fetch(`${fluoro.httpUrl}/api/service-times?traceId=${id}`)).json()) as {
        durationUs: number;
        services: { name: string; selfUs: number }[];
      };
      expect(t.services.map((x) => x.name).sort()).toEqual([
        'localhost',
        'orders',
        'postgres@127.0.0.1',
        'shop-api',
      ]);
      for (const x of t.services) expect(x.selfUs).toBeGreaterThan(0);
      // The api calls one service after the other, all inside its own segment: the self times
      // add up to the trace's duration exactly (orders is measured by the api's call to it, even
      // though its own segment closes a tick after the api saw the response).
      expect(t.services.reduce((n, x) => n + x.selfUs, 0)).toBe(t.durationUs);
      const missing = await fetch(
        `${fluoro.httpUrl}/api/service-times?traceId=1-00000000-000000000000000000000000`,
      );
      expect(missing.status).toBe(404);
    });
  },
);
