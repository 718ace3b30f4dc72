import { AsyncResource } from 'node:async_hooks';
import { type ContextEntity, recorder } from '../recorder.js';
import {
  endRedisCommand,
  failedInTransaction,
  type RedisTarget,
  type RedisTraceOptions,
  startRedisCommand,
  toRedisTarget,
  toUnixRedisTarget,
} from './redis-command.js';

/** Set on a command once it has been seen: ioredis resends commands (offline queue, reconnect). */
const SEEN = Symbol('fluoro.redisSeen');
/** The context a pipelined command was queued in (`null`: outside any trace). */
const QUEUED_IN = Symbol('fluoro.redisQueuedIn');

/** The parts of an ioredis `Command` used here (ioredis 5 and 6). */
interface IoRedisCommand {
  name: string;
  args: unknown[];
  resolve: (value: unknown) => unknown;
  reject: (error: unknown) => unknown;
  [SEEN]?: true;
  [QUEUED_IN]?: ContextEntity | null;
}

/** The parts of an ioredis `Redis` instance used here. */
export interface IoRedisClient {
  sendCommand(command: IoRedisCommand, stream?: unknown, node?: unknown): unknown;
  connect(...args: unknown[]): unknown;
  pipeline(...args: unknown[]): unknown;
  multi(...args: unknown[]): unknown;
  options: { host?: string; port?: number; path?: string; tls?: unknown; db?: number };
  condition?: { select?: number } | null;
  isCluster?: boolean;
}

/** True for an ioredis `Redis` instance (not a `Cluster`: its commands are routed elsewhere). */
export function isIoRedisClient(client: object): client is IoRedisClient {
  const c = client as Partial<IoRedisClient>;
  return (
    typeof c.sendCommand === 'function' &&
    typeof c.pipeline === 'function' &&
    typeof c.multi === 'function' &&
    typeof c.connect === 'function' &&
    typeof c.options === 'object' &&
    c.options !== null &&
    c.isCluster !== true
  );
}

/**
 * Patches one ioredis client (own properties only; other clients and the class are untouched).
 *
 * Every command, single or pipelined, goes through `sendCommand`, so each becomes a subsegment
 * from its write to its reply. A command's trace is the one it was issued in: a direct call
 * reaches `sendCommand` synchronously from the caller, and a pipelined command records its
 * context when queued, because `enableAutoPipelining` batches commands from many requests into
 * one pipeline whose `exec` runs in whichever request's context scheduled it.
 *
 * The reply is observed by wrapping the command's own `resolve`/`reject`, not by adding a
 * handler to its promise: a handler would mark a rejection as handled, and an ignored failing
 * command must still reach `unhandledRejection` as it would untraced.
 */
export function patchIoRedis(client: IoRedisClient, options: RedisTraceOptions): void {
  const target = ioRedisTarget(client.options);
  const recordArguments = options.recordArguments === true;

  const send = client.sendCommand;
  client.sendCommand = function sendCommand(this: IoRedisClient, command, stream, node) {
    if (command !== null && typeof command === 'object' && command[SEEN] !== true) {
      try {
        command[SEEN] = true;
        const queued = command[QUEUED_IN];
        const parent = queued === undefined ? recorder.storage.getStore() : (queued ?? undefined);
        if (parent !== undefined && recorder.enabled)
          traceCommand(this, command, parent, target, recordArguments);
      } catch (err) {
        recorder.drop('redis_instrumentation_error', (err as Error).message);
      }
    }
    return send.call(this, command, stream, node);
  };

  const queueInContext = (pipeline: unknown): unknown => {
    const p = pipeline as { sendCommand?: (command: IoRedisCommand) => unknown } | null;
    if (p === null || typeof p !== 'object' || typeof p.sendCommand !== 'function') return pipeline;
    const queue = p.sendCommand;
    p.sendCommand = function sendCommand(this: unknown, command: IoRedisCommand) {
      if (command !== null && typeof command === 'object' && !(QUEUED_IN in command)) {
        command[QUEUED_IN] = recorder.storage.getStore() ?? null;
      }
      return queue.call(this, command);
    };
    return pipeline;
  };
  const pipeline = client.pipeline;
  client.pipeline = function (this: IoRedisClient, ...args: unknown[]) {
    return queueInContext(pipeline.apply(this, args));
  };
  const multi = client.multi;
  client.multi = function (this: IoRedisClient, ...args: unknown[]) {
    return queueInContext(multi.apply(this, args));
  };

  // The socket, its reconnect timers and ioredis' own commands (ready check, SELECT after a
  // reconnect, resubscribe) inherit the context `connect` ran in. A lazy client connects on its
  // first command, often inside a request: run `connect` outside any trace so none of that is
  // charged to whichever request happened to connect. A callback still runs in its caller's.
  const connect = client.connect;
  client.connect = function (this: IoRedisClient, ...args: unknown[]) {
    const last = args.length - 1;
    if (typeof args[last] === 'function') args[last] = AsyncResource.bind(args[last] as () => unknown);
    return recorder.storage.exit(() => connect.apply(this, args));
  };
}

function traceCommand(
  client: IoRedisClient,
  command: IoRedisCommand,
  parent: ContextEntity,
  target: RedisTarget,
  recordArguments: boolean,
): void {
  const resolve = command.resolve;
  const reject = command.reject;
  if (typeof resolve !== 'function' || typeof reject !== 'function') return;
  const db = client.condition?.select ?? client.options.db ?? 0;
  const name = typeof command.name === 'string' ? command.name.toUpperCase() : String(command.name);
  const sub = startRedisCommand(parent, target, name, db, recordArguments ? command.args?.[0] : undefined);
  if (sub === undefined) return;
  command.resolve = function (this: unknown, value: unknown) {
    const result = resolve.call(this, value);
    endRedisCommand(sub, name === 'EXEC' ? failedInTransaction(value) : undefined);
    return result;
  };
  command.reject = function (this: unknown, error: unknown) {
    endRedisCommand(sub, error);
    return reject.call(this, error);
  };
}

function ioRedisTarget(options: IoRedisClient['options']): RedisTarget {
  if (typeof options.path === 'string' && options.path !== '') return toUnixRedisTarget(options.path);
  return toRedisTarget(options.host ?? 'localhost', options.port ?? 6379, Boolean(options.tls));
}
