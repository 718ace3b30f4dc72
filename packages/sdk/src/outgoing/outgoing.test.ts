import { execFile, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, get as httpGet } from 'node:http';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { configure, flush, traceHttp, traceSegment } from '../index.js';
import { APPS, get, type RunningApp } from '../test-support/apps.test-helpers.js';
import {
  type Doc,
  SAMPLE_ALL,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';

let collector: UdpCollector;
let front: RunningApp;
let back: RunningApp;

beforeAll(async () => {
  collector = await startUdpCollector();
  configure({ daemonAddress: collector.address, sampling: { rules: SAMPLE_ALL, centralized: false } });
  // Two instrumented services in one process share the recorder; names tell them apart.
  front = await APPS['express 5']!({ name: 'front' });
  back = await APPS['fastify']!({ name: 'back' });
});
afterAll(async () => {
  await front.close();
  await back.close();
  await collector.close();
});
beforeEach(() => collector.clear());

function find(docs: Doc[], predicate: (d: Doc) => boolean): Doc | undefined {
  for (const d of docs) {
    if (predicate(d)) return d;
    const inner = find(d.subsegments ?? [], predicate);
    if (inner) return inner;
  }
  return undefined;
}

async function traceOf(traceId: string, segments: number): Promise<Doc[]> {
  await flush();
  await collector.waitFor((docs) => docs.filter((d) => d.trace_id === traceId && !d.type).length >= segments);
  return collector.trace(traceId);
}

describe.each([
  ['fetch', 'fetch'],
  ['http.request', 'http'],
])('service → service over %s', (_label, via) => {
  test.each([
    [
      'X-Amzn-Trace-Id',
      { 'x-amzn-trace-id': 'Root=1-6a1b2c3d-aaaaaaaaaaaaaaaaaaaaaaaa;Parent=1111111111111111;Sampled=1' },
    ],
    ['traceparent', { traceparent: '00-6a1b2c3daaaaaaaaaaaaaaaaaaaaaaaa-1111111111111111-01' }],
  ])('a %s caller gets one trace with correct parent/child links', async (_h, headers) => {
    const traceId = '1-6a1b2c3d-aaaaaaaaaaaaaaaaaaaaaaaa';
    const to = `http://127.0.0.1:${back.port}/hello?secret=1`;
    const res = await get(front.port, `/call?to=${encodeURIComponent(to)}&via=${via}`, {
      ...headers,
      'x-req-id': `${via}-${_h}`,
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello');
    const segments = await traceOf(traceId, 2);
    const frontSeg = segments.find((s) => s.name === 'front');
    const backSeg = segments.find((s) => s.name === 'back');
    expect(frontSeg?.parent_id).toBe('1111111111111111');
    const remote = find(frontSeg?.subsegments ?? [], (d) => d['namespace'] === 'remote');
    expect(remote).toMatchObject({
      name: '127.0.0.1',
      namespace: 'remote',
      http: {
        request: { method: 'GET', url: `http://127.0.0.1:${back.port}/hello` },
        response: { status: 200, content_length: 5 },
      },
    });
    expect(remote?.['end_time']).toBeDefined();
    // The callee's segment points at the caller's subsegment, in the same trace.
    expect(backSeg?.trace_id).toBe(traceId);
    expect(backSeg?.parent_id).toBe(remote?.id);
    expect(backSeg?.subsegments?.map((s) => s.name)).toEqual(['outer']);
  });

  test('a failing downstream marks the remote subsegment', async () => {
    const to = `http://127.0.0.1:${back.port}/status/503`;
    const res = await get(front.port, `/call?to=${encodeURIComponent(to)}&via=${via}`);
    const traceId = /Root=([^;]+)/.exec(String(res.headers['x-amzn-trace-id']))?.[1] ?? '';
    const segments = await traceOf(traceId, 2);
    const remote = find(segments, (d) => d['namespace'] === 'remote');
    expect(remote?.['fault']).toBe(true);
    expect(remote?.['http']).toMatchObject({ response: { status: 503 } });
  });
});

test('a refused connection is recorded as a remote fault and the error reaches the caller', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const res = await get(front.port, `/call?to=${encodeURIComponent(`http://127.0.0.1:${port}/`)}&via=http`);
  expect(res.status).toBe(500);
  const traceId = /Root=([^;]+)/.exec(String(res.headers['x-amzn-trace-id']))?.[1] ?? '';
  const [segment] = await traceOf(traceId, 1);
  const remote = find(segment?.subsegments ?? [], (d) => d['namespace'] === 'remote');
  expect(remote?.['fault']).toBe(true);
  const cause = remote?.['cause'] as { exceptions: { message: string; remote: boolean }[] };
  expect(cause.exceptions[0]?.message).toContain('ECONNREFUSED');
  expect(cause.exceptions[0]?.remote).toBe(true);
});

test('calls made outside a trace are not traced and carry no header', async () => {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers['x-amzn-trace-id'] as string | undefined);
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
  await get(port, '/');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  expect(seen).toEqual([undefined, undefined]);
  await flush();
  expect(collector.docs).toEqual([]);
});

describe('W3C traceparent beside X-Amzn-Trace-Id, for OpenTelemetry callees', () => {
  let server: ReturnType<typeof createServer>;
  let url = '';
  const seen: { xray?: string; traceparent?: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({
        xray: req.headers['x-amzn-trace-id'] as string | undefined,
        traceparent: req.headers['traceparent'] as string | undefined,
      });
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
  });

  const callBoth = async (init?: { headers: Record<string, string> }) => {
    await fetch(url, init).then((r) => r.text());
    await new Promise<void>((resolve, reject) =>
      createRequestGet(url, init?.headers ?? {}, resolve).on('error', reject),
    );
  };
  const w3c = (traceId: string) => traceId.slice(2).replace('-', '');

  test('a sampled call sends both, naming the same trace and the remote subsegment as parent', async () => {
    const traceId = await traceSegment('w3c-caller', async (segment) => {
      await callBoth();
      return segment.traceId;
    });
    const [segment] = await traceOf(traceId, 1);
    const calls = (segment?.subsegments ?? []).filter((d) => d['namespace'] === 'remote');
    expect(calls).toHaveLength(2);
    expect(seen).toEqual(
      calls.map((call) => ({
        xray: `Root=${traceId};Parent=${call.id};Sampled=1`,
        traceparent: `00-${w3c(traceId)}-${call.id}-01`,
      })),
    );
  });

  test('an unsampled call sends both with the decision "not sampled"', async () => {
    configure({
      daemonAddress: collector.address,
      sampling: {
        rules: { version: 2, rules: [], default: { fixed_target: 0, rate: 0 } },
        centralized: false,
      },
    });
    try {
      const traceId = await traceSegment('w3c-unsampled', async (segment) => {
        await callBoth();
        return segment.traceId;
      });
      expect(seen).toHaveLength(2);
      for (const headers of seen) {
        const parent = /Parent=([0-9a-f]{16})/.exec(headers.xray ?? '')?.[1];
        expect(headers.xray).toMatch(new RegExp(`^Root=${traceId};Parent=[0-9a-f]{16};Sampled=0$`));
        expect(headers.traceparent).toBe(`00-${w3c(traceId)}-${parent}-00`);
      }
    } finally {
      configure({ daemonAddress: collector.address, sampling: { rules: SAMPLE_ALL, centralized: false } });
    }
  });

  test('a caller that set either header keeps its own, and the other is not added', async () => {
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await traceSegment('w3c-own', () => callBoth({ headers: { traceparent: own } }));
    expect(seen).toEqual([
      { xray: undefined, traceparent: own },
      { xray: undefined, traceparent: own },
    ]);
  });

  test('configure({ traceparent: false }) sends X-Amzn-Trace-Id alone', async () => {
    configure({
      daemonAddress: collector.address,
      sampling: { rules: SAMPLE_ALL, centralized: false },
      traceparent: false,
    });
    try {
      await traceSegment('w3c-off', () => callBoth());
      expect(seen).toHaveLength(2);
      for (const headers of seen) {
        expect(headers.xray).toMatch(/^Root=1-/);
        expect(headers.traceparent).toBeUndefined();
      }
    } finally {
      configure({ daemonAddress: collector.address, sampling: { rules: SAMPLE_ALL, centralized: false } });
    }
  });
});

/** `http.get` with headers, resolving when the response has been read. */
function createRequestGet(url: string, headers: Record<string, string>, done: () => void) {
  return httpGet(url, { headers }, (res) => {
    res.resume();
    res.on('end', done);
  });
}

// An https callee and caller, both instrumented: the incoming URL says https and the outgoing
// https.request becomes a remote subsegment the callee points at. Needs `openssl` for a
// throwaway self-signed certificate.
const openssl = spawnSync('openssl', ['version']).status === 0;
test.skipIf(!openssl)('https: outgoing https.request and an https server join one trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  expect(made.status).toBe(0);
  const tls = { key: readFileSync(key), cert: readFileSync(cert) };
  const server = createHttpsServer(
    tls,
    traceHttp((_req, res) => res.end('secure'), { name: 'tls-back' }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  try {
    let traceId = '';
    const body = await traceSegment('tls-front', (segment) => {
      traceId = segment.traceId;
      return new Promise<string>((resolve, reject) => {
        httpsGet({ host: '127.0.0.1', port, path: '/secure?token=x', ca: tls.cert }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c;
          });
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
    });
    expect(body).toBe('secure');
    const segments = await traceOf(traceId, 2);
    const front = segments.find((s) => s.name === 'tls-front');
    const back = segments.find((s) => s.name === 'tls-back');
    const remote = front?.subsegments?.[0];
    expect(remote).toMatchObject({
      namespace: 'remote',
      http: {
        request: { method: 'GET', url: `https://127.0.0.1:${port}/secure` },
        response: { status: 200 },
      },
    });
    expect(back?.parent_id).toBe(remote?.id);
    expect(back?.['http']).toMatchObject({ request: { url: `https://127.0.0.1:${port}/secure?token=x` } });

    // Global fetch (undici) over https, from a process that trusts the certificate
    // (NODE_EXTRA_CA_CERTS is read at startup, so it takes a process of its own).
    const script = `
      const sdk = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
      sdk.configure({ daemonAddress: ${JSON.stringify(collector.address)},
        sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 1 } }, centralized: false } });
      const text = await sdk.traceSegment('tls-fetch', async (segment) => {
        console.log(segment.traceId);
        return (await fetch('https://127.0.0.1:${port}/secure?via=fetch')).text();
      });
      console.log(text);
      await sdk.flush();`;
    // Asynchronously: the server answering the fetch runs in this process.
    const child = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    const [fetchTraceId, fetchBody] = child.stdout.trim().split('\n');
    expect(fetchBody).toBe('secure');
    const fetched = await traceOf(fetchTraceId!, 2);
    const caller = fetched.find((s) => s.name === 'tls-fetch');
    const callee = fetched.find((s) => s.name === 'tls-back');
    const fetchCall = caller?.subsegments?.[0];
    expect(fetchCall).toMatchObject({
      name: '127.0.0.1',
      namespace: 'remote',
      http: {
        request: { method: 'GET', url: `https://127.0.0.1:${port}/secure` },
        response: { status: 200 },
      },
    });
    expect(callee?.parent_id).toBe(fetchCall?.id);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});
