/**
 * @fluoro/sdk → a real `fluoro up` → the official @aws-sdk/client-xray reading traces back.
 * Needs the built CLI and SDK (`npm run build`; `npm test` builds first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BatchGetTracesCommand, GetTraceSummariesCommand, type XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../../../test/helpers/fluoro-up.js';
import { CentralizedSampler, configure, flush, LocalSampler } from './index.js';
import { APPS, get, type RunningApp } from './test-support/apps.test-helpers.js';
import { type Doc, descendants, SAMPLE_ALL } from './test-support/udp-collector.test-helpers.js';

let fluoro: RunningFluoro;
let xray: XRayClient;
let back: ChildProcess;
let backPort = 0;
const apps: Record<string, RunningApp> = {};
const since = new Date(Date.now() - 60_000);

beforeAll(async () => {
  fluoro = await startFluoro();
  xray = fluoro.xray();
  configure({ daemonAddress: fluoro.udpAddress, sampling: { rules: SAMPLE_ALL, centralized: false } });
  back = spawn(
    process.execPath,
    [fileURLToPath(new URL('./test-support/back-service.mjs', import.meta.url))],
    {
      env: { ...process.env, FLUORO_UDP: fluoro.udpAddress },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  backPort = await new Promise<number>((resolve) =>
    back.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    }),
  );
  for (const [name, start] of Object.entries(APPS))
    apps[name] = await start({ name: `shop-${name.replace(' ', '-')}` });
}, 120_000);
afterAll(async () => {
  for (const app of Object.values(apps)) await app.close();
  back?.kill();
  await fluoro?.dispose();
});

/** The stored documents of one trace, once `segments` segments have arrived. */
async function stored(traceId: string, segments = 1): Promise<Doc[]> {
  await flush();
  return eventually(async () => {
    const r = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
    const docs = (r.Traces?.[0]?.Segments ?? []).map((s) => JSON.parse(s.Document!) as Doc);
    return docs.length >= segments ? docs : undefined;
  });
}

const traceIdOf = (h: unknown) => /Root=([^;]+)/.exec(String(h))?.[1] ?? '';

describe.each(Object.keys(APPS))('%s → fluoro up', (name) => {
  test('every http field, the flags and nested subsegments are stored and summarised', async () => {
    const port = apps[name]!.port;
    const ok = await get(port, '/hello?q=1', {
      'user-agent': 'e2e/1.0',
      'x-forwarded-for': '198.51.100.7',
      'x-req-id': '42',
    });
    const throttled = await get(port, '/status/429');
    const failed = await get(port, '/boom');
    const [seg] = await stored(traceIdOf(ok.headers['x-amzn-trace-id']));
    expect(seg).toMatchObject({
      name: `shop-${name.replace(' ', '-')}`,
      http: {
        request: {
          method: 'GET',
          url: `http://127.0.0.1:${port}/hello?q=1`,
          user_agent: 'e2e/1.0',
          client_ip: '198.51.100.7',
          x_forwarded_for: true,
        },
        response: { status: 200, content_length: 5 },
      },
      annotations: { req: '42' },
    });
    expect(descendants(seg!).map((d) => d.name)).toEqual(['outer', 'inner']);
    const [t] = await stored(traceIdOf(throttled.headers['x-amzn-trace-id']));
    expect(t).toMatchObject({ error: true, throttle: true, http: { response: { status: 429 } } });
    const [f] = await stored(traceIdOf(failed.headers['x-amzn-trace-id']));
    expect(f).toMatchObject({ fault: true, http: { response: { status: 500 } } });
    expect(f?.['cause']).toMatchObject({ exceptions: [{ message: 'kaboom' }] });

    const summaries = await xray.send(
      new GetTraceSummariesCommand({
        StartTime: since,
        EndTime: new Date(Date.now() + 60_000),
        FilterExpression: `service("shop-${name.replace(' ', '-')}") AND http.status = 429`,
      }),
    );
    expect(summaries.TraceSummaries?.map((s) => s.Id)).toEqual([
      traceIdOf(throttled.headers['x-amzn-trace-id']),
    ]);
    expect(summaries.TraceSummaries?.[0]).toMatchObject({ HasError: true, HasThrottle: true });
  });
});

describe('two services in two processes', () => {
  test.each([
    [
      'X-Amzn-Trace-Id',
      { 'x-amzn-trace-id': 'Root=1-6a1b2c3d-bbbbbbbbbbbbbbbbbbbbbbbb;Parent=2222222222222222;Sampled=1' },
      '1-6a1b2c3d-bbbbbbbbbbbbbbbbbbbbbbbb',
      '2222222222222222',
    ],
    [
      'traceparent',
      { traceparent: '00-6a1b2c3dcccccccccccccccccccccccc-3333333333333333-01' },
      '1-6a1b2c3d-cccccccccccccccccccccccc',
      '3333333333333333',
    ],
  ])(
    'a %s caller gets one trace: front → remote subsegment → inventory',
    async (_h, headers, traceId, callerId) => {
      const to = `http://127.0.0.1:${backPort}/stock`;
      const res = await get(apps['express 5']!.port, `/call?to=${encodeURIComponent(to)}`, headers);
      expect(JSON.parse(res.body)).toEqual({ count: 3 });
      const docs = await stored(traceId, 2);
      const front = docs.find((d) => d.name === 'shop-express-5');
      const inventory = docs.find((d) => d.name === 'inventory');
      expect(front?.parent_id).toBe(callerId);
      const remote = descendants(front!).find((d) => d['namespace'] === 'remote');
      expect(remote).toMatchObject({
        name: '127.0.0.1',
        http: { request: { method: 'GET', url: to }, response: { status: 200 } },
      });
      expect(inventory?.parent_id).toBe(remote?.id);
      expect(inventory?.subsegments?.[0]).toMatchObject({
        name: 'inventory.lookup',
        annotations: { sku: 'A-1' },
      });
    },
  );
});

test('1,000 concurrent requests: Fluoro stores 1,000 traces, each with exactly its own subsegments', async () => {
  const port = apps['fastify']!.port;
  const results = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => get(port, '/hello', { 'x-req-id': `c${i}` })),
  );
  const ids = results.map((r) => traceIdOf(r.headers['x-amzn-trace-id']));
  await flush();
  const docs = new Map<string, Doc>();
  await eventually(async () => {
    const missing = ids.filter((id) => !docs.has(id));
    for (let i = 0; i < missing.length; i += 5) {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: missing.slice(i, i + 5) }));
      for (const t of r.Traces ?? []) {
        if (t.Segments?.length === 1) docs.set(t.Id!, JSON.parse(t.Segments[0]!.Document!) as Doc);
      }
    }
    return docs.size === 1000 ? true : undefined;
  }, 60_000);
  for (const [i, id] of ids.entries()) {
    const seg = docs.get(id)!;
    expect(seg['annotations']).toEqual({ req: `c${i}` });
    const subs = descendants(seg);
    expect(subs.map((s) => s.name)).toEqual(['outer', 'inner']);
    expect(subs[1]?.['annotations']).toEqual({ req: `c${i}` });
  }
}, 120_000);

test("centralized sampling against Fluoro's own GetSamplingRules and SamplingTargets", async () => {
  const url = new URL(fluoro.httpUrl);
  const sampler = new CentralizedSampler({
    host: url.hostname,
    port: Number(url.port),
    fallback: new LocalSampler({ version: 2, default: { fixed_target: 0, rate: 0 } }),
    logger: { error: () => {}, warn: () => {}, debug: () => {} },
  });
  expect(await sampler.refreshRules()).toBe(true);
  expect(sampler.ruleNames()).toEqual(['Default']);
  // The Default rule (reservoir 1/s) lets the first request of a second through by borrowing.
  const now = Date.now();
  expect(
    sampler.shouldSample({ serviceName: 'svc', host: 'h', method: 'GET', path: '/' }, now),
  ).toMatchObject({
    sampled: true,
    ruleName: 'Default',
  });
  expect(await sampler.refreshTargets()).toBe(true);
  sampler.stop();
});
