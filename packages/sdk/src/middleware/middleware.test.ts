import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { configure, flush } from '../index.js';
import { APPS, get, type RunningApp } from '../test-support/apps.test-helpers.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';

let collector: UdpCollector;

beforeAll(async () => {
  collector = await startUdpCollector();
  configure({
    daemonAddress: collector.address,
    sampling: { rules: SAMPLE_ALL, centralized: false },
    name: 'default-name',
  });
});
afterAll(() => collector.close());

function traceIdOf(header: unknown): string {
  const m = /Root=([^;]+)/.exec(String(header));
  return m?.[1] ?? '';
}

async function segmentFor(traceId: string): Promise<Doc> {
  await flush();
  await collector.waitFor((docs) => docs.some((d) => d.trace_id === traceId && d.type === undefined));
  const [segment] = collector.trace(traceId);
  return segment!;
}

const request = (doc: Doc) => (doc['http'] as { request: Record<string, unknown> }).request;
const response = (doc: Doc) => (doc['http'] as { response: Record<string, unknown> }).response;

// One contract, run against a real server of every framework on loopback port 0.
describe.each(Object.entries(APPS))('%s middleware', (_name, start) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await start({ name: 'shop-api' });
  });
  afterAll(() => app.close());
  beforeEach(() => collector.clear());

  test('a request is a segment with http.request and http.response, and answers X-Amzn-Trace-Id', async () => {
    const res = await get(app.port, '/hello?x=1', { 'user-agent': 'contract-test/1.0', 'x-req-id': '7' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello');
    expect(String(res.headers['x-amzn-trace-id'])).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=1$/);
    const segment = await segmentFor(traceIdOf(res.headers['x-amzn-trace-id']));
    expect(segment.name).toBe('shop-api');
    expect(segment.id).toMatch(/^[0-9a-f]{16}$/);
    expect(segment.parent_id).toBeUndefined();
    expect(segment['end_time']).toBeGreaterThanOrEqual(segment['start_time'] as number);
    expect(request(segment)).toEqual({
      method: 'GET',
      url: `http://127.0.0.1:${app.port}/hello?x=1`,
      user_agent: 'contract-test/1.0',
      client_ip: '127.0.0.1',
    });
    expect(response(segment)).toEqual({ status: 200, content_length: 5 });
    expect(segment['error'] ?? false).toBe(false);
    expect(segment['fault'] ?? false).toBe(false);
    expect(segment['annotations']).toEqual({ req: '7' });
    expect(segment['aws']).toEqual({ xray: { sdk: 'fluoro', sdk_version: '0.1.0' } });
    expect(segment['service']).toEqual({ runtime: 'node', runtime_version: process.version });
    expect(segment.subsegments?.map((s) => s.name)).toEqual(['outer']);
    expect(segment.subsegments?.[0]?.subsegments?.[0]).toMatchObject({
      name: 'inner',
      annotations: { req: '7' },
    });
  });

  test('X-Forwarded-For gives client_ip and x_forwarded_for', async () => {
    const res = await get(app.port, '/hello', { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' });
    const segment = await segmentFor(traceIdOf(res.headers['x-amzn-trace-id']));
    expect(request(segment)).toMatchObject({ client_ip: '203.0.113.9', x_forwarded_for: true });
  });

  test.each([
    [404, { error: true }],
    [429, { error: true, throttle: true }],
    [503, { fault: true }],
  ])('status %i sets %o', async (status, flags) => {
    const res = await get(app.port, `/status/${status}`);
    expect(res.status).toBe(status);
    const segment = await segmentFor(traceIdOf(res.headers['x-amzn-trace-id']));
    expect(response(segment)['status']).toBe(status);
    for (const flag of ['error', 'throttle', 'fault'] as const) {
      expect(segment[flag] ?? false, flag).toBe(flag in flags);
    }
  });

  test('an uncaught exception is a fault with the exception as cause', async () => {
    const res = await get(app.port, '/boom');
    expect(res.status).toBe(500);
    const segment = await segmentFor(traceIdOf(res.headers['x-amzn-trace-id']));
    expect(segment['fault']).toBe(true);
    const cause = segment['cause'] as { exceptions: { message: string; stack: { path: string }[] }[] };
    expect(cause.exceptions[0]?.message).toBe('kaboom');
    expect(cause.exceptions[0]?.stack[0]?.path).toContain('apps.test-helpers.ts');
  });

  test('health-check paths are not traced', async () => {
    const res = await get(app.port, '/health');
    expect(res.status).toBe(200);
    expect(res.headers['x-amzn-trace-id']).toBeUndefined();
    // A traced request sent after it: once it has arrived, nothing else did.
    const after = await get(app.port, '/status/200');
    await segmentFor(traceIdOf(after.headers['x-amzn-trace-id']));
    expect(collector.docs.map((d) => response(d)['status'])).toEqual([200]);
    expect(collector.docs.every((d) => !String(request(d)['url']).endsWith('/health'))).toBe(true);
  });

  test('an upstream X-Amzn-Trace-Id (Root, Parent, Sampled=1) is continued', async () => {
    const traceId = '1-5759e988-bd862e3fe1be46a994272793';
    const res = await get(app.port, '/hello', {
      'x-amzn-trace-id': `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`,
    });
    expect(res.headers['x-amzn-trace-id']).toBe(`Root=${traceId};Sampled=1`);
    const segment = await segmentFor(traceId);
    expect(segment.parent_id).toBe('53995c3f42cd8ad8');
  });

  test('an upstream Sampled=0 is honoured: nothing is sent and no trace header is answered', async () => {
    const traceId = '1-5759e988-00000000000000000000dead';
    const res = await get(app.port, '/hello', {
      'x-amzn-trace-id': `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=0`,
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-amzn-trace-id']).toBeUndefined();
    const after = await get(app.port, '/status/201');
    await segmentFor(traceIdOf(after.headers['x-amzn-trace-id']));
    expect(collector.docs.filter((d) => d.trace_id === traceId)).toEqual([]);
  });

  test('a caller that asks with Sampled=? gets the decision back', async () => {
    const traceId = '1-5759e988-00000000000000000000beef';
    const res = await get(app.port, '/hello', { 'x-amzn-trace-id': `Root=${traceId};Sampled=?` });
    expect(res.headers['x-amzn-trace-id']).toBe(`Root=${traceId};Sampled=1`);
    expect((await segmentFor(traceId)).parent_id).toBeUndefined();
  });

  test('a W3C traceparent is continued', async () => {
    const res = await get(app.port, '/hello', {
      traceparent: '00-4efaaf4d1e8720b39541901950019ee5-00f067aa0ba902b7-01',
    });
    const segment = await segmentFor('1-4efaaf4d-1e8720b39541901950019ee5');
    expect(segment.parent_id).toBe('00f067aa0ba902b7');
    expect(res.headers['x-amzn-trace-id']).toBe('Root=1-4efaaf4d-1e8720b39541901950019ee5;Sampled=1');
  });

  test('the trace context survives body parsing', async () => {
    // Sent in three socket writes: the body's later chunks arrive in fresh socket callbacks.
    const res = await get(
      app.port,
      '/echo',
      { 'content-type': 'application/json', 'content-length': '7' },
      'POST',
      ['{"a"', ':', '1}'],
    );
    const body = JSON.parse(res.body) as { traceId: string; same: boolean; body: unknown };
    expect(body).toEqual({ traceId: traceIdOf(res.headers['x-amzn-trace-id']), same: true, body: { a: 1 } });
    const segment = await segmentFor(body.traceId);
    expect(segment.subsegments?.map((s) => s.name)).toEqual(['after-body']);
    expect(request(segment)['method']).toBe('POST');
  });

  test('1,000 concurrent requests: each trace holds exactly its own subsegments', async () => {
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => get(app.port, '/hello', { 'x-req-id': String(i) })),
    );
    const traceIds = results.map((r) => traceIdOf(r.headers['x-amzn-trace-id']));
    expect(new Set(traceIds).size).toBe(1000);
    await flush();
    await collector.waitFor((docs) => docs.length >= 1000, 30_000);
    expect(collector.docs).toHaveLength(1000);
    for (const [i, traceId] of traceIds.entries()) {
      const [segment, ...others] = collector.trace(traceId);
      expect(others).toEqual([]);
      expect(segment?.['annotations']).toEqual({ req: String(i) });
      const subs = descendants(segment!);
      expect(subs.map((s) => s.name)).toEqual(['outer', 'inner']);
      expect(subs[1]?.['annotations']).toEqual({ req: String(i) });
    }
  });
});

describe('segment naming', () => {
  test('dynamic naming uses the Host when it matches the pattern, else the fixed name', async () => {
    const app = await APPS['express 5']!({ name: 'fallback', hostPattern: '*.example.com' });
    try {
      collector.clear();
      const a = await get(app.port, '/status/200', { host: 'api.example.com' });
      const b = await get(app.port, '/status/200', { host: 'other.test' });
      expect((await segmentFor(traceIdOf(a.headers['x-amzn-trace-id']))).name).toBe('api.example.com');
      expect((await segmentFor(traceIdOf(b.headers['x-amzn-trace-id']))).name).toBe('fallback');
    } finally {
      await app.close();
    }
  });

  test('without a name option the configured name is used; ignorePaths replaces the default list', async () => {
    const app = await APPS['node http']!({ ignorePaths: ['/status/2*'] });
    try {
      collector.clear();
      const ignored = await get(app.port, '/status/204');
      expect(ignored.headers['x-amzn-trace-id']).toBeUndefined();
      const res = await get(app.port, '/health');
      expect((await segmentFor(traceIdOf(res.headers['x-amzn-trace-id']))).name).toBe('default-name');
    } finally {
      await app.close();
    }
  });
});
