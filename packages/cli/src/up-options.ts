import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AuthToken } from '@fluoro/server';
import { readAuthTokens } from './auth-token.js';
import { UsageError } from './usage-error.js';

/** `fluoro up`'s settings after flags, environment and defaults (the defaults live here, documented in docs/cli.md). */
export interface UpOptions {
  udp: { host: string; port: number } | undefined;
  http: { host: string; port: number };
  /** OTLP/HTTP's conventional port (POST /v1/traces); the HTTP port serves OTLP too. */
  otlp: { host: string; port: number; optional?: boolean } | undefined;
  /** OTLP/gRPC's conventional port (TraceService/Export). */
  otlpGrpc: { host: string; port: number; optional?: boolean } | undefined;
  dataDir: string;
  store: 'duckdb' | 'clickhouse';
  clickhouseUrl: string | undefined;
  clickhouseCluster: string | undefined;
  clickhouseDatabase: string | undefined;
  /** Days of traces kept (ClickHouse: TTL or partition drops; DuckDB: hourly deletes); undefined keeps everything. */
  retentionDays: number | undefined;
  memoryLimit: string;
  /** Most accepted documents waiting for the store before new ones are dropped. */
  queueSize: number;
  /**
   * Rates for the Default sampling rule given by flag or environment (fraction after the
   * reservoir, requests/s in it). Each one given replaces the stored Default's at start and is
   * stored; one not given keeps the stored value, else Fluoro's default (1 and 1).
   */
  sampling: { fixedRate?: number; reservoirSize?: number };
  role: 'all' | 'collector' | 'api';
  /**
   * The tokens the query API and the console then accept, each full access or read-only;
   * undefined: no authentication.
   */
  authTokens: AuthToken[] | undefined;
  /** Where they were read from, to read them again on SIGHUP (undefined: the environment). */
  authTokenFile: string | undefined;
  /**
   * Ingest needs the token too (OTLP, Zipkin, PutTraceSegments, TelemetryRecords); UDP and the
   * SDKs' sampling calls stay open. Only with a token.
   */
  ingestAuth: boolean;
  /** Bind beyond loopback without a token: an authenticating proxy is in front. */
  allowRemote: boolean;
}

export const UP_DEFAULTS = {
  udp: '127.0.0.1:2000',
  http: '127.0.0.1:2000',
  otlp: '127.0.0.1:4318',
  otlpGrpc: '127.0.0.1:4317',
  data: './.fluoro',
  store: 'duckdb',
  memoryLimit: '1GB',
  queueSize: 100_000,
} as const;

/** Parses `fluoro up` arguments; throws an Error whose message is meant for the user. */
export function parseUpOptions(args: string[], env: NodeJS.ProcessEnv): UpOptions {
  const { values } = parseArgs({
    args,
    options: {
      udp: { type: 'string' },
      http: { type: 'string' },
      otlp: { type: 'string' },
      'otlp-grpc': { type: 'string' },
      data: { type: 'string' },
      store: { type: 'string' },
      'clickhouse-url': { type: 'string' },
      'clickhouse-cluster': { type: 'string' },
      'clickhouse-database': { type: 'string' },
      'retention-days': { type: 'string' },
      'memory-limit': { type: 'string' },
      'queue-size': { type: 'string' },
      'sampling-rate': { type: 'string' },
      'sampling-reservoir': { type: 'string' },
      role: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'auth-token-file': { type: 'string' },
      'ingest-auth': { type: 'boolean' },
    },
    strict: true,
  });
  const udp = values.udp ?? env['FLUORO_UDP'] ?? UP_DEFAULTS.udp;
  const store = values.store ?? env['FLUORO_STORE'] ?? UP_DEFAULTS.store;
  if (store !== 'duckdb' && store !== 'clickhouse')
    throw new UsageError(`--store must be duckdb or clickhouse, not "${store}"`);
  const options: UpOptions = {
    udp: udp === 'off' ? undefined : toAddress(udp, '--udp'),
    http: toAddress(values.http ?? env['FLUORO_HTTP'] ?? UP_DEFAULTS.http, '--http'),
    otlp: conventionalPort(values.otlp, env['FLUORO_OTLP'], UP_DEFAULTS.otlp, '--otlp'),
    otlpGrpc: conventionalPort(
      values['otlp-grpc'],
      env['FLUORO_OTLP_GRPC'],
      UP_DEFAULTS.otlpGrpc,
      '--otlp-grpc',
    ),
    dataDir: resolve(values.data ?? env['FLUORO_DATA'] ?? UP_DEFAULTS.data),
    store,
    clickhouseUrl: values['clickhouse-url'] ?? env['FLUORO_CLICKHOUSE_URL'],
    clickhouseCluster: values['clickhouse-cluster'] ?? env['FLUORO_CLICKHOUSE_CLUSTER'],
    clickhouseDatabase: values['clickhouse-database'] ?? env['FLUORO_CLICKHOUSE_DATABASE'],
    retentionDays: optionalPositive(
      values['retention-days'] ?? env['FLUORO_RETENTION_DAYS'],
      '--retention-days',
    ),
    memoryLimit: values['memory-limit'] ?? env['FLUORO_MEMORY_LIMIT'] ?? UP_DEFAULTS.memoryLimit,
    queueSize: Number(values['queue-size'] ?? env['FLUORO_QUEUE_SIZE'] ?? UP_DEFAULTS.queueSize),
    sampling: {},
    role: (values.role ?? env['FLUORO_ROLE'] ?? 'all') as UpOptions['role'],
    authTokens: readAuthTokens(values['auth-token-file'], env),
    authTokenFile: values['auth-token-file'],
    ingestAuth: values['ingest-auth'] ?? env['FLUORO_INGEST_AUTH'] === '1',
    allowRemote: values['allow-remote'] ?? env['FLUORO_ALLOW_REMOTE'] === '1',
  };
  const rate = values['sampling-rate'] ?? env['FLUORO_SAMPLING_RATE'];
  const reservoir = values['sampling-reservoir'] ?? env['FLUORO_SAMPLING_RESERVOIR'];
  if (rate !== undefined) {
    const fixedRate = Number(rate);
    if (rate.trim() === '' || !(fixedRate >= 0 && fixedRate <= 1))
      throw new UsageError('--sampling-rate must be between 0 and 1');
    options.sampling.fixedRate = fixedRate;
  }
  if (reservoir !== undefined) {
    const reservoirSize = Number(reservoir);
    if (reservoir.trim() === '' || !Number.isInteger(reservoirSize) || reservoirSize < 0)
      throw new UsageError('--sampling-reservoir must be a whole number of requests per second');
    options.sampling.reservoirSize = reservoirSize;
  }
  if (!['all', 'collector', 'api'].includes(options.role)) {
    throw new UsageError(`--role must be all, collector or api, not "${options.role}"`);
  }
  if (!Number.isInteger(options.queueSize) || options.queueSize < 1) {
    throw new UsageError('--queue-size must be a positive whole number of documents');
  }
  if (store === 'clickhouse' && !options.clickhouseUrl)
    throw new UsageError('--store clickhouse needs --clickhouse-url');
  if (options.ingestAuth && options.authTokens === undefined)
    throw new UsageError(
      '--ingest-auth (FLUORO_INGEST_AUTH) needs an auth token: set FLUORO_AUTH_TOKEN or --auth-token-file PATH',
    );
  // With a token, the query API and console are protected; ingest is open on every port unless
  // --ingest-auth (and UDP is open even then).
  const mayBindRemote = options.allowRemote || options.authTokens !== undefined;
  const howToBind =
    'set an auth token (FLUORO_AUTH_TOKEN or --auth-token-file PATH) so queries and the console need it, or pass --allow-remote if an authenticating proxy is in front';
  if (!isLoopback(options.http.host) && !mayBindRemote) {
    throw new UsageError(`--http ${options.http.host} is not a loopback address: ${howToBind}`);
  }
  for (const [flag, address] of [
    ['--otlp', options.otlp],
    ['--otlp-grpc', options.otlpGrpc],
  ] as const) {
    if (address && !isLoopback(address.host) && !mayBindRemote) {
      throw new UsageError(`${flag} ${address.host} is not a loopback address: ${howToBind}`);
    }
  }
  return options;
}

/**
 * An OpenTelemetry port (4318, 4317): `off`, or an address. The default port may be taken by a
 * local OpenTelemetry Collector; then it is `optional` and Fluoro starts without it.
 */
function conventionalPort(
  flag: string | undefined,
  fromEnv: string | undefined,
  fallback: string,
  name: string,
): { host: string; port: number; optional: boolean } | undefined {
  const text = flag ?? fromEnv ?? fallback;
  if (text === 'off') return undefined;
  return { ...toAddress(text, name), optional: flag === undefined && fromEnv === undefined };
}

/** `host:port`, `[v6]:port` or a bare port (host 127.0.0.1). Port 0 picks a free port. */
export function toAddress(text: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} must be host:port or a port number, not "${text}"`);
  }
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function optionalPositive(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive whole number, not "${text}"`);
  return n;
}
