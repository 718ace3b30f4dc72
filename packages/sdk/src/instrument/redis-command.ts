import type { Subsegment } from '../entity.js';
import { capString } from '../limits.js';
import type { ContextEntity } from '../recorder.js';

/** Options for `traceRedis`. */
export interface RedisTraceOptions {
  /**
   * Record each command's first argument (usually the key) as `metadata.redis.key`, capped at
   * 250 characters. Default false: arguments can hold secrets and personal data, so by default
   * only the command name is recorded.
   */
  recordArguments?: boolean;
}

/** The server a client talks to, resolved once when the client is patched. */
export interface RedisTarget {
  /** Subsegment name, `redis@host:port`. */
  name: string;
  /** `redis://host:port` (`rediss://` over TLS, `redis+unix:///path` for a socket), never credentials. */
  url: string;
}

/**
 * Names the target the way X-Ray's SDKs name remote SQL calls (`database@host`, see
 * `capturePostgres`): X-Ray draws one inferred service-map node per distinct remote subsegment
 * name, so `redis@host:port` gives each Redis server its own node, and two servers on one host
 * (common for Redis) stay apart. The port is always there, so the name does not change with
 * how the client was configured.
 */
export function toRedisTarget(host: string, port: number | string, tls: boolean): RedisTarget {
  // X-Ray refuses brackets in names (the SDK strips them); URLs need them around IPv6 hosts.
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return { name: `redis@${host}:${port}`, url: `${tls ? 'rediss' : 'redis'}://${bracketed}:${port}` };
}

/** The target of a client connected over a Unix socket. */
export function toUnixRedisTarget(path: string): RedisTarget {
  return { name: `redis@${path}`, url: `redis+unix://${path}` };
}

/**
 * Starts the `remote` subsegment of one command under `parent`, or returns undefined when the
 * command is not to be traced (no trace, or an unsampled one). The command is recorded in
 * metadata (namespace `redis`): X-Ray's `sql` block is for SQL databases (OpenTelemetry's X-Ray
 * exporters only fill it for SQL systems) and `aws` is for AWS API calls, while metadata takes
 * any JSON and is never indexed, so it costs no annotation slots.
 */
export function startRedisCommand(
  parent: ContextEntity | undefined,
  target: RedisTarget,
  command: string,
  db: number | undefined,
  key: unknown,
): Subsegment | undefined {
  if (parent === undefined || !parent.sampled) return undefined;
  const sub = parent.addSubsegment(target.name, 'remote');
  const redis: Record<string, unknown> = { command, url: target.url };
  if (db !== undefined) redis['db'] = db;
  if (key !== undefined) {
    const text = keyText(key);
    if (text !== undefined) redis['key'] = text;
  }
  sub.metadata = { redis };
  return sub;
}

/** Ends a command's subsegment; an error (error reply, lost connection) marks it a remote fault. */
export function endRedisCommand(sub: Subsegment, error?: unknown): void {
  if (sub.closed) return;
  if (error !== undefined) sub.addError(error, true);
  sub.close();
}

/** EXEC succeeds even when a queued command failed: its reply holds that command's error. */
export function failedInTransaction(reply: unknown): unknown {
  if (!Array.isArray(reply)) return undefined;
  for (const item of reply) if (item instanceof Error) return item;
  return undefined;
}

function keyText(key: unknown): string | undefined {
  if (typeof key === 'string') return capString(key);
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  if (key instanceof Uint8Array) {
    // Only the first bytes are decoded: a binary key can be large.
    const head = Buffer.from(key.buffer, key.byteOffset, Math.min(key.byteLength, 1024));
    return capString(head.toString('utf8'));
  }
  return undefined;
}
