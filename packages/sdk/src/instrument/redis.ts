import { recorder } from '../recorder.js';
import { isIoRedisClient, patchIoRedis } from './ioredis.js';
import { isNodeRedisClient, patchNodeRedis } from './node-redis.js';
import type { RedisTraceOptions } from './redis-command.js';

export type { RedisTraceOptions } from './redis-command.js';

const TRACED = Symbol.for('fluoro.redisTraced');

/**
 * Records each Redis command made inside a trace as a `namespace: "remote"` subsegment named
 * `redis@host:port`, from when the command is sent to when its reply arrives, with
 * `metadata.redis` = `{ command, db, url }` (`key` too with `recordArguments`; values never).
 * An error reply or a lost connection marks the subsegment `fault` with the error as `cause`;
 * the caller still gets the same error. Commands outside a trace, or in an unsampled one, are
 * not recorded.
 *
 * Works on an ioredis `Redis` client and a node-redis client from `createClient()` (tested
 * with ioredis 5.11 and 6.0, `redis` 5.12 and 6.3). Pipelines: with ioredis each queued command
 * is its own subsegment, in the trace it was queued in (so `enableAutoPipelining`, which sends
 * many requests' commands in one batch, stays correct); with node-redis each `exec()` /
 * `execAsPipeline()` is one subsegment (command `MULTI` / `PIPELINE`, the command names in
 * `commands`). Only the client given is patched, once (calling again does nothing); clients
 * made later with `duplicate()` need their own call. `connect()` and ioredis' lazy connect and
 * reconnects run outside any trace, so the client's own commands (ready check, SELECT, PING)
 * are never charged to a request; create clients at startup, since one constructed inside a
 * request opens its socket there, before this function sees it.
 *
 * Returns the same client. Never throws: anything else (an ioredis `Cluster`, a node-redis
 * pool, cluster or sentinel, node-redis v4, not a client) is returned untouched, counted as a
 * `redis_unsupported_client` drop and logged once.
 */
export function traceRedis<C>(client: C, options: RedisTraceOptions = {}): C {
  try {
    if (client === null || typeof client !== 'object') {
      recorder.drop('redis_unsupported_client', `traceRedis() needs a Redis client, got ${typeof client}`);
      return client;
    }
    const marked = client as { [TRACED]?: boolean };
    if (marked[TRACED]) return client;
    if (isNodeRedisClient(client)) {
      // Marked on the real client too, so a second proxy of it is not patched twice.
      const self = (client._self ?? client) as { [TRACED]?: boolean };
      if (!self[TRACED]) patchNodeRedis(client, options);
      self[TRACED] = true;
    } else if (isIoRedisClient(client)) patchIoRedis(client, options);
    else {
      recorder.drop(
        'redis_unsupported_client',
        'traceRedis() supports ioredis Redis and node-redis v5+ clients',
      );
      return client;
    }
    marked[TRACED] = true;
  } catch (err) {
    recorder.drop('redis_instrumentation_error', `traceRedis(): ${(err as Error).message}`);
  }
  return client;
}
