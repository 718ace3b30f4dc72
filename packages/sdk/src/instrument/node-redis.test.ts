import { createClient, ErrorReply } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { configure, traceSegment } from '../index.js';
import {
  SAMPLE_ALL,
  sentSegment,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';
import { traceRedis } from './redis.js';
import {
  concurrentTraces,
  deleteKeys,
  end,
  firstException,
  keyPrefix,
  NAME,
  REDIS,
  redisMeta,
  remote,
  SERVER_URL,
  settled,
  start,
} from './redis.test-helpers.js';

const PREFIX = keyPrefix('node-redis');

let collector: UdpCollector;

beforeAll(async () => {
  collector = await startUdpCollector();
  configure({ daemonAddress: collector.address, sampling: { rules: SAMPLE_ALL, centralized: false } });
});
afterAll(async () => {
  await deleteKeys(PREFIX);
  await collector.close();
});
beforeEach(() => collector.clear());

describe('traceRedis(node-redis)', () => {
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    client = createClient({ url: `redis://${REDIS.host}:${REDIS.port}` });
    expect(traceRedis(client)).toBe(client);
    expect(traceRedis(client)).toBe(client); // twice: harmless
    await client.connect();
  });
  afterAll(() => client.destroy());

  test('each command in a trace is one remote subsegment, a failing one a fault that still reaches the caller', async () => {
    const key = `${PREFIX}nr-basic`;
    let caught: unknown;
    const results = await traceSegment('nr-basic', async () => {
      const set = await client.set(key, 'secret-value');
      const got = await client.get(key);
      try {
        await client.incr(key);
      } catch (err) {
        caught = err;
      }
      return [set, got];
    });
    expect(results).toEqual(['OK', 'secret-value']);
    expect(caught).toBeInstanceOf(ErrorReply);
    const seg = await sentSegment(collector, 'nr-basic');
    const subs = remote(seg);
    expect(subs.map((s) => s.name)).toEqual([NAME, NAME, NAME]);
    expect(subs.map((s) => redisMeta(s))).toEqual([
      { command: 'SET', db: 0, url: SERVER_URL },
      { command: 'GET', db: 0, url: SERVER_URL },
      { command: 'INCR', db: 0, url: SERVER_URL },
    ]);
    let previousEnd = start(seg);
    for (const sub of subs) {
      expect(start(sub)).toBeGreaterThanOrEqual(previousEnd);
      previousEnd = end(sub);
    }
    expect(previousEnd).toBeLessThanOrEqual(end(seg));
    expect(subs.map((s) => s['fault'])).toEqual([undefined, undefined, true]);
    expect(firstException(subs[2]!)?.message).toBe((caught as Error).message);
    expect(JSON.stringify(seg)).not.toContain('secret-value');
  });

  test('commands outside a trace record nothing', async () => {
    await client.set(`${PREFIX}nr-untraced`, '1');
    await client.get(`${PREFIX}nr-untraced`);
    await settled(collector);
    expect(collector.docs.map((d) => d.name)).toEqual([expect.stringMatching(/^marker-/)]);
  });

  test('200 concurrent traces each hold exactly their own commands', async () => {
    const keyed = traceRedis(createClient({ socket: REDIS }), { recordArguments: true });
    await keyed.connect();
    try {
      await concurrentTraces(collector, PREFIX, 'nr-many', keyed);
    } finally {
      keyed.destroy();
    }
  });

  test('a client connected inside a trace keeps its own PINGs out of it', async () => {
    const pinging = traceRedis(createClient({ socket: REDIS, pingInterval: 1 }));
    // One lasting listener: `once()` twice on this proxy object would lose the second event.
    let pings = 0;
    const pinged = new Promise<void>((resolve) =>
      pinging.on('ping-interval', () => {
        if (++pings === 2) resolve();
      }),
    );
    try {
      await traceSegment('nr-connect', async () => {
        await pinging.connect();
        await pinging.get(`${PREFIX}nr-connect`);
      });
      // The client PINGs from a timer its socket set up, in the context `connect` ran in.
      await pinged;
    } finally {
      pinging.destroy();
    }
    const seg = await sentSegment(collector, 'nr-connect');
    expect(remote(seg).map((s) => redisMeta(s)['command'])).toEqual(['GET']);
    await settled(collector);
    expect(collector.docs.filter((d) => d.type === 'subsegment')).toEqual([]);
  });

  test('multi().exec() and execAsPipeline() are one subsegment each, naming their commands', async () => {
    const key = `${PREFIX}nr-multi`;
    await traceSegment('nr-batches', async () => {
      await client.multi().set(key, 'text').get(key).exec();
      await client.multi().set(key, '1').incr(key).execAsPipeline();
      await client
        .multi()
        .set(key, 'text')
        .incr(key)
        .exec()
        .catch(() => undefined);
    });
    const seg = await sentSegment(collector, 'nr-batches');
    const subs = remote(seg);
    expect(subs.map((s) => s.name)).toEqual([NAME, NAME, NAME]);
    expect(subs.map((s) => redisMeta(s))).toEqual([
      { command: 'MULTI', db: 0, url: SERVER_URL, commands: ['SET', 'GET'] },
      { command: 'PIPELINE', db: 0, url: SERVER_URL, commands: ['SET', 'INCR'] },
      { command: 'MULTI', db: 0, url: SERVER_URL, commands: ['SET', 'INCR'] },
    ]);
    expect(subs.map((s) => s['fault'])).toEqual([undefined, undefined, true]);
    expect(firstException(subs[2]!)?.message).toContain('not an integer');
  });
});
