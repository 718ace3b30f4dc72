import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { flush, traceSegment } from '../index.js';
import {
  type Doc,
  descendants,
  sentSegment,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';

// A real Redis on loopback (no password), as on the project's machines and in CI.
export const REDIS = { host: '127.0.0.1', port: 6379 };
export const NAME = 'redis@127.0.0.1:6379';
export const SERVER_URL = 'redis://127.0.0.1:6379';

/** A prefix for every key one test file writes, unique to the run; see `deleteKeys`. */
export function keyPrefix(file: string): string {
  return `fluoro-test:${file}:${process.pid}:${Date.now()}:`;
}

/** Deletes the keys under `prefix` in database 0, with a client of its own. */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS);
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

export const remote = (doc: Doc) => descendants(doc).filter((d) => d['namespace'] === 'remote');
export const redisMeta = (doc: Doc) => (doc['metadata'] as { redis: Record<string, unknown> }).redis;
export const start = (doc: Doc) => doc['start_time'] as number;
export const end = (doc: Doc) => doc['end_time'] as number;
export const firstException = (doc: Doc) =>
  (doc['cause'] as { exceptions: { message: string; remote: boolean }[] }).exceptions[0];

/**
 * Sends a marker segment and waits for it: what was sent before it (one socket, loopback) has
 * arrived by then, so a test can assert that nothing else was sent.
 */
export async function settled(collector: UdpCollector): Promise<void> {
  const marker = `marker-${Math.random()}`;
  traceSegment(marker, () => {});
  await sentSegment(collector, marker);
}

/** A Redis client as both libraries' promise APIs see it, for the shared concurrency test. */
export interface KeyValueClient {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/**
 * 200 traces at once, each writing, reading and deleting its own key on one shared connection:
 * every trace must hold exactly its three commands, on its own key (recorded with
 * `recordArguments`), and the values must come back right.
 */
export async function concurrentTraces(
  collector: UdpCollector,
  keys: string,
  prefix: string,
  client: KeyValueClient,
): Promise<void> {
  const count = 200;
  const values = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      traceSegment(`${prefix}-${i}`, async () => {
        const key = `${keys}${prefix}:${i}`;
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
      ['SET', `${keys}${prefix}:${i}`],
      ['GET', `${keys}${prefix}:${i}`],
      ['DEL', `${keys}${prefix}:${i}`],
    ]);
  }
  expect(collector.docs.filter((d) => d.type === 'subsegment')).toEqual([]);
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
