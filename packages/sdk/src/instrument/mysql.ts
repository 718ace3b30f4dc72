import { errorMonitor } from 'node:events';
import type { Entity, SqlData, Subsegment } from '../entity.js';
import { type ContextEntity, recorder } from '../recorder.js';
import { type AnyFn, isMarked, wrapMethod } from './wrap-method.js';

/**
 * The module given to `traceMySQL`, kept structural: no dependency on the driver. `mysql2`
 * (its `Connection` and `Pool` classes), `mysql2/promise` (`PromiseConnection`, `PromisePool`)
 * or `mysql` (mysqljs: only factories).
 */
export interface MySQLModuleLike {
  createConnection: unknown;
  createPool?: unknown;
}

export interface MySQLOptions {
  /**
   * Record each query's text as `sql.sanitized_query`. Default: the `AWS_XRAY_COLLECT_SQL_QUERIES`
   * variable, as X-Ray's `captureMySQL` does. Off by default because a query's text may hold
   * values written into it.
   */
  collectQueries?: boolean;
}

/** The longest query text recorded. */
const MAX_QUERY_LENGTH = 2048;
/** Marks each function this module put in place, so nothing is wrapped twice. */
const WRAPPED = Symbol.for('fluoro.mysqlTraced');

type Preparation = NonNullable<SqlData['preparation']>;
interface ConnectionConfigLike {
  host?: string;
  port?: number;
  socketPath?: string;
  database?: string;
  user?: string;
  /** mysql2 sends its name and version to the server in these. */
  connectAttributes?: { _client_version?: unknown };
}
interface ConnectionLike {
  config?: ConnectionConfigLike;
  execute?: unknown;
  /** mysql2: the server's greeting, once connected. */
  _handshakePacket?: { serverVersion?: unknown } | null;
  /** mysql (mysqljs): the same greeting. */
  _protocol?: { _handshakeInitializationPacket?: { serverVersion?: unknown } | null };
}
/** A query object handed to `connection.query` by the driver's own `pool.query`. */
interface CommandLike {
  on: unknown;
  sql?: unknown;
  /** mysql2's callback. */
  onResult?: unknown;
  /** mysql's callback. */
  _callback?: unknown;
}
interface EmitterLike {
  once?: unknown;
  on?: unknown;
  emit?: unknown;
}

/**
 * What a later `traceMySQL` call may change (the last call's options win). One for the process:
 * `mysql2` and `mysql2/promise` share their connection classes.
 */
const settings = { collectQueries: false };

/**
 * Traces MySQL and MariaDB queries made with `mysql2` (callback and promise APIs) or `mysql`:
 * `traceMySQL(mysql)` once at startup, with the module (`import mysql from 'mysql2'`,
 * `'mysql2/promise'` or `'mysql'`). Each query made inside a trace (`connection.query`,
 * `connection.execute`, `pool.query`, `pool.execute`, a pool cluster's) becomes a `remote`
 * subsegment named `database@host`, as X-Ray's `captureMySQL` names it, with an `sql` block (url
 * without password, database type and version, driver, user, and the query text when
 * `collectQueries`). A failed query is a fault with the error as `cause`; the caller gets the
 * error unchanged. Callbacks and a query's events run in the caller's trace context, and so do
 * a pool's waits for a free connection: the driver fires them from whichever connection answers,
 * which would otherwise put one request's queries in another's trace.
 *
 * mysql2's connection classes are patched once, whichever of its two modules is given (they
 * share them; with `mysql2/promise` on the first call through a promise connection or pool).
 * `mysql` exports no classes, so its `createConnection` and `createPool` are wrapped: create
 * connections and pools through the module object given. Returns the module; calling it again
 * only changes the options. Never throws.
 */
export function traceMySQL<T extends MySQLModuleLike>(mysql: T, options: MySQLOptions = {}): T {
  settings.collectQueries = options.collectQueries ?? isTruthy(process.env['AWS_XRAY_COLLECT_SQL_QUERIES']);
  try {
    const m = mysql as unknown as Record<string | symbol, unknown>;
    let found = false;
    // mysql2: the classes both of its APIs run on.
    const connection = prototypeOf(m['Connection']);
    if (connection && typeof connection['addCommand'] === 'function') {
      patchConnection(connection);
      found = true;
    }
    const pool = prototypeOf(m['Pool']);
    if (pool && typeof pool['getConnection'] === 'function') {
      patchPool(pool);
      found = true;
    }
    // mysql2/promise: wrappers around those classes, reached through the first call.
    const promiseConnection = prototypeOf(m['PromiseConnection']);
    if (promiseConnection) {
      for (const name of ['query', 'execute'])
        wrapMethod(promiseConnection, name, WRAPPED, patchingCore('connection'));
      found = true;
    }
    const promisePool = prototypeOf(m['PromisePool']);
    if (promisePool) {
      for (const name of ['query', 'execute', 'getConnection'])
        wrapMethod(promisePool, name, WRAPPED, patchingCore('pool'));
      found = true;
    }
    // mysql: no classes exported; what its factories return shows them.
    if (!found && typeof m['createConnection'] === 'function' && m[Symbol.toStringTag] === 'Module') {
      // `import * as mysql`: its functions cannot be replaced, nor would calls through it see it.
      recorder.drop(
        'mysql_unsupported_module',
        "traceMySQL(): pass mysql's default export (import mysql from 'mysql')",
      );
      return mysql;
    }
    if (!found && typeof m['createConnection'] === 'function') {
      wrapMethod(m, 'createConnection', WRAPPED, patchingResult);
      wrapMethod(m, 'createPool', WRAPPED, patchingResult);
      found = true;
    }
    if (!found)
      recorder.drop(
        'mysql_unsupported_module',
        'traceMySQL() needs the mysql2, mysql2/promise or mysql module',
      );
  } catch (err) {
    recorder.drop('mysql_instrumentation_error', `traceMySQL(): ${(err as Error).message}`);
  }
  return mysql;
}

function prototypeOf(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'function') return undefined;
  const proto = (value as { prototype?: unknown }).prototype;
  return proto !== null && typeof proto === 'object' ? (proto as Record<string, unknown>) : undefined;
}

function patchConnection(proto: object): void {
  wrapMethod(proto, 'query', WRAPPED, (original) => tracedQuery(original, 'call'));
  // mysql2's server-side prepared statements.
  wrapMethod(proto, 'execute', WRAPPED, (original) => tracedQuery(original, 'statement'));
}

function patchPool(proto: object): void {
  wrapMethod(proto, 'getConnection', WRAPPED, contextKeepingGetConnection);
}

/** Patches the class of a connection met at run time (a pool's, mysql2/promise's), once. */
function patchConnectionOf(connection: object): void {
  if (isMarked((connection as Record<string, unknown>)['query'], WRAPPED)) return;
  try {
    patchConnection(connection);
  } catch (err) {
    recorder.drop('mysql_instrumentation_error', `mysql: ${(err as Error).message}`);
  }
}

/** mysql2/promise: its classes hold the core connection or pool, whose classes are patched first. */
function patchingCore(field: 'connection' | 'pool'): (original: AnyFn) => AnyFn {
  return (original) =>
    function (this: unknown, ...args: unknown[]) {
      const core = (this as Record<string, unknown> | undefined)?.[field];
      if (core !== null && typeof core === 'object') {
        if (field === 'connection') patchConnectionOf(core);
        else if (!isMarked((core as Record<string, unknown>)['getConnection'], WRAPPED)) {
          try {
            patchPool(core);
          } catch (err) {
            recorder.drop('mysql_instrumentation_error', `mysql: ${(err as Error).message}`);
          }
        }
      }
      return original.apply(this, args);
    };
}

/** mysql's `createConnection` / `createPool`: the object returned shows the class to patch. */
function patchingResult(original: AnyFn): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const made = original.apply(this, args);
    if (made !== null && typeof made === 'object') {
      const object = made as Record<string, unknown>;
      try {
        if (typeof object['getConnection'] === 'function') patchPool(object);
        else if (typeof object['query'] === 'function') patchConnection(object);
      } catch (err) {
        recorder.drop('mysql_instrumentation_error', `mysql: ${(err as Error).message}`);
      }
    }
    return made;
  };
}

function tracedQuery(original: AnyFn, preparation: Preparation): AnyFn {
  return function query(this: unknown, ...args: unknown[]) {
    const context = recorder.enabled ? recorder.storage.getStore() : undefined;
    if (context === undefined) return original.apply(this, args);
    const connection = this as ConnectionLike;
    let sub: Subsegment | undefined;
    if (context.sampled) {
      try {
        sub = startQuery(context, connection, args[0], preparation);
      } catch (err) {
        recorder.drop('instrumentation_error', `mysql: ${(err as Error).message}`);
      }
    }
    const hasCallback = bindCallback(args, context, sub, connection);
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (err) {
      if (sub) finish(sub, connection, err);
      throw err;
    }
    // Without a callback the query reports through its events (streams, `pool.query` objects).
    if (!hasCallback && result !== null && typeof result === 'object')
      observe(result, context, sub, connection);
    return result;
  };
}

/**
 * Puts the query's callback in the caller's context (and closing `sub` first). The callback is
 * the last argument, or on a query object the driver's `pool.query` made. False when none.
 */
function bindCallback(
  args: unknown[],
  context: ContextEntity,
  sub: Subsegment | undefined,
  connection: ConnectionLike,
): boolean {
  const first = args[0];
  if (isCommand(first)) {
    if (typeof first.onResult === 'function') {
      first.onResult = closing(first.onResult as AnyFn, context, sub, connection);
      return true;
    }
    if (typeof first._callback === 'function') {
      first._callback = closing(first._callback as AnyFn, context, sub, connection);
      return true;
    }
    return false;
  }
  const last = args.length - 1;
  if (last > 0 && typeof args[last] === 'function') {
    args[last] = closing(args[last] as AnyFn, context, sub, connection);
    return true;
  }
  return false;
}

function closing(
  callback: AnyFn,
  context: ContextEntity,
  sub: Subsegment | undefined,
  connection: ConnectionLike,
): AnyFn {
  return function (this: unknown, ...results: unknown[]) {
    if (sub) finish(sub, connection, results[0]);
    return recorder.storage.run(context, () => callback.apply(this, results));
  };
}

/** A query answered through events: `sub` closes on its end or error; listeners run in `context`. */
function observe(
  command: EmitterLike,
  context: ContextEntity,
  sub: Subsegment | undefined,
  connection: ConnectionLike,
): void {
  if (typeof command.on !== 'function' || typeof command.once !== 'function') return;
  if (sub) {
    // errorMonitor: seen without handling it, so an unhandled error stays the app's to handle.
    command.on(errorMonitor, (err: unknown) => finish(sub, connection, err));
    command.once('end', () => finish(sub, connection));
  }
  const emit = command.emit;
  if (typeof emit === 'function') {
    command.emit = function (this: unknown, ...eventArgs: unknown[]) {
      return recorder.storage.run(context, () => (emit as AnyFn).apply(this, eventArgs));
    };
  }
}

function finish(sub: Subsegment, connection: ConnectionLike, err?: unknown): void {
  if (sub.endTime !== undefined) return;
  try {
    if (sub.sql && sub.sql.database_version === undefined) {
      const version = serverVersion(connection);
      if (version !== undefined) sub.sql.database_version = version;
    }
  } catch {
    // A driver's private field changed shape: the version is left out.
  }
  sub.close(err ?? undefined);
}

/** The server's version from its greeting, known once connected: no query of its own. */
function serverVersion(connection: ConnectionLike): string | undefined {
  const version =
    connection._handshakePacket?.serverVersion ??
    connection._protocol?._handshakeInitializationPacket?.serverVersion;
  // MariaDB before 11 prefixes its version with 5.5.5- for old clients.
  return typeof version === 'string' && version !== '' ? version.replace(/^5\.5\.5-/, '') : undefined;
}

function startQuery(
  parent: Entity,
  connection: ConnectionLike,
  first: unknown,
  preparation: Preparation,
): Subsegment {
  const config = connection.config ?? {};
  const host = config.socketPath ? 'localhost' : config.host || 'localhost';
  const database = config.database || undefined;
  const sub = parent.addSubsegment(`${database ?? 'mysql'}@${host}`, 'remote');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const port = config.socketPath ? '' : `:${config.port || 3306}`;
  const version = config.connectAttributes?._client_version;
  const sql: SqlData = {
    url: `mysql://${hostPart}${port}/${database ?? ''}`,
    database_type: 'MySQL',
    // mysql2 has execute(); mysql (mysqljs) does not, and does not tell its version.
    driver_version:
      typeof connection.execute === 'function'
        ? typeof version === 'string'
          ? `mysql2 ${version}`
          : 'mysql2'
        : 'mysql',
    preparation,
  };
  if (config.user) sql.user = config.user;
  if (settings.collectQueries) {
    const text =
      typeof first === 'string'
        ? first
        : first !== null && typeof first === 'object' && typeof (first as CommandLike).sql === 'string'
          ? ((first as CommandLike).sql as string)
          : undefined;
    if (text !== undefined) sql.sanitized_query = text.slice(0, MAX_QUERY_LENGTH);
  }
  sub.sql = sql;
  return sub;
}

function isCommand(value: unknown): value is CommandLike {
  return value !== null && typeof value === 'object' && typeof (value as CommandLike).on === 'function';
}

/**
 * `pool.getConnection(callback)`: the callback may be handed a connection released by another
 * request, in that request's context; it runs in the caller's. The connection's class is
 * patched on the way (mysql2/promise and mysql reach it no other way).
 */
function contextKeepingGetConnection(original: AnyFn): AnyFn {
  return function getConnection(this: unknown, ...args: unknown[]) {
    const context = recorder.enabled ? recorder.storage.getStore() : undefined;
    const last = args.length - 1;
    if (context !== undefined && last >= 0 && typeof args[last] === 'function') {
      const callback = args[last] as AnyFn;
      args[last] = function (this: unknown, ...results: unknown[]) {
        const connection = results[1];
        if (connection !== null && typeof connection === 'object') patchConnectionOf(connection);
        return recorder.storage.run(context, () => callback.apply(this, results));
      };
    }
    return original.apply(this, args);
  };
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}
