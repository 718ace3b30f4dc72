import type { Subsegment } from '../entity.js';
import { recorder } from '../recorder.js';
import {
  endRedisCommand,
  failedInTransaction,
  type RedisTarget,
  type RedisTraceOptions,
  startRedisCommand,
  toRedisTarget,
  toUnixRedisTarget,
} from './redis-command.js';

type Args = readonly unknown[];
type Batch = (this: unknown, commands: { args: Args }[], selectedDB?: number, ...rest: unknown[]) => unknown;

/** The parts of a node-redis (`redis` v5+, `@redis/client`) client used here. */
export interface NodeRedisClient {
  sendCommand(this: unknown, args: Args, commandOptions?: unknown): unknown;
  connect(this: unknown, ...args: unknown[]): unknown;
  _executeMulti: Batch;
  _executePipeline: Batch;
  /** `createClient()` returns an object whose prototype is the real client, `_self`. */
  _self?: NodeRedisClient;
  options?: { socket?: { host?: string; port?: number; path?: string; tls?: boolean }; database?: number };
}

/** The most commands named in a batch's metadata (a pipeline can hold thousands). */
const MAX_BATCH_NAMES = 100;

/**
 * True for a node-redis v5+ client from `createClient()` (tested with v5.12 and v6.3). Not
 * pools, clusters or sentinels (`_executeCommand` is the client's own), nor v4: v4's command
 * methods reach the socket through a private `#sendCommand` and its `multiExecutor`, so nothing
 * patchable sees them, and supporting it would mean a second implementation for a version
 * v5 replaced.
 */
export function isNodeRedisClient(client: object): client is NodeRedisClient {
  const c = client as Partial<NodeRedisClient> & { _executeCommand?: unknown };
  return (
    typeof c.sendCommand === 'function' &&
    typeof c.connect === 'function' &&
    typeof c._executeCommand === 'function' &&
    typeof c._executeMulti === 'function' &&
    typeof c._executePipeline === 'function'
  );
}

/**
 * Patches one node-redis client. Commands run on the real client (`_self`, which
 * `withTypeMapping()` and the other option proxies inherit from), so that is what is patched.
 *
 * A single command goes through `sendCommand` and becomes one subsegment. `multi().exec()` and
 * `execAsPipeline()` put their commands straight on the client's private queue, so their
 * replies cannot be seen one by one: each `exec` is one subsegment, command `MULTI` or
 * `PIPELINE`, with the command names in `commands`. The caller gets a promise chained on the
 * client's, settling with the same value or the same error.
 */
export function patchNodeRedis(client: NodeRedisClient, options: RedisTraceOptions): void {
  const self = client._self ?? client;
  const socket = self.options?.socket;
  const target: RedisTarget =
    typeof socket?.path === 'string'
      ? toUnixRedisTarget(socket.path)
      : toRedisTarget(socket?.host ?? 'localhost', socket?.port ?? 6379, socket?.tls === true);
  const recordArguments = options.recordArguments === true;
  // The client keeps its database private: follow SELECTs (when sent, as Redis orders them).
  let db = self.options?.database ?? 0;

  const send = self.sendCommand;
  self.sendCommand = function sendCommand(this: unknown, args: Args, commandOptions?: unknown) {
    const first = Array.isArray(args) ? args[0] : undefined;
    if (first === 'SELECT' || first === 'select') db = Number(args[1]);
    const parent = recorder.storage.getStore();
    if (parent === undefined || !recorder.enabled) return send.call(this, args, commandOptions);
    let sub: Subsegment | undefined;
    try {
      const key = recordArguments ? args[1] : undefined;
      sub = startRedisCommand(parent, target, String(first).toUpperCase(), db, key);
    } catch (err) {
      recorder.drop('redis_instrumentation_error', (err as Error).message);
    }
    if (sub === undefined) return send.call(this, args, commandOptions);
    return settle(sub, () => send.call(this, args, commandOptions), undefined);
  };

  const batch = (kind: 'MULTI' | 'PIPELINE', execute: Batch): Batch =>
    function (this: unknown, commands, selectedDB, ...rest) {
      const parent = recorder.storage.getStore();
      let sub: Subsegment | undefined;
      try {
        if (parent !== undefined && recorder.enabled)
          sub = startRedisCommand(parent, target, kind, db, undefined);
        if (sub?.metadata?.['redis']) sub.metadata['redis']['commands'] = batchNames(commands);
      } catch (err) {
        recorder.drop('redis_instrumentation_error', (err as Error).message);
      }
      if (typeof selectedDB === 'number') db = selectedDB;
      if (sub === undefined) return execute.call(this, commands, selectedDB, ...rest);
      return settle(sub, () => execute.call(this, commands, selectedDB, ...rest), kind);
    };
  self._executeMulti = batch('MULTI', self._executeMulti);
  self._executePipeline = batch('PIPELINE', self._executePipeline);

  // As for ioredis: the socket, its reconnects and the client's PINGs must not inherit the
  // context of whichever request happened to call `connect`.
  const connect = self.connect;
  self.connect = function (this: unknown, ...args: unknown[]) {
    return recorder.storage.exit(() => connect.apply(this, args));
  };
}

/** Runs `call`, ends `sub` when its promise settles, and hands back a promise with the same outcome. */
function settle(sub: Subsegment, call: () => unknown, kind: 'MULTI' | 'PIPELINE' | undefined): unknown {
  let result: unknown;
  try {
    result = call();
  } catch (err) {
    endRedisCommand(sub, err);
    throw err;
  }
  if (!(result instanceof Promise)) {
    endRedisCommand(sub);
    return result;
  }
  return result.then(
    (value: unknown) => {
      endRedisCommand(sub, kind === 'MULTI' ? failedInTransaction(value) : undefined);
      return value;
    },
    (err: unknown) => {
      endRedisCommand(sub, err);
      throw err;
    },
  );
}

function batchNames(commands: { args: Args }[]): string[] {
  const names: string[] = [];
  if (!Array.isArray(commands)) return names;
  for (const command of commands) {
    if (names.length === MAX_BATCH_NAMES) break;
    names.push(String(command?.args?.[0]).toUpperCase());
  }
  return names;
}
