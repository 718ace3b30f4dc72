import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { capture, configure, flush, stats, traceSegment } from '../index.js';
import { recorder } from '../recorder.js';
import type { SamplingRequest } from '../sampling/sampler.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  sentSegment,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';
import { grpcClientTracing } from './grpc.js';
import { grpcServerTracing } from './grpc-server.js';
import { grpcOutcome, parseTarget, splitMethodPath } from './grpc-status.js';

// A real grpc-js server and clients on loopback, with the service in test-support/orders.proto.
const SERVER = 'orders-grpc';
const GET = '/fluoro.test.Orders/Get';

interface OrderRequest {
  id?: number;
  code?: number;
  details?: string;
  throw?: boolean;
  delay_ms?: number;
  count?: number;
  nested?: boolean;
}
interface Order {
  id: number;
  trace_header: string;
  traceparent: string;
  handler_entity: string;
  tracestate: string;
}
type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;
interface OrdersClient extends grpc.Client {
  Get(
    request: OrderRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    cb: Callback<Order>,
  ): unknown;
  List(request: OrderRequest): grpc.ClientReadableStream<Order>;
  Upload(cb: Callback<{ count: number }>): grpc.ClientWritableStream<OrderRequest>;
  Chat(): grpc.ClientDuplexStream<OrderRequest, Order>;
}
type OrdersClientClass = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => OrdersClient;

const definition = protoLoader.loadSync(
  fileURLToPath(new URL('../test-support/orders.proto', import.meta.url)),
  { keepCase: true, defaults: true },
);
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  fluoro: { test: { Orders: OrdersClientClass & { service: grpc.ServiceDefinition } } };
};
const Orders = loaded.fluoro.test.Orders;

let collector: UdpCollector;
let server: grpc.Server;
let port: number;
/** Traced, and the one a handler uses for nested calls. */
let client: OrdersClient;
/** Not traced: stands for an OpenTelemetry or uninstrumented caller. */
let plain: OrdersClient;

/** The id of the entity the code runs in, or '' outside any trace. */
const here = () => recorder.current()?.id ?? '';
const text = (metadata: grpc.Metadata, key: string) => String(metadata.get(key)[0] ?? '');
/** When something happened, in the documents' unit (seconds). */
const now = () => Date.now() / 1000;
/** When a streaming handler last wrote, by request id (Chat: -1). */
const lastWrite = new Map<number, number>();

function replyTo(call: grpc.ServerUnaryCall<OrderRequest, Order>, id = call.request.id ?? 0): Order {
  const m = call.metadata;
  return {
    id,
    trace_header: text(m, 'x-amzn-trace-id'),
    traceparent: text(m, 'traceparent'),
    handler_entity: here(),
    tracestate: text(m, 'tracestate'),
  };
}

/** An async handler's work: awaits, a capture, then the answer the request asks for. */
async function answer(call: grpc.ServerUnaryCall<OrderRequest, Order>, callback: grpc.sendUnaryData<Order>) {
  const { delay_ms: delay, code, details } = call.request;
  if (delay) await sleep(delay);
  await capture('lookup', () => sleep(1));
  if (code) callback({ code, details: details ?? '' });
  else if (details) callback(new Error(details));
  else callback(null, replyTo(call));
}

const handlers: grpc.UntypedServiceImplementation = {
  Get(call: grpc.ServerUnaryCall<OrderRequest, Order>, callback: grpc.sendUnaryData<Order>) {
    if (call.request.throw) throw new Error('handler blew up');
    if (!call.request.nested) {
      void answer(call, callback);
      return;
    }
    // Callback style: a traced call from inside the handler, answered from its callback.
    client.Get({}, new grpc.Metadata(), {}, (error) => {
      capture('after nested call', () => (error ? callback(error) : callback(null, replyTo(call))));
    });
  },
  List(call: grpc.ServerWritableStream<OrderRequest, Order>) {
    const { count = 0, delay_ms: delay = 0, code } = call.request;
    void (async () => {
      for (let i = 0; i < count && !call.cancelled; i++) {
        await sleep(delay);
        call.write(replyTo(call, i));
        lastWrite.set(call.request.id ?? 0, now());
      }
      if (code) call.emit('error', { code, details: 'stream failed' });
      else call.end();
    })();
  },
  Upload(
    call: grpc.ServerReadableStream<OrderRequest, { count: number }>,
    callback: grpc.sendUnaryData<{ count: number }>,
  ) {
    // Counts the messages whose event ran in the handler's own segment (one made when it was called).
    const handler = here();
    const entities: string[] = [];
    call.on('data', () => entities.push(here()));
    call.on('end', () =>
      callback(null, { count: entities.filter((id) => id !== '' && id === handler).length }),
    );
  },
  Chat(call: grpc.ServerDuplexStream<OrderRequest, Order>) {
    call.on('data', (order: OrderRequest) => {
      call.write({
        id: order.id ?? 0,
        trace_header: '',
        traceparent: '',
        handler_entity: here(),
        tracestate: '',
      });
      lastWrite.set(-1, now());
    });
    call.on('end', () => call.end());
  },
};

/** A unary Get: what came back, and the entity its callback ran in. */
function get(
  via: OrdersClient,
  request: OrderRequest,
  metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<{ error: grpc.ServiceError | null; order: Order | undefined; callbackEntity: string }> {
  return new Promise((resolve) => {
    via.Get(request, metadata, options, (error, order) => resolve({ error, order, callbackEntity: here() }));
  });
}

/** The status a streaming call ends with (`events.once` would reject on its `error` event). */
function statusOf(stream: grpc.ClientReadableStream<Order> | grpc.ClientDuplexStream<OrderRequest, Order>) {
  stream.on('error', () => {});
  return new Promise<grpc.StatusObject>((resolve) => stream.once('status', resolve));
}

/** The segment named `name` once sent, with its subsegments merged back. */
async function segmentNamed(name: string): Promise<Doc> {
  return sentSegment(collector, name);
}

/** The server's segments (of one trace, when given), once `count` have been sent. */
async function serverSegments(traceId?: string, count = 1): Promise<Doc[]> {
  const of = (docs: Doc[]) =>
    docs.filter(
      (d) => d.name === SERVER && d.type === undefined && (traceId === undefined || d.trace_id === traceId),
    );
  await flush();
  await collector.waitFor((docs) => of(docs).length >= count);
  return of(collector.docs).map((d) => collector.trace(d.trace_id as string).find((t) => t.id === d.id)!);
}

/**
 * Sends a marker segment and waits for it: what was sent before it (one socket, loopback) has
 * arrived by then, so a test can assert that nothing else was sent.
 */
async function settled(): Promise<void> {
  const marker = `marker-${Math.random()}`;
  traceSegment(marker, () => {});
  await sentSegment(collector, marker);
}

const remote = (doc: Doc) => descendants(doc).filter((d) => d['namespace'] === 'remote');
const metadataOf = (doc: Doc) => (doc['metadata'] as { grpc?: Record<string, unknown> } | undefined)?.grpc;
const exceptionOf = (doc: Doc) =>
  (doc['cause'] as { exceptions: Record<string, unknown>[] } | undefined)?.exceptions[0];
const flags = (doc: Doc) => ({ error: doc['error'], throttle: doc['throttle'], fault: doc['fault'] });
const w3c = (traceId: string) => traceId.slice(2).replace('-', '');

function startServer(interceptors: grpc.ServerOptions['interceptors']): Promise<[grpc.Server, number]> {
  const s = new grpc.Server({ interceptors });
  s.addService(Orders.service, handlers);
  return new Promise((resolve, reject) =>
    s.bindAsync('localhost:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve([s, bound]),
    ),
  );
}

const configureTest = () =>
  configure({
    name: 'caller',
    daemonAddress: collector.address,
    sampling: { rules: SAMPLE_ALL, centralized: false },
  });

beforeAll(async () => {
  collector = await startUdpCollector();
  configureTest();
  [server, port] = await startServer([grpcServerTracing(grpc, { name: SERVER })]);
  client = new Orders(`localhost:${port}`, grpc.credentials.createInsecure(), {
    interceptors: [grpcClientTracing(grpc)],
  });
  plain = new Orders(`localhost:${port}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  plain?.close();
  server?.forceShutdown();
  await collector?.close();
});
beforeEach(() => collector.clear());

describe('grpcClientTracing and grpcServerTracing', () => {
  test('a traced client calling a traced server: one trace, the server segment under the call', async () => {
    let callerId = '';
    const { error, order, callbackEntity } = await traceSegment('unary-caller', (segment) => {
      callerId = segment.id;
      return get(client, { id: 7 });
    });
    expect(error).toBeNull();
    const caller = await segmentNamed('unary-caller');
    const [call, ...others] = remote(caller);
    expect(others).toEqual([]);
    expect(call).toMatchObject({
      name: 'localhost',
      namespace: 'remote',
      http: { request: { method: 'POST', url: `grpc://localhost:${port}${GET}` } },
      metadata: { grpc: { service: 'fluoro.test.Orders', method: 'Get', status_code: 0, status: 'OK' } },
    });
    expect(flags(call!)).toEqual({ error: undefined, throttle: undefined, fault: undefined });
    expect(call!['http']).not.toHaveProperty('response');

    const [served, ...more] = await serverSegments(caller.trace_id);
    expect(more).toEqual([]);
    expect(served).toMatchObject({
      name: SERVER,
      parent_id: call!.id,
      http: { request: { method: 'POST', url: `grpc://localhost:${port}${GET}` } },
      annotations: { rpc_service: 'fluoro.test.Orders', rpc_method: 'Get', grpc_status: 'OK' },
      metadata: { grpc: { service: 'fluoro.test.Orders', method: 'Get', status_code: 0, status: 'OK' } },
    });
    const request = (served!['http'] as { request: Record<string, unknown> }).request;
    expect(request['user_agent']).toMatch(/^grpc-node-js\//);
    expect(request['client_ip']).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    expect(flags(served!)).toEqual({ error: undefined, throttle: undefined, fault: undefined });
    // The async handler ran in the segment, after its awaits too.
    expect(served!.subsegments?.map((s) => s.name)).toEqual(['lookup']);
    expect(order).toEqual({
      id: 7,
      trace_header: `Root=${caller.trace_id};Parent=${call!.id};Sampled=1`,
      traceparent: `00-${w3c(caller.trace_id as string)}-${call!.id}-01`,
      handler_entity: served!.id,
      // No rule decided (local rules): nothing to say in `tracestate`.
      tracestate: '',
    });
    // The call ended when its answer came: inside the caller's segment, around the server's.
    expect(call!['end_time']).toBeGreaterThanOrEqual(served!['end_time'] as number);
    expect(call!['start_time']).toBeLessThanOrEqual(served!['start_time'] as number);
    // grpc-js calls back in the context of whichever call opened the connection: here, the caller's.
    expect(callbackEntity).toBe(callerId);
  });

  test.each([
    ['CANCELLED', 'error'],
    ['UNKNOWN', 'fault'],
    ['INVALID_ARGUMENT', 'error'],
    ['DEADLINE_EXCEEDED', 'fault'],
    ['NOT_FOUND', 'error'],
    ['ALREADY_EXISTS', 'error'],
    ['PERMISSION_DENIED', 'error'],
    ['RESOURCE_EXHAUSTED', 'throttle'],
    ['FAILED_PRECONDITION', 'error'],
    ['ABORTED', 'error'],
    ['OUT_OF_RANGE', 'error'],
    ['UNIMPLEMENTED', 'fault'],
    ['INTERNAL', 'fault'],
    ['UNAVAILABLE', 'fault'],
    ['DATA_LOSS', 'fault'],
    ['UNAUTHENTICATED', 'error'],
  ] as const)('%s answers: %s on both sides, with the status as cause', async (status, outcome) => {
    const code = grpc.status[status];
    const expected = {
      error: outcome === 'error' || outcome === 'throttle' ? true : undefined,
      throttle: outcome === 'throttle' ? true : undefined,
      fault: outcome === 'fault' ? true : undefined,
    };
    const details = `order 7: ${status.toLowerCase()}`;
    const { error } = await traceSegment(`caller-${status}`, () => get(client, { id: 7, code, details }));
    expect(error?.code).toBe(code);
    const caller = await segmentNamed(`caller-${status}`);
    const [call] = remote(caller);
    const [served] = await serverSegments(caller.trace_id);
    for (const [doc, isRemote] of [
      [call!, true],
      [served!, undefined],
    ] as const) {
      expect(flags(doc)).toEqual(expected);
      expect(metadataOf(doc)).toMatchObject({ status_code: code, status });
      expect(exceptionOf(doc)).toMatchObject({ type: status, message: details, stack: [] });
      expect(exceptionOf(doc)?.['remote']).toBe(isRemote);
    }
    expect(served!['annotations']).toMatchObject({ grpc_status: status });
    expect(served!['parent_id']).toBe(call!.id);
  });

  test('a handler that throws, or passes an Error, is a fault with the status as cause', async () => {
    const thrown = await traceSegment('caller-throws', () => get(client, { throw: true }));
    expect(thrown.error?.code).toBe(grpc.status.UNKNOWN);
    const passed = await traceSegment('caller-passes', () => get(client, { details: 'db down' }));
    expect(passed.error).toMatchObject({ code: grpc.status.UNKNOWN, details: 'db down' });
    for (const [name, message] of [
      ['caller-throws', 'Unknown error'],
      ['caller-passes', 'db down'],
    ] as const) {
      const caller = await segmentNamed(name);
      const [served] = await serverSegments(caller.trace_id);
      for (const doc of [remote(caller)[0]!, served!]) {
        expect(flags(doc)).toEqual({ error: undefined, throttle: undefined, fault: true });
        expect(exceptionOf(doc)).toMatchObject({ type: 'UNKNOWN', message });
      }
    }
  });

  test('callbacks in a handler stay in its segment: a traced call made there nests under it', async () => {
    let callerId = '';
    const { error, order, callbackEntity } = await traceSegment('nesting-caller', (segment) => {
      callerId = segment.id;
      return get(client, { id: 1, nested: true });
    });
    expect(error).toBeNull();
    expect(callbackEntity).toBe(callerId);
    const caller = await segmentNamed('nesting-caller');
    const [outer, inner] = (await serverSegments(caller.trace_id, 2)).sort(
      (a, b) => (a['start_time'] as number) - (b['start_time'] as number),
    );
    expect(outer!['parent_id']).toBe(remote(caller)[0]!.id);
    // The nested call's subsegment and the capture made in its callback are the outer segment's.
    expect(outer!.subsegments?.map((s) => [s.name, s['namespace']])).toEqual([
      ['localhost', 'remote'],
      ['after nested call', undefined],
    ]);
    expect(inner!['parent_id']).toBe(outer!.subsegments![0]!.id);
    expect(inner!.subsegments?.map((s) => s.name)).toEqual(['lookup']);
    expect(order?.handler_entity).toBe(outer!.subsegments![1]!.id);
  });

  test('an unsampled trace carries Sampled=0 and records nothing, on either side', async () => {
    const root = '1-5f0e1d2c-0123456789abcdef01234567';
    const { order, callbackEntity } = await traceSegment('unsampled-caller', () => get(client, { id: 2 }), {
      traceContext: { traceId: root, parentId: '1234567890abcdef', sampled: false },
    });
    const parent = /^Root=1-5f0e1d2c-0123456789abcdef01234567;Parent=([0-9a-f]{16});Sampled=0$/.exec(
      order?.trace_header ?? '',
    )?.[1];
    expect(parent).toBeDefined();
    expect(order?.traceparent).toBe(`00-${w3c(root)}-${parent}-00`);
    // The handler and the caller's callback still ran in their (unsampled) contexts.
    expect(order?.handler_entity).toMatch(/^[0-9a-f]{16}$/);
    expect(callbackEntity).toBe(parent);
    await settled();
    expect(collector.docs.filter((d) => d.trace_id === root)).toEqual([]);
  });

  test('a call outside any trace is untouched; the server starts a trace of its own', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('tenant', 'acme');
    const { order, callbackEntity } = await get(client, { id: 3 }, metadata);
    expect(order).toMatchObject({ trace_header: '', traceparent: '', tracestate: '' });
    expect(callbackEntity).toBe('');
    const [served] = await serverSegments();
    expect(served).not.toHaveProperty('parent_id');
    expect(order?.handler_entity).toBe(served!.id);
    expect(metadata.getMap()).toEqual({ tenant: 'acme' });
  });

  test("the caller's metadata is copied, never changed, and headers it sets itself win", async () => {
    const shared = new grpc.Metadata();
    shared.set('tenant', 'acme');
    const first = await traceSegment('copy-1', () => get(client, { id: 1 }, shared));
    const second = await traceSegment('copy-2', () => get(client, { id: 2 }, shared));
    expect(shared.getMap()).toEqual({ tenant: 'acme' });
    expect(first.order?.trace_header).toContain(`Parent=${remote(await segmentNamed('copy-1'))[0]!.id}`);
    expect(second.order?.trace_header).toContain(`Parent=${remote(await segmentNamed('copy-2'))[0]!.id}`);

    const own = new grpc.Metadata();
    own.set('x-amzn-trace-id', 'Root=1-5f0e1d2c-aaaaaaaaaaaaaaaaaaaaaaaa;Sampled=1');
    const kept = await traceSegment('own-header', () => get(client, { id: 4 }, own));
    expect(kept.order).toMatchObject({
      trace_header: 'Root=1-5f0e1d2c-aaaaaaaaaaaaaaaaaaaaaaaa;Sampled=1',
      traceparent: '',
    });
    // Still recorded on the caller's side.
    expect(remote(await segmentNamed('own-header')).map((d) => d.name)).toEqual(['localhost']);
  });

  test('configure({ traceparent: false }) sends x-amzn-trace-id alone', async () => {
    configure({
      name: 'caller',
      daemonAddress: collector.address,
      sampling: { rules: SAMPLE_ALL, centralized: false },
      traceparent: false,
    });
    try {
      const { order } = await traceSegment('no-w3c', () => get(client, { id: 5 }));
      expect(order?.trace_header).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
      expect(order?.traceparent).toBe('');
      expect(order?.tracestate).toBe('');
    } finally {
      configureTest();
    }
  });

  test('the sampling rule that decided travels in tracestate; each server counts its call for it', async () => {
    const continued: string[] = [];
    configure({
      name: 'caller',
      daemonAddress: collector.address,
      sampling: {
        sampler: {
          shouldSample: () => ({ sampled: true, ruleName: 'checkout' }),
          continuedTrace(rule) {
            continued.push(rule);
            return undefined;
          },
        },
      },
    });
    try {
      // The caller's rule reaches the server, which passes it on to the call it makes itself.
      const { order } = await traceSegment('rule-caller', () => get(client, { id: 1, nested: true }));
      expect(order?.tracestate).toBe('awsxraysamplingrule=checkout');
      expect(continued).toEqual(['checkout', 'checkout']);
    } finally {
      configureTest();
    }
  });

  test('200 concurrent calls each keep their own context, on both sides', async () => {
    // A new channel: grpc-js starts the calls that wait for its connection from the first
    // caller's context, so each call's callback runs in its caller's only if bound to it.
    const fresh = new Orders(`localhost:${port}`, grpc.credentials.createInsecure(), {
      interceptors: [grpcClientTracing(grpc)],
    });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        traceSegment(`concurrent-${i}`, async (segment) => {
          const result = await get(fresh, { id: i, delay_ms: (i * 7) % 20 });
          return { segment: segment.id, traceId: segment.traceId, ...result };
        }),
      ),
    ).finally(() => fresh.close());
    await flush();
    const count = (docs: Doc[], name: (n: string) => boolean) => docs.filter((d) => name(d.name)).length;
    await collector.waitFor(
      (docs) =>
        count(docs, (n) => n === SERVER) >= 200 && count(docs, (n) => n.startsWith('concurrent-')) >= 200,
    );
    for (const [i, result] of results.entries()) {
      expect(result.error).toBeNull();
      expect(result.callbackEntity).toBe(result.segment);
      const segments = collector.trace(result.traceId);
      expect(segments.map((d) => d.name).sort()).toEqual([`concurrent-${i}`, SERVER]);
      const caller = segments.find((d) => d.id === result.segment);
      const served = segments.find((d) => d.name === SERVER);
      const [call] = remote(caller!);
      expect(served).toMatchObject({ name: SERVER, parent_id: call!.id });
      expect(served!.subsegments?.map((s) => s.name)).toEqual(['lookup']);
      expect(result.order).toMatchObject({ id: i, handler_entity: served!.id });
    }
  });

  test("server streams: events in the caller's context, both ends recorded when the call ends", async () => {
    // Two callers on a new channel (see the concurrency test): both streams start from the first's context.
    const fresh = new Orders(`localhost:${port}`, grpc.credentials.createInsecure(), {
      interceptors: [grpcClientTracing(grpc)],
    });
    const received: { entity: string; at: number }[][] = [[], []];
    const callers = ['', ''];
    const statuses = await Promise.all(
      [0, 1].map((i) =>
        traceSegment(`list-caller-${i}`, (segment) => {
          callers[i] = segment.id;
          const stream = fresh.List({ id: i, count: 3, delay_ms: 20 });
          stream.on('metadata', () => received[i]!.push({ entity: here(), at: 0 }));
          stream.on('data', () => received[i]!.push({ entity: here(), at: now() }));
          return statusOf(stream);
        }),
      ),
    ).finally(() => fresh.close());
    expect(statuses.map((s) => s.code)).toEqual([grpc.status.OK, grpc.status.OK]);
    for (const i of [0, 1]) {
      // The response's metadata, then its three messages.
      expect(received[i]!.map((r) => r.entity)).toEqual(Array(4).fill(callers[i]));
      const caller = await segmentNamed(`list-caller-${i}`);
      const [call] = remote(caller);
      const [served] = await serverSegments(caller.trace_id);
      expect(call).toMatchObject({ metadata: { grpc: { method: 'List', status: 'OK' } } });
      expect(served).toMatchObject({
        parent_id: call!.id,
        annotations: { rpc_method: 'List', grpc_status: 'OK' },
      });
      // Not when the call started or its first message went: when its status did.
      expect(served!['end_time']).toBeGreaterThanOrEqual(Math.floor(lastWrite.get(i)! * 1000) / 1000);
      expect(call!['end_time']).toBeGreaterThanOrEqual(Math.floor(received[i]![3]!.at * 1000) / 1000);
    }
  });

  test('a server stream that fails, and one the client cancels, end with that status', async () => {
    const failed = await traceSegment('list-fails', () => {
      const stream = client.List({ count: 1, code: grpc.status.UNAVAILABLE });
      stream.on('data', () => {});
      return statusOf(stream);
    });
    expect(failed.code).toBe(grpc.status.UNAVAILABLE);
    const cancelled = await traceSegment('list-cancelled', () => {
      const stream = client.List({ count: 1000, delay_ms: 5 });
      stream.once('data', () => stream.cancel());
      return statusOf(stream);
    });
    expect(cancelled.code).toBe(grpc.status.CANCELLED);
    for (const [name, status, outcome] of [
      ['list-fails', 'UNAVAILABLE', { error: undefined, throttle: undefined, fault: true }],
      ['list-cancelled', 'CANCELLED', { error: true, throttle: undefined, fault: undefined }],
    ] as const) {
      const caller = await segmentNamed(name);
      const [served] = await serverSegments(caller.trace_id);
      for (const doc of [remote(caller)[0]!, served!]) {
        expect(flags(doc)).toEqual(outcome);
        expect(metadataOf(doc)).toMatchObject({ status });
      }
    }
  });

  test('a deadline that passes first is a fault on both sides, though the handler answers later', async () => {
    const { error } = await traceSegment('deadline-caller', () =>
      get(client, { id: 8, delay_ms: 300 }, new grpc.Metadata(), { deadline: Date.now() + 50 }),
    );
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    const caller = await segmentNamed('deadline-caller');
    const [served] = await serverSegments(caller.trace_id);
    for (const doc of [remote(caller)[0]!, served!]) {
      expect(flags(doc)).toEqual({ error: undefined, throttle: undefined, fault: true });
      expect(metadataOf(doc)).toMatchObject({ status: 'DEADLINE_EXCEEDED' });
    }
  });

  test("client and bidirectional streams: handlers' stream events in the server segment", async () => {
    let callerId = '';
    const upload = await traceSegment('upload-caller', (segment) => {
      callerId = segment.id;
      return new Promise<{ count: number; entity: string }>((resolve, reject) => {
        const stream = client.Upload((error, summary) =>
          error ? reject(error) : resolve({ count: summary?.count ?? -1, entity: here() }),
        );
        for (let id = 0; id < 3; id++) stream.write({ id });
        stream.end();
      });
    });
    // Every message reached the handler in its segment; the answer came back in the caller's.
    expect(upload).toEqual({ count: 3, entity: callerId });

    const echoes: { handler: string; entity: string; at: number }[] = [];
    await traceSegment('chat-caller', async (segment) => {
      callerId = segment.id;
      const stream = client.Chat();
      stream.on('data', (order: Order) =>
        echoes.push({ handler: order.handler_entity, entity: here(), at: now() }),
      );
      for (let id = 0; id < 3; id++) {
        stream.write({ id });
        await sleep(10);
      }
      stream.end();
      await statusOf(stream);
    });
    const caller = await segmentNamed('chat-caller');
    const [call] = remote(caller);
    const [served] = await serverSegments(caller.trace_id);
    expect(served).toMatchObject({
      parent_id: call!.id,
      annotations: { rpc_method: 'Chat', grpc_status: 'OK' },
    });
    expect(echoes.map((e) => [e.handler, e.entity])).toEqual(Array(3).fill([served!.id, callerId]));
    expect(served!['end_time']).toBeGreaterThanOrEqual(Math.floor(lastWrite.get(-1)! * 1000) / 1000);
    expect(call!['end_time']).toBeGreaterThanOrEqual(Math.floor(echoes[2]!.at * 1000) / 1000);
    const uploadCaller = await segmentNamed('upload-caller');
    expect((await serverSegments(uploadCaller.trace_id))[0]).toMatchObject({
      parent_id: remote(uploadCaller)[0]!.id,
      annotations: { rpc_method: 'Upload' },
    });
  });

  test('an OpenTelemetry-style caller sending only traceparent is continued, and its decision followed', async () => {
    const traceId = '5f0e1d2c0123456789abcdef01234567';
    const sampled = new grpc.Metadata();
    sampled.set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`);
    const { order } = await get(plain, { id: 9 }, sampled);
    const [served] = await serverSegments('1-5f0e1d2c-0123456789abcdef01234567');
    expect(served).toMatchObject({ parent_id: '00f067aa0ba902b7' });
    expect(order?.handler_entity).toBe(served!.id);

    const unsampledTrace = '6f0e1d2c0123456789abcdef01234567';
    const unsampled = new grpc.Metadata();
    unsampled.set('traceparent', `00-${unsampledTrace}-00f067aa0ba902b7-00`);
    await get(plain, { id: 10 }, unsampled);
    await settled();
    expect(collector.docs.filter((d) => d.trace_id === '1-6f0e1d2c-0123456789abcdef01234567')).toEqual([]);
  });

  test('a new trace is sampled as POST to the method path on the :authority host; ignored methods are not traced', async () => {
    const requests: SamplingRequest[] = [];
    configure({
      name: 'caller',
      daemonAddress: collector.address,
      // The ignored call's handler captures outside any trace, as it should.
      contextMissing: 'IGNORE',
      sampling: {
        sampler: {
          shouldSample(request) {
            requests.push(request);
            return { sampled: true };
          },
        },
      },
    });
    const [ignoring, ignoringPort] = await startServer([
      grpcServerTracing(grpc, { name: 'ignoring', ignoreMethods: ['/fluoro.test.Orders/G*'] }),
    ]);
    const other = new Orders(`127.0.0.1:${ignoringPort}`, grpc.credentials.createInsecure());
    try {
      await get(plain, { id: 11 });
      expect(requests).toEqual([{ serviceName: SERVER, host: 'localhost', method: 'POST', path: GET }]);
      const { order } = await get(other, { id: 12 });
      expect(order?.handler_entity).toBe('');
      expect(requests).toHaveLength(1);
    } finally {
      other.close();
      ignoring.forceShutdown();
      configureTest();
    }
  });

  test('first among other server interceptors: it sees a later one refuse a call, or defer it', async () => {
    // Refuses calls without `authorization`; lets the others through after a timer.
    const auth: grpc.ServerInterceptor = (_method, call) =>
      new grpc.ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata(metadata, pass) {
              if (metadata.get('authorization').length === 0)
                call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: 'no token' });
              else setTimeout(() => pass(metadata), 5);
            },
          }),
      });
    const [guarded, guardedPort] = await startServer([grpcServerTracing(grpc, { name: 'guarded' }), auth]);
    const via = new Orders(`localhost:${guardedPort}`, grpc.credentials.createInsecure(), {
      interceptors: [grpcClientTracing(grpc)],
    });
    try {
      const refused = await traceSegment('refused-caller', () => get(via, { id: 1 }));
      expect(refused.error?.code).toBe(grpc.status.UNAUTHENTICATED);
      const token = new grpc.Metadata();
      token.set('authorization', 'Bearer x');
      const allowed = await traceSegment('allowed-caller', () => get(via, { id: 2 }, token));
      expect(allowed.error).toBeNull();
      for (const [caller, status] of [
        ['refused-caller', 'UNAUTHENTICATED'],
        ['allowed-caller', 'OK'],
      ] as const) {
        const doc = await segmentNamed(caller);
        await flush();
        await collector.waitFor((docs) =>
          docs.some((d) => d.name === 'guarded' && d.trace_id === doc.trace_id),
        );
        const served = collector.trace(doc.trace_id as string).find((d) => d.name === 'guarded');
        expect(served).toMatchObject({ parent_id: remote(doc)[0]!.id, annotations: { grpc_status: status } });
        if (status === 'OK') {
          expect(served!.subsegments?.map((d) => d.name)).toEqual(['lookup']);
          expect(allowed.order?.handler_entity).toBe(served!.id);
        } else expect(flags(served!)).toEqual({ error: true, throttle: undefined, fault: undefined });
      }
    } finally {
      via.close();
      guarded.forceShutdown();
    }
  });

  test('given something that is not grpc-js, calls pass untouched and the drop is counted', async () => {
    const before = stats().dropped['grpc_unsupported_module'] ?? 0;
    const broken = new Orders(`localhost:${port}`, grpc.credentials.createInsecure(), {
      interceptors: [grpcClientTracing({} as typeof grpc)],
    });
    try {
      const { error, order } = await traceSegment('broken', () => get(broken, { id: 13 }));
      expect(error).toBeNull();
      expect(order?.trace_header).toBe('');
      expect(stats().dropped['grpc_unsupported_module']).toBe(before + 1);
    } finally {
      broken.close();
    }
  });
});

test("the interceptors have grpc-js's own types, made from its classes (checked by tsc)", () => {
  const client: grpc.Interceptor = grpcClientTracing(grpc);
  const server: grpc.ServerInterceptor = grpcServerTracing(grpc, { name: SERVER });
  // @ts-expect-error a class that is not grpc-js's InterceptingCall
  const wrongClient: grpc.Interceptor = grpcClientTracing({ InterceptingCall: class {} });
  // @ts-expect-error a class that is not grpc-js's ServerInterceptingCall
  const wrongServer: grpc.ServerInterceptor = grpcServerTracing({ ServerInterceptingCall: class {} });
  expect([client, server, wrongClient, wrongServer].map((f) => typeof f)).toEqual(Array(4).fill('function'));
});

describe('gRPC status and names', () => {
  test.each([
    [0, 'ok'],
    [1, 'error'],
    [2, 'fault'],
    [3, 'error'],
    [4, 'fault'],
    [8, 'throttle'],
    [12, 'fault'],
    [13, 'fault'],
    [14, 'fault'],
    [15, 'fault'],
    [16, 'error'],
    [17, 'fault'],
    [-1, 'fault'],
    [2.5, 'fault'],
  ])('code %i is %s', (code, outcome) => {
    expect(grpcOutcome(code)).toBe(outcome);
  });

  test.each([
    ['dns:localhost:50051', 'localhost', 'localhost:50051'],
    ['dns:///orders.prod.svc:443', 'orders.prod.svc', 'orders.prod.svc:443'],
    ['dns://8.8.8.8/orders:50051', 'orders', 'orders:50051'],
    ['orders:50051', 'orders', 'orders:50051'],
    ['127.0.0.1:50051', '127.0.0.1', '127.0.0.1:50051'],
    ['ipv4:10.0.0.5:50051,10.0.0.6:50051', '10.0.0.5', '10.0.0.5:50051'],
    ['ipv6:[::1]:50051', '::1', '[::1]:50051'],
    ['[::1]:50051', '::1', '[::1]:50051'],
    ['xds:///orders', 'orders', 'orders'],
    ['orders', 'orders', 'orders'],
  ])('target %s calls %s', (target, host, authority) => {
    expect(parseTarget(target)).toEqual({ host, authority });
  });

  test.each(['unix:/tmp/orders.sock', 'unknown', ''])('target %j names no host', (target) => {
    expect(parseTarget(target)).toBeUndefined();
  });

  test('method paths split into service and method', () => {
    expect(splitMethodPath('/orders.v1.Orders/Get')).toEqual({ service: 'orders.v1.Orders', method: 'Get' });
    expect(splitMethodPath('Get')).toEqual({ service: '', method: 'Get' });
  });
});
