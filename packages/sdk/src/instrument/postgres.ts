import type { Entity, SqlData, Subsegment } from '../entity.js';
import { type ContextEntity, recorder } from '../recorder.js';

/** The parts of node-postgres (`pg`) that are instrumented, kept structural: no dependency on pg. */
export interface PgModuleLike {
  Client: { prototype: object };
  Pool?: { prototype: object };
}

export interface PostgresOptions {
  /**
   * Record each query's text as `sql.sanitized_query`. Default: the `AWS_XRAY_COLLECT_SQL_QUERIES`
   * variable, as X-Ray's `capturePostgres` does. Off by default because a query's text may hold
   * values written into it.
   */
  collectQueries?: boolean;
}

/** The longest query text recorded. */
const MAX_QUERY_LENGTH = 2048;
const PATCHED = Symbol.for('fluoro.pgTraced');

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
type Callback = (err: unknown, result?: unknown) => unknown;
interface ClientLike {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
}
interface Submittable {
  submit: unknown;
  callback?: Callback;
  once?: (event: string, listener: (err?: unknown) => void) => unknown;
}

/**
 * Traces node-postgres: `tracePostgres(pg)` (the module, from `import pg from 'pg'` or
 * `require('pg')`) once at startup. Each query made inside a trace (`client.query`,
 * `pool.query`, prepared statements, `Query` objects) becomes a `remote` subsegment named
 * `database@host`, as X-Ray's `capturePostgres` names it, with an `sql` block (url without
 * password, database type, user, and the query text when `collectQueries`). A failed query is a
 * fault with the error as `cause`; the caller gets the error unchanged. Callbacks run in the
 * caller's trace context, and so do a pool's waits for a free client: pg fires both from
 * whichever connection answers, which would otherwise put one request's queries in another's
 * trace. Returns the module; calling it again only changes the options.
 */
export function tracePostgres<T extends PgModuleLike>(pg: T, options: PostgresOptions = {}): T {
  const clientProto = pg.Client.prototype as Record<string | symbol, unknown>;
  const collectQueries = options.collectQueries ?? isTruthy(process.env['AWS_XRAY_COLLECT_SQL_QUERIES']);
  const patched = clientProto[PATCHED] as Settings | undefined;
  if (patched) {
    patched.collectQueries = collectQueries;
    return pg;
  }
  const settings: Settings = { collectQueries };
  const query = clientProto['query'];
  if (typeof query === 'function') clientProto['query'] = tracedQuery(query as AnyFn, settings);
  const poolProto = pg.Pool?.prototype as Record<string, unknown> | undefined;
  const connect = poolProto?.['connect'];
  if (poolProto && typeof connect === 'function')
    poolProto['connect'] = contextKeepingConnect(connect as AnyFn);
  Object.defineProperty(clientProto, PATCHED, { value: settings });
  return pg;
}

/** What a later `tracePostgres` call may change (the last call's options win). */
interface Settings {
  collectQueries: boolean;
}

function tracedQuery(original: AnyFn, settings: Settings): AnyFn {
  return function query(this: unknown, ...args: unknown[]) {
    const context = recorder.enabled ? recorder.storage.getStore() : undefined;
    if (context === undefined) return original.apply(this, args);
    bindCallbacks(args, context);
    if (!context.sampled) return original.apply(this, args);
    let sub: Subsegment;
    try {
      sub = startQuery(context, this as ClientLike, args[0], settings.collectQueries);
    } catch (err) {
      recorder.drop('instrumentation_error', `pg: ${(err as Error).message}`);
      return original.apply(this, args);
    }
    const closing = (callback: Callback): Callback =>
      function (this: unknown, err: unknown, result?: unknown) {
        sub.close(err ?? undefined);
        return callback.call(this, err, result);
      };
    const first = args[0] as Submittable | undefined;
    const last = args.length - 1;
    if (isSubmittable(first) && typeof first.callback === 'function')
      first.callback = closing(first.callback);
    else if (last > 0 && typeof args[last] === 'function') args[last] = closing(args[last] as Callback);
    else if (isSubmittable(first)) {
      // A Query, cursor or stream object without a callback reports its end as events.
      first.once?.('end', () => sub.close());
      first.once?.('error', (err) => sub.close(err));
      if (typeof first.once !== 'function') sub.close();
    }
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (err) {
      sub.close(err);
      throw err;
    }
    if (result instanceof Promise) {
      // Observed, not chained: the caller's promise and its rejection stay exactly pg's.
      result.then(
        () => sub.close(),
        (err: unknown) => sub.close(err),
      );
    }
    return result;
  };
}

function startQuery(parent: Entity, client: ClientLike, config: unknown, collect: boolean): Subsegment {
  const host = client.host ?? 'localhost';
  const database = client.database ?? client.user ?? 'postgres';
  const sub = parent.addSubsegment(`${database}@${host}`, 'remote');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const sql: SqlData = {
    url: `postgresql://${hostPart}${client.port ? `:${client.port}` : ''}/${database}`,
    database_type: 'PostgreSQL',
    driver_version: 'node-postgres',
    preparation: 'call',
  };
  if (client.user) sql.user = client.user;
  const cfg = config as { text?: unknown; name?: unknown } | undefined;
  if (cfg !== null && typeof cfg === 'object' && typeof cfg.name === 'string') sql.preparation = 'statement';
  if (collect) {
    const text = typeof config === 'string' ? config : typeof cfg?.text === 'string' ? cfg.text : undefined;
    if (text !== undefined) sql.sanitized_query = text.slice(0, MAX_QUERY_LENGTH);
  }
  sub.sql = sql;
  return sub;
}

function isSubmittable(value: unknown): value is Submittable {
  return value !== null && typeof value === 'object' && typeof (value as Submittable).submit === 'function';
}

/** Callbacks given to pg run in the caller's context, wherever pg calls them from. */
function bindCallbacks(args: unknown[], context: ContextEntity): void {
  const last = args.length - 1;
  const callback = args[last];
  if (last > 0 && typeof callback === 'function') args[last] = inContext(context, callback as Callback);
  const first = args[0];
  if (isSubmittable(first) && typeof first.callback === 'function') {
    first.callback = inContext(context, first.callback);
  }
}

/** `pool.connect(callback)`: the callback may be handed a client released by another request. */
function contextKeepingConnect(original: AnyFn): AnyFn {
  return function connect(this: unknown, ...args: unknown[]) {
    const context = recorder.enabled ? recorder.storage.getStore() : undefined;
    if (context !== undefined && typeof args[0] === 'function')
      args[0] = inContext(context, args[0] as Callback);
    return original.apply(this, args);
  };
}

function inContext(context: ContextEntity, fn: Callback): Callback {
  return function (this: unknown, ...args: unknown[]) {
    return recorder.storage.run(context, () => (fn as AnyFn).apply(this, args));
  };
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}
