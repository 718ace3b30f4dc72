import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as amqplibNamespace from 'amqplib';
import amqplib, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import amqpCallback from 'amqplib/callback_api';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { describeIfListening } from '../../../../test/helpers/require-or-skip.js';
import {
  capture,
  configure,
  flush,
  getCurrent,
  parseXRayHeader,
  stats,
  type TraceEntity,
  traceHttp,
  traceSegment,
} from '../index.js';
import { recorder } from '../recorder.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  sentSegment,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';
import { traceAmqp } from './amqp.js';

// A real RabbitMQ on loopback (guest/guest), as on the project's machines and in CI.
const HOST = '127.0.0.1';
const PORT = 5672;
const URL = `amqp://guest:guest@${HOST}:${PORT}`;
const SERVICE = 'amqp-test-service';
const RUN = `${process.pid}-${Date.now().toString(36)}`;

// Skipped when RabbitMQ is not there, except under FLUORO_TEST_REQUIRE_ALL=1 (CI), where it fails.
const describeMq = await describeIfListening('RabbitMQ', HOST, PORT);

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** What a consumer saw of one message. */
interface Seen {
  header: unknown;
  headers: Record<string, unknown>;
  properties: ConsumeMessage['properties'];
  current: TraceEntity;
}
function seenOf(message: ConsumeMessage): Seen {
  return {
    header: message.properties.headers?.['X-Amzn-Trace-Id'],
    headers: { ...message.properties.headers },
    properties: message.properties,
    current: getCurrent(),
  };
}

/** A trace id in W3C's form. */
const w3c = (traceId: string) => traceId.slice(2).replace('-', '');
const remote = (doc: Doc) => descendants(doc).filter((d) => d['namespace'] === 'remote');
const annotations = (doc: Doc) => doc['annotations'] as Record<string, unknown> | undefined;
const firstException = (doc: Doc) =>
  (doc['cause'] as { exceptions: { message: string }[] } | undefined)?.exceptions[0];

let collector: UdpCollector;
let model: ChannelModel;
let channel: Channel;
const queues: string[] = [];
const exchanges: string[] = [];

/** A queue of this test run, deleted after each test (and by the server a minute after disuse). */
async function declareQueue(label: string): Promise<string> {
  const name = `fluoro-test-${label}-${RUN}-${queues.length}`;
  queues.push(name);
  await channel.assertQueue(name, { durable: false, arguments: { 'x-expires': 60_000 } });
  return name;
}

/** The one consumer segment (no `type`) of messages taken from `queue`, once sent. */
async function consumerSegments(queue: string, count = 1): Promise<Doc[]> {
  const of = (docs: Doc[]) => docs.filter((d) => d.type === undefined && annotations(d)?.['queue'] === queue);
  await flush();
  await collector.waitFor((docs) => of(docs).length >= count);
  return of(collector.docs).map((d) => collector.trace(d.trace_id as string).find((t) => t.id === d.id)!);
}

/**
 * The segment named `name` once sent, with its subsegments sent on their own merged back. Not
 * `sentSegment`: that returns a trace's first segment, here often the consumer's.
 */
async function segmentNamed(name: string): Promise<Doc> {
  const find = (docs: Doc[]) => docs.find((d) => d.name === name && d.type === undefined);
  await flush();
  await collector.waitFor((docs) => find(docs) !== undefined);
  const doc = find(collector.docs)!;
  return collector.trace(doc.trace_id as string).find((d) => d.id === doc.id)!;
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

describeMq('traceAmqp', () => {
  beforeAll(async () => {
    collector = await startUdpCollector();
    configure({
      name: SERVICE,
      daemonAddress: collector.address,
      sampling: { rules: SAMPLE_ALL, centralized: false },
    });
    expect(traceAmqp(amqplib)).toBe(amqplib);
    const connectFn = amqplib.connect;
    expect(traceAmqp(amqplib)).toBe(amqplib); // twice: harmless
    expect(amqplib.connect).toBe(connectFn);
    traceAmqp(amqpCallback);
    model = await amqplib.connect(URL);
    channel = await model.createChannel();
  });
  afterAll(async () => {
    await model?.close();
    await collector?.close();
  });
  beforeEach(() => collector.clear());
  afterEach(async () => {
    // Outside any trace, on a channel of its own: a failed test may have closed the shared one.
    const admin = await model.createChannel();
    for (const q of queues.splice(0)) await admin.deleteQueue(q);
    for (const e of exchanges.splice(0)) await admin.deleteExchange(e);
    await admin.close();
    traceAmqp(amqplib, {});
  });

  test('a message sent in a trace carries it: the consumer segment joins it under the send subsegment', async () => {
    const queue = await declareQueue('basic');
    const got = deferred<Seen>();
    await channel.consume(queue, (message) => {
      if (message === null) return;
      channel.ack(message);
      const seen = seenOf(message);
      capture('handle', () => got.resolve(seen));
    });
    const returned = await traceSegment('producer', async () =>
      channel.sendToQueue(queue, Buffer.from('hello')),
    );
    expect(returned).toBe(true);

    const producer = await segmentNamed('producer');
    const [send, ...others] = remote(producer);
    expect(others).toEqual([]);
    expect(send).toMatchObject({
      name: queue,
      namespace: 'remote',
      metadata: { amqp: { exchange: '', routing_key: queue, queue } },
    });
    expect(send!['fault']).toBeUndefined();

    const seen = await got.promise;
    expect(seen.header).toBe(`Root=${producer.trace_id};Parent=${send!.id};Sampled=1`);
    // The same trace, parent and decision for OpenTelemetry consumers (ADR 0011).
    expect(seen.headers['traceparent']).toBe(`00-${w3c(producer.trace_id as string)}-${send!.id}-01`);
    const [consumer] = await consumerSegments(queue);
    expect(consumer).toMatchObject({
      name: SERVICE,
      trace_id: producer.trace_id,
      parent_id: send!.id,
      annotations: { queue, exchange: '', routing_key: queue, redelivered: false },
    });
    // The handler ran in the consumer segment: its own work is recorded there.
    expect(consumer!.subsegments?.map((s) => s.name)).toEqual(['handle']);
    expect(seen.current.id).toBe(consumer!.id);
    expect(consumer!['end_time']).toBeGreaterThanOrEqual(consumer!['start_time'] as number);
  });

  test('a publish to an exchange from a traced HTTP request: named after the exchange, consumer named by option', async () => {
    traceAmqp(amqplib, { consumerName: 'mail-worker' });
    const queue = await declareQueue('http');
    const exchange = `fluoro-test-ex-${RUN}`;
    exchanges.push(exchange);
    await channel.assertExchange(exchange, 'direct', { durable: false });
    await channel.bindQueue(queue, exchange, 'mail.send');
    const got = deferred<Seen>();
    await channel.consume(queue, (message) => {
      if (message === null) return;
      channel.ack(message);
      got.resolve(seenOf(message));
    });
    const server: Server = createServer(
      traceHttp(
        (_req, res) => {
          channel.publish(exchange, 'mail.send', Buffer.from('{"to":"a@example.com"}'));
          res.end('queued');
        },
        { name: 'http-producer' },
      ),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`);
      expect(await response.text()).toBe('queued');
    } finally {
      server.close();
    }

    const request = await segmentNamed('http-producer');
    const [send] = remote(request);
    expect(send).toMatchObject({
      name: exchange,
      namespace: 'remote',
      metadata: { amqp: { exchange, routing_key: 'mail.send' } },
    });
    expect((send!['metadata'] as { amqp: object }).amqp).not.toHaveProperty('queue');
    const [consumer] = await consumerSegments(queue);
    expect(consumer).toMatchObject({
      name: 'mail-worker',
      trace_id: request.trace_id,
      parent_id: send!.id,
      annotations: { exchange, routing_key: 'mail.send', redelivered: false },
    });
    expect((await got.promise).current.id).toBe(consumer!.id);
  });

  test('the callback API: the same on both sides, and callbacks run in their caller’s trace', async () => {
    const queue = `fluoro-test-callback-${RUN}`;
    const got = deferred<Seen>();
    let connectedIn: string | undefined;
    let opener: string | undefined;
    const connection = await traceSegment('cb-connect', (segment) => {
      opener = segment.id;
      return new Promise<amqpCallback.Connection>((resolve, reject) =>
        amqpCallback.connect(URL, (err, conn) => {
          connectedIn = recorder.current()?.id;
          if (err) reject(err);
          else resolve(conn);
        }),
      );
    });
    expect(connectedIn).toBe(opener);
    try {
      const ch = await new Promise<amqpCallback.Channel>((resolve, reject) =>
        connection.createChannel((err, c) => (err ? reject(err) : resolve(c))),
      );
      // The socket was opened outside any trace: a reply's callback does not land in the
      // trace that happened to connect.
      let repliedIn: unknown = 'not called';
      await new Promise((resolve, reject) =>
        ch.assertQueue(queue, { durable: false, arguments: { 'x-expires': 60_000 } }, (err, ok) => {
          repliedIn = recorder.current();
          return err ? reject(err) : resolve(ok);
        }),
      );
      expect(repliedIn).toBeUndefined();
      queues.push(queue);
      await new Promise((resolve, reject) =>
        ch.consume(
          queue,
          (message) => {
            if (message === null) return;
            ch.ack(message);
            got.resolve(seenOf(message));
          },
          {},
          (err, ok) => (err ? reject(err) : resolve(ok)),
        ),
      );
      traceSegment('cb-producer', () => {
        ch.sendToQueue(queue, Buffer.from('from the callback API'));
      });
      const producer = await segmentNamed('cb-producer');
      const [send] = remote(producer);
      expect(send?.name).toBe(queue);
      const seen = await got.promise;
      expect(seen.header).toBe(`Root=${producer.trace_id};Parent=${send!.id};Sampled=1`);
      const [consumer] = await consumerSegments(queue);
      expect(consumer).toMatchObject({ name: SERVICE, trace_id: producer.trace_id, parent_id: send!.id });
    } finally {
      await new Promise((resolve) => connection.close(resolve));
    }
  });

  test('the callback API: reply callbacks called inside a trace run in it, deliveries still in their own', async () => {
    const queue = `fluoro-test-callback-ctx-${RUN}`;
    const connection = await new Promise<amqpCallback.Connection>((resolve, reject) =>
      amqpCallback.connect(URL, (err, conn) => (err ? reject(err) : resolve(conn))),
    );
    const calledIn: Record<string, string | undefined> = {};
    const delivered = deferred<Seen>();
    /** A reply callback that notes the entity it ran in, as a promise. */
    const noting =
      <T>(what: string, resolve: (value: T) => void, reject: (err: unknown) => void) =>
      (err: unknown, value: T) => {
        calledIn[what] = recorder.current()?.id;
        return err ? reject(err) : resolve(value);
      };
    try {
      let caller: string | undefined;
      await traceSegment('cb-caller', async (segment) => {
        caller = segment.id;
        const ch = await new Promise<amqpCallback.Channel>((resolve, reject) =>
          connection.createChannel(noting('createChannel', resolve, reject)),
        );
        await new Promise((resolve, reject) =>
          ch.assertQueue(
            queue,
            { durable: false, arguments: { 'x-expires': 60_000 } },
            noting('assertQueue', resolve, reject),
          ),
        );
        queues.push(queue);
        await new Promise((resolve, reject) => ch.prefetch(5, false, noting('prefetch', resolve, reject)));
        ch.sendToQueue(queue, Buffer.from('first'));
        await new Promise((resolve, reject) => {
          // `get` answers once the message is in the queue; it may take a moment to get there.
          const poll = () =>
            ch.get(queue, { noAck: true }, (err, message) => {
              if (!err && message === false) return void setTimeout(poll, 10);
              noting('get', resolve, reject)(err, message);
            });
          poll();
        });
        await new Promise((resolve, reject) =>
          ch.consume(
            queue,
            (message) => {
              if (message === null) return;
              ch.ack(message);
              delivered.resolve(seenOf(message));
            },
            {},
            noting('consume', resolve, reject),
          ),
        );
        ch.sendToQueue(queue, Buffer.from('second'));
        await delivered.promise;
      });
      expect(calledIn).toEqual({
        createChannel: caller,
        assertQueue: caller,
        prefetch: caller,
        get: caller,
        consume: caller,
      });
      // The consumer callback was given while the caller's segment was current: each delivery
      // is still a segment of its own, in the producer's trace.
      const producer = await segmentNamed('cb-caller');
      const [consumer] = await consumerSegments(queue);
      expect((await delivered.promise).current.id).toBe(consumer!.id);
      expect(consumer).toMatchObject({ trace_id: producer.trace_id, parent_id: remote(producer)[1]!.id });
    } finally {
      await new Promise((resolve) => connection.close(resolve));
    }
  });

  test('an unsampled trace propagates Sampled=0 only, and its consumer records nothing', async () => {
    const queue = await declareQueue('unsampled');
    const got = deferred<Seen>();
    await channel.consume(queue, (message) => {
      if (message === null) return;
      channel.ack(message);
      capture('not-recorded', () => got.resolve(seenOf(message)));
    });
    const root = '1-6a1b2c3d-cccccccccccccccccccccccc';
    traceSegment('unsampled-producer', () => channel.sendToQueue(queue, Buffer.from('x')), {
      // Decided upstream by a centralized rule, which goes on in `tracestate` (adaptive sampling).
      traceContext: {
        ...parseXRayHeader(`Root=${root};Parent=1234567890abcdef;Sampled=0`)!,
        samplingRule: 'checkout',
      },
    });
    const seen = await got.promise;
    expect(seen.header).toBe(`Root=${root};Sampled=0`);
    expect(seen.headers['traceparent']).toMatch(new RegExp(`^00-${w3c(root)}-[0-9a-f]{16}-00$`));
    expect(seen.headers['tracestate']).toBe('awsxraysamplingrule=checkout');
    expect(seen.current.sampled).toBe(false);
    expect(seen.current.traceId).toBe(root);
    await settled();
    expect(collector.docs.map((d) => d.name)).toEqual([expect.stringMatching(/^marker-/)]);
  });

  test('a message sent outside any trace is left alone; its consumer starts a trace by the sampling rules', async () => {
    const queue = await declareQueue('untraced');
    const got = deferred<Seen>();
    await channel.consume(queue, (message) => {
      if (message === null) return;
      channel.ack(message);
      got.resolve(seenOf(message));
    });
    const options = { headers: { tenant: 'acme' }, messageId: 'm-untraced' };
    channel.sendToQueue(queue, Buffer.from('x'), options);
    const seen = await got.promise;
    expect(seen.headers).toEqual({ tenant: 'acme' });
    expect(options).toEqual({ headers: { tenant: 'acme' }, messageId: 'm-untraced' });
    const [consumer] = await consumerSegments(queue);
    expect(consumer!.parent_id).toBeUndefined();
    expect(consumer!.trace_id).toBe(seen.current.traceId);
    expect(seen.current.id).toBe(consumer!.id);
  });

  test('a message from an OpenTelemetry producer (traceparent alone) continues its trace', async () => {
    const queue = await declareQueue('otel-producer');
    const got = deferred<Seen>();
    await channel.consume(queue, (message) => {
      if (message === null) return;
      channel.ack(message);
      got.resolve(seenOf(message));
    });
    const traceparent = '00-6a1b2c3ddddddddddddddddddddddddd-1111111111111111-01';
    channel.sendToQueue(queue, Buffer.from('x'), { headers: { traceparent } });
    const seen = await got.promise;
    expect(seen.current.traceId).toBe('1-6a1b2c3d-dddddddddddddddddddddddd');
    const [consumer] = await consumerSegments(queue);
    expect(consumer).toMatchObject({
      trace_id: '1-6a1b2c3d-dddddddddddddddddddddddd',
      parent_id: '1111111111111111',
    });
  });

  test("the caller's headers are kept and its options object is not changed", async () => {
    const queue = await declareQueue('headers');
    const got = deferred<Seen>();
    await channel.consume(queue, (message) => {
      if (message === null) return;
      channel.ack(message);
      got.resolve(seenOf(message));
    });
    const headers = { tenant: 'acme', 'x-attempt': 2 };
    const options = { headers, persistent: true, messageId: 'm-1', contentType: 'application/json' };
    const before = structuredClone(options);
    await traceSegment('headers-producer', async () => {
      channel.sendToQueue(queue, Buffer.from('{}'), options);
    });
    expect(options).toEqual(before);
    expect(options.headers).toBe(headers);
    expect(Object.keys(headers)).toEqual(['tenant', 'x-attempt']);
    const seen = await got.promise;
    expect(seen.headers).toEqual({
      tenant: 'acme',
      'x-attempt': 2,
      'X-Amzn-Trace-Id': seen.header,
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
    expect(seen.properties).toMatchObject({
      messageId: 'm-1',
      contentType: 'application/json',
      deliveryMode: 2,
    });
    const producer = await segmentNamed('headers-producer');
    expect(seen.header).toBe(`Root=${producer.trace_id};Parent=${remote(producer)[0]!.id};Sampled=1`);
  });

  test('a handler that throws or rejects: a fault with its cause, and the same error passed on', async () => {
    const syncQueue = await declareQueue('throws');
    const asyncQueue = await declareQueue('rejects');
    const thrown = new Error('handler threw');
    const rejected = new Error('handler rejected');
    // amqplib hands a listener's throw to `handler-error`; a returned promise it ignores, so the
    // test reads what the consumer registered returned, on its way back to amqplib.
    const handlerError = deferred<unknown>();
    channel.once('handler-error', (err: unknown) => handlerError.resolve(err));
    await channel.consume(
      syncQueue,
      (message) => {
        if (message !== null) throw thrown;
      },
      { noAck: true },
    );
    const { consumerTag } = await channel.consume(
      asyncQueue,
      async (message) => {
        if (message === null) return;
        await sleep(5);
        throw rejected;
      },
      { noAck: true },
    );
    const consumers = (
      channel as unknown as { consumers: Map<string, (m: ConsumeMessage | null) => unknown> }
    ).consumers;
    const registered = consumers.get(consumerTag)!;
    const returned = deferred<{ value: unknown }>();
    consumers.set(consumerTag, (message) => {
      const value = registered(message);
      if (value instanceof Promise) value.catch(() => {});
      returned.resolve({ value });
      return value;
    });

    await traceSegment('failing-producer', async () => {
      channel.sendToQueue(syncQueue, Buffer.from('1'));
      channel.sendToQueue(asyncQueue, Buffer.from('2'));
    });
    expect(await handlerError.promise).toBe(thrown);
    const { value } = await returned.promise;
    expect(value).toBeInstanceOf(Promise);
    await expect(value).rejects.toBe(rejected);

    const [syncSegment] = await consumerSegments(syncQueue);
    const [asyncSegment] = await consumerSegments(asyncQueue);
    expect(syncSegment!['fault']).toBe(true);
    expect(firstException(syncSegment!)?.message).toBe('handler threw');
    expect(asyncSegment!['fault']).toBe(true);
    expect(firstException(asyncSegment!)?.message).toBe('handler rejected');
    // The segment ended when the promise settled, after the handler's own wait.
    expect((asyncSegment!['end_time'] as number) - (asyncSegment!['start_time'] as number)).toBeGreaterThan(
      0.004,
    );
  });

  test('a confirm channel: one subsegment per message, and the confirm callback still called', async () => {
    const queue = await declareQueue('confirm');
    const got = deferred<Seen>();
    await channel.consume(queue, (message) => {
      if (message === null) return;
      channel.ack(message);
      got.resolve(seenOf(message));
    });
    const confirms = await model.createConfirmChannel();
    try {
      const confirmed = await traceSegment(
        'confirm-producer',
        () =>
          new Promise<unknown>((resolve) => {
            confirms.sendToQueue(queue, Buffer.from('x'), {}, (err) =>
              resolve({ err, confirmedIn: recorder.current()?.id }),
            );
          }),
      );
      // The broker's confirmation arrives on the socket; the callback runs in its caller's trace.
      expect(confirmed).toEqual({ err: null, confirmedIn: (await segmentNamed('confirm-producer')).id });
      await confirms.waitForConfirms();
    } finally {
      await confirms.close();
    }
    const producer = await segmentNamed('confirm-producer');
    const sends = remote(producer);
    expect(sends.map((s) => s.name)).toEqual([queue]);
    expect((await got.promise).header).toBe(`Root=${producer.trace_id};Parent=${sends[0]!.id};Sampled=1`);
  });

  test('a publish on a closed channel: a fault, and the error reaches the caller unchanged', async () => {
    const closed = await model.createChannel();
    await closed.close();
    let caught: unknown;
    traceSegment('closed-producer', () => {
      try {
        closed.sendToQueue('anything', Buffer.from('x'));
      } catch (err) {
        caught = err;
      }
    });
    expect(caught).toBeInstanceOf(amqplib.IllegalOperationError);
    const [send] = remote(await segmentNamed('closed-producer'));
    expect(send).toMatchObject({ name: 'anything', fault: true });
    expect(firstException(send!)?.message).toBe((caught as Error).message);
  });

  test('a cancelled consumer gets its null message untouched, outside any segment', async () => {
    const queue = await declareQueue('cancelled');
    const got = deferred<{ message: ConsumeMessage | null; sampled: boolean | undefined }>();
    const ch = await model.createChannel();
    try {
      await ch.consume(queue, (message) =>
        got.resolve({ message, sampled: message === null ? undefined : getCurrent().sampled }),
      );
      // Deleting the queue makes the server cancel its consumers.
      await channel.deleteQueue(queue);
      expect(await got.promise).toEqual({ message: null, sampled: undefined });
    } finally {
      await ch.close();
    }
    await settled();
    expect(collector.docs.map((d) => d.name)).toEqual([expect.stringMatching(/^marker-/)]);
  });

  test('300 messages handled concurrently (prefetch 25, async handlers): each segment holds exactly its own work', async () => {
    const count = 300;
    const queue = await declareQueue('concurrent');
    const consumerChannel = await model.createChannel();
    let inFlight = 0;
    let maxInFlight = 0;
    const done = deferred<void>();
    let handled = 0;
    try {
      await consumerChannel.prefetch(25);
      await consumerChannel.consume(queue, async (message) => {
        if (message === null) return;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const i = message.content.toString();
        await sleep(Math.random() * 5);
        await capture(`work-${i}`, async () => {
          await sleep(Math.random() * 5);
          await capture(`inner-${i}`, () => sleep(Math.random() * 3));
        });
        capture(`done-${i}`, () => {});
        inFlight--;
        consumerChannel.ack(message);
        if (++handled === count) done.resolve();
      });
      const producers = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          traceSegment(`conc-producer-${i}`, async (segment) => {
            await sleep(Math.random() * 5);
            channel.sendToQueue(queue, Buffer.from(String(i)));
            return segment.traceId;
          }),
        ),
      );
      await done.promise;
      expect(maxInFlight).toBeGreaterThan(1);

      const consumers = await consumerSegments(queue, count);
      expect(consumers).toHaveLength(count);
      await collector.waitFor(
        (docs) => docs.filter((d) => d.name.startsWith('conc-producer-')).length === count,
      );
      const sends = new Map<string, Doc>();
      for (const doc of collector.docs.filter((d) => d.name.startsWith('conc-producer-'))) {
        const producer = collector.trace(doc.trace_id as string).find((d) => d.id === doc.id)!;
        const [send] = remote(producer);
        sends.set(doc.name.slice('conc-producer-'.length), send!);
      }
      for (const consumer of consumers) {
        const work = consumer.subsegments?.[0]?.name ?? '';
        const i = work.slice('work-'.length);
        expect(consumer.trace_id).toBe(producers[Number(i)]);
        expect(consumer.parent_id).toBe(sends.get(i)?.id);
        expect(descendants(consumer).map((s) => s.name)).toEqual([`work-${i}`, `inner-${i}`, `done-${i}`]);
      }
      expect(new Set(consumers.map((c) => c.trace_id)).size).toBe(count);
    } finally {
      await consumerChannel.close();
    }
  });

  test('anything but the module object is returned untouched, never a throw', () => {
    const before = stats().dropped['amqp_unsupported_module'] ?? 0;
    expect(traceAmqp(amqplibNamespace)).toBe(amqplibNamespace);
    const notAModule = { connect: 1 } as unknown as typeof amqplib;
    expect(traceAmqp(notAModule)).toBe(notAModule);
    expect(stats().dropped['amqp_unsupported_module']).toBe(before + 2);
  });
});
