import { Cluster, Redis, ReplyError } from 'ioredis';
import { createClientPool, createSentinel } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { capture, configure, parseXRayHeader, stats, traceSegment } from '../index.js';
import {
  SAMPLE_ALL,
  sentSegment,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';
import { traceRedis } from './redis.js';
import {
  closedPort,
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

// traceRedis with ioredis (and what it leaves alone); node-redis is in node-redis.test.ts.
const PREFIX = keyPrefix('ioredis');

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

describe('traceRedis(ioredis)', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(REDIS);
    expect(traceRedis(client)).toBe(client);
    expect(traceRedis(client)).toBe(client); // twice: harmless
  });
  afterAll(() => client.disconnect());

  test('each command in a trace is one remote subsegment, a failing one a fault that still reaches the caller', async () => {
    const key = `${PREFIX}basic`;
    let caught: unknown;
    const results = await traceSegment('io-basic', async () => {
      const set = await client.set(key, 'secret-value');
      const got = await client.get(key);
      await client.set(`${key}:n`, '41');
      const incr = await client.incr(`${key}:n`);
      try {
        await client.incr(key); // not an integer: an error reply
      } catch (err) {
        caught = err;
      }
      return [set, got, incr];
    });
    expect(results).toEqual(['OK', 'secret-value', 42]);
    expect(caught).toBeInstanceOf(ReplyError);
    expect((caught as Error).message).toContain('not an integer');

    const seg = await sentSegment(collector, 'io-basic');
    const subs = remote(seg);
    expect(subs.map((s) => s.name)).toEqual([NAME, NAME, NAME, NAME, NAME]);
    expect(subs.map((s) => redisMeta(s))).toEqual([
      { command: 'SET', db: 0, url: SERVER_URL },
      { command: 'GET', db: 0, url: SERVER_URL },
      { command: 'SET', db: 0, url: SERVER_URL },
      { command: 'INCR', db: 0, url: SERVER_URL },
      { command: 'INCR', db: 0, url: SERVER_URL },
    ]);
    // Awaited one after another: each starts after the previous ended, all inside the segment.
    let previousEnd = start(seg);
    for (const sub of subs) {
      expect(start(sub)).toBeGreaterThanOrEqual(previousEnd);
      expect(end(sub)).toBeGreaterThanOrEqual(start(sub));
      previousEnd = end(sub);
    }
    expect(previousEnd).toBeLessThanOrEqual(end(seg));
    expect(subs.slice(0, 4).map((s) => s['fault'])).toEqual([undefined, undefined, undefined, undefined]);
    expect(subs[4]!['fault']).toBe(true);
    expect(firstException(subs[4]!)).toMatchObject({ remote: true });
    expect(firstException(subs[4]!)?.message).toContain('not an integer');
    // Values are never recorded, nor keys unless asked for.
    expect(JSON.stringify(seg)).not.toContain('secret-value');
    expect(JSON.stringify(seg)).not.toContain(key);
  });

  test('commands outside a trace or in an unsampled one record nothing', async () => {
    const key = `${PREFIX}untraced`;
    await client.set(key, '1');
    await client.get(key);
    const unsampled = parseXRayHeader('Root=1-6a1b2c3d-bbbbbbbbbbbbbbbbbbbbbbbb;Sampled=0');
    await traceSegment('io-unsampled', async () => client.incr(key), { traceContext: unsampled });
    await settled(collector);
    expect(collector.docs.map((d) => d.name)).toEqual([expect.stringMatching(/^marker-/)]);
    expect(remote(collector.docs[0]!)).toEqual([]);
  });

  test('a callback runs in its caller’s trace', async () => {
    const key = `${PREFIX}callback`;
    await traceSegment('io-callback', async () => {
      await client.set(key, 'v');
      await new Promise<void>((resolve, reject) => {
        client.get(key, (err) => {
          if (err) reject(err);
          else capture('after-get', () => resolve());
        });
      });
    });
    const seg = await sentSegment(collector, 'io-callback');
    expect(seg.subsegments?.map((s) => s.name)).toEqual([NAME, NAME, 'after-get']);
  });

  test('recordArguments records the key (first argument) and never a value', async () => {
    const keyed = traceRedis(new Redis(REDIS), { recordArguments: true });
    const key = `${PREFIX}keyed`;
    try {
      await traceSegment('io-keyed', async () => {
        await keyed.set(key, 'hidden-value');
        await keyed.get(key);
      });
    } finally {
      keyed.disconnect();
    }
    const seg = await sentSegment(collector, 'io-keyed');
    expect(remote(seg).map((s) => redisMeta(s)['key'])).toEqual([key, key]);
    expect(JSON.stringify(seg)).not.toContain('hidden-value');
  });

  test('200 concurrent traces each hold exactly their own commands', async () => {
    const keyed = traceRedis(new Redis(REDIS), { recordArguments: true });
    try {
      await concurrentTraces(collector, PREFIX, 'io-many', keyed);
    } finally {
      keyed.disconnect();
    }
  });

  test('with enableAutoPipelining, commands batched across traces stay in their own trace', async () => {
    // ioredis runs one pipeline for the commands of many requests, from one request's context.
    const batched = traceRedis(new Redis({ ...REDIS, enableAutoPipelining: true }), {
      recordArguments: true,
    });
    try {
      await concurrentTraces(collector, PREFIX, 'io-auto', batched);
    } finally {
      batched.disconnect();
    }
  });

  test('a pipeline: each queued command is its own subsegment, a failing one a fault', async () => {
    const key = `${PREFIX}pipeline`;
    const results = await traceSegment('io-pipeline', () =>
      client.pipeline().set(key, 'text').get(key).incr(key).exec(),
    );
    expect(results?.map(([err]) => err instanceof ReplyError)).toEqual([false, false, true]);
    expect(results?.slice(0, 2)).toEqual([
      [null, 'OK'],
      [null, 'text'],
    ]);
    const seg = await sentSegment(collector, 'io-pipeline');
    const subs = remote(seg);
    expect(subs.map((s) => redisMeta(s)['command'])).toEqual(['SET', 'GET', 'INCR']);
    expect(subs.map((s) => s['fault'])).toEqual([undefined, undefined, true]);
    expect(firstException(subs[2]!)?.message).toContain('not an integer');
  });

  test('a transaction: MULTI, the queued commands and EXEC, which is a fault when a command failed', async () => {
    const key = `${PREFIX}multi`;
    const results = await traceSegment('io-multi', () => client.multi().set(key, 'text').incr(key).exec());
    expect(results?.[0]).toEqual([null, 'OK']);
    expect(results?.[1]?.[0]).toBeInstanceOf(ReplyError);
    const seg = await sentSegment(collector, 'io-multi');
    const subs = remote(seg);
    expect(subs.map((s) => redisMeta(s)['command'])).toEqual(['MULTI', 'SET', 'INCR', 'EXEC']);
    expect(subs.map((s) => s['fault'])).toEqual([undefined, undefined, undefined, true]);
    expect(firstException(subs[3]!)?.message).toContain('not an integer');
  });

  test('a lazy client connecting inside a trace keeps its own commands out of it', async () => {
    // ioredis sends INFO (ready check) and SELECT from the socket it opens on the first command.
    const lazy = traceRedis(new Redis({ ...REDIS, db: 1, lazyConnect: true }));
    const key = `${PREFIX}lazy`;
    try {
      await traceSegment('io-lazy', () => lazy.get(key));
      await lazy.set(key, 'x');
      await lazy.del(key);
    } finally {
      lazy.disconnect();
    }
    const seg = await sentSegment(collector, 'io-lazy');
    expect(remote(seg).map((s) => redisMeta(s))).toEqual([{ command: 'GET', db: 1, url: SERVER_URL }]);
    await settled(collector);
    expect(collector.docs.filter((d) => d.type === 'subsegment')).toEqual([]);
  });

  test('a refused connection is a fault and the error reaches the caller', async () => {
    const port = await closedPort();
    const down = traceRedis(
      new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      }),
    );
    down.on('error', () => {});
    let caught: unknown;
    await traceSegment('io-down', async () => {
      try {
        await down.get(`${PREFIX}nothing`);
      } catch (err) {
        caught = err;
      }
    });
    expect(caught).toBeInstanceOf(Error);
    const seg = await sentSegment(collector, 'io-down');
    const [sub] = remote(seg);
    expect(sub?.name).toBe(`redis@127.0.0.1:${port}`);
    expect(sub?.['fault']).toBe(true);
    expect(firstException(sub!)?.message).toBe((caught as Error).message);
  });
});

test('anything but a supported client is returned untouched, never a throw', () => {
  const notAClient = { get: () => 1 };
  expect(traceRedis(notAClient)).toBe(notAClient);
  expect(notAClient.get).toBeTypeOf('function');
  expect(traceRedis(null)).toBe(null);
  // Route commands to clients of their own: not patched rather than patched wrongly.
  const cluster = new Cluster([REDIS], { lazyConnect: true });
  const clusterSend = cluster.sendCommand;
  expect(traceRedis(cluster)).toBe(cluster);
  expect(cluster.sendCommand).toBe(clusterSend);
  const pool = createClientPool({ socket: REDIS });
  const poolSend = pool.sendCommand;
  expect(traceRedis(pool)).toBe(pool);
  expect(pool.sendCommand).toBe(poolSend);
  const sentinel = createSentinel({ name: 'main', sentinelRootNodes: [{ host: '127.0.0.1', port: 26379 }] });
  const sentinelSend = sentinel.sendCommand;
  expect(traceRedis(sentinel)).toBe(sentinel);
  expect(sentinel.sendCommand).toBe(sentinelSend);
  expect(stats().dropped['redis_unsupported_client']).toBe(5);
});
