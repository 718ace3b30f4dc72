import { once } from 'node:events';
import { createServer } from 'node:net';
import { Cluster, Redis, ReplyError } from 'ioredis';
import { createClient, createClientPool, createSentinel, ErrorReply } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { capture, configure, flush, parseXRayHeader, stats, traceSegment } from '../index.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';
import { traceRedis } from './redis.js';

// A real Redis on loopback (no password), as on the project's machines and in CI.
const REDIS = { host: '127.0.0.1', port: 6379 };
const NAME = 'redis@127.0.0.1:6379';
const SERVER_URL = 'redis://127.0.0.1:6379';
/** Every key the tests write starts with this, and is deleted afterwards. */
const PREFIX = `fluoro-test:${process.pid}:${Date.now()}:`;

let collector: UdpCollector;
/** An untraced client for setting up and cleaning up. */
let plain: Redis;

beforeAll(async () => {
  collector = await startUdpCollector();
  configure({ daemonAddress: collector.address, sampling: { rules: SAMPLE_ALL, centralized: false } });
  plain = new Redis(REDIS);
});
afterAll(async () => {
  const keys = await plain.keys(`${PREFIX}*`);
  if (keys.length > 0) await plain.del(...keys);
  plain.disconnect();
  await collector.close();
});
beforeEach(() => collector.clear());

/** The one segment named `name`, with independent subsegments merged back, once sent. */
async function segment(name: string): Promise<Doc> {
  await flush();
  await collector.waitFor((docs) => docs.some((d) => d.name === name && d.type === undefined));
  const doc = collector.docs.find((d) => d.name === name && d.type === undefined)!;
  return collector.trace(doc.trace_id as string)[0]!;
}

const remote = (doc: Doc) => descendants(doc).filter((d) => d['namespace'] === 'remote');
const redisMeta = (doc: Doc) => (doc['metadata'] as { redis: Record<string, unknown> }).redis;
const start = (doc: Doc) => doc['start_time'] as number;
const end = (doc: Doc) => doc['end_time'] as number;
const firstException = (doc: Doc) =>
  (doc['cause'] as { exceptions: { message: string; remote: boolean }[] }).exceptions[0];

/** Waits until no more datagrams arrive, by sending a marker segment and waiting for it. */
async function settled(): Promise<void> {
  const marker = `marker-${Math.random()}`;
  traceSegment(marker, () => {});
  await segment(marker);
}

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

    const seg = await segment('io-basic');
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
    await settled();
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
    const seg = await segment('io-callback');
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
    const seg = await segment('io-keyed');
    expect(remote(seg).map((s) => redisMeta(s)['key'])).toEqual([key, key]);
    expect(JSON.stringify(seg)).not.toContain('hidden-value');
  });

  test('200 concurrent traces each hold exactly their own commands', async () => {
    const keyed = traceRedis(new Redis(REDIS), { recordArguments: true });
    try {
      await concurrentTraces('io-many', keyed);
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
      await concurrentTraces('io-auto', batched);
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
    const seg = await segment('io-pipeline');
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
    const seg = await segment('io-multi');
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
    const seg = await segment('io-lazy');
    expect(remote(seg).map((s) => redisMeta(s))).toEqual([{ command: 'GET', db: 1, url: SERVER_URL }]);
    await settled();
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
    const seg = await segment('io-down');
    const [sub] = remote(seg);
    expect(sub?.name).toBe(`redis@127.0.0.1:${port}`);
    expect(sub?.['fault']).toBe(true);
    expect(firstException(sub!)?.message).toBe((caught as Error).message);
  });
});

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
    const seg = await segment('nr-basic');
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
    await settled();
    expect(collector.docs.map((d) => d.name)).toEqual([expect.stringMatching(/^marker-/)]);
  });

  test('200 concurrent traces each hold exactly their own commands', async () => {
    const keyed = traceRedis(createClient({ socket: REDIS }), { recordArguments: true });
    await keyed.connect();
    try {
      await concurrentTraces('nr-many', keyed);
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
    const seg = await segment('nr-connect');
    expect(remote(seg).map((s) => redisMeta(s)['command'])).toEqual(['GET']);
    await settled();
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
    const seg = await segment('nr-batches');
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

/** A Redis client as both libraries' promise APIs see it, for the shared concurrency test. */
interface KeyValueClient {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/**
 * 200 traces at once, each writing, reading and deleting its own key on one shared connection:
 * every trace must hold exactly its three commands, on its own key (recorded with
 * `recordArguments`), and the values must come back right.
 */
async function concurrentTraces(prefix: string, client: KeyValueClient): Promise<void> {
  const count = 200;
  const values = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      traceSegment(`${prefix}-${i}`, async () => {
        const key = `${PREFIX}${prefix}:${i}`;
        await client.set(key, `value-${i}`);
        const value = await client.get(key);
        await client.del(key);
        return value;
      }),
    ),
  );
  expect(values).toEqual(Array.from({ length: count }, (_, i) => `value-${i}`));
  await flush();
  await collector.waitFor(
    (docs) => docs.filter((d) => d.type === undefined && d.name.startsWith(`${prefix}-`)).length === count,
  );
  for (let i = 0; i < count; i++) {
    const doc = collector.docs.find((d) => d.name === `${prefix}-${i}` && d.type === undefined)!;
    const [seg] = collector.trace(doc.trace_id as string);
    const subs = remote(seg!);
    expect(subs.map((s) => [redisMeta(s)['command'], redisMeta(s)['key']])).toEqual([
      ['SET', `${PREFIX}${prefix}:${i}`],
      ['GET', `${PREFIX}${prefix}:${i}`],
      ['DEL', `${PREFIX}${prefix}:${i}`],
    ]);
  }
  expect(collector.docs.filter((d) => d.type === 'subsegment')).toEqual([]);
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
