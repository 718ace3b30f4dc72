import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AuthToken, startFluoroServer } from '@fluoro/server';
import { ClickHouseStore, DuckDbStore, type Store } from '@fluoro/store';
import { describeTokens, readAuthTokens } from './auth-token.js';
import type { UpOptions } from './up-options.js';

/**
 * `fluoro up`: one process running ingest, store and API. Prints what it bound, one line each:
 *   fluoro: listening udp 127.0.0.1:2000
 *   fluoro: listening http http://127.0.0.1:2000
 *   fluoro: listening otlp http://127.0.0.1:4318/v1/traces
 *   fluoro: listening otlp-grpc 127.0.0.1:4317
 *   fluoro: store duckdb /path/.fluoro/fluoro.duckdb
 *   fluoro: auth token required for the query API and console (ingest and /api/health are open;
 *           1 token accepted: 1 full access, 0 read-only)   (only with a token; with
 *           --ingest-auth: "... for the query API, console and ingest (...)")
 *   fluoro: ready
 * and on SIGINT/SIGTERM writes everything accepted, prints `fluoro: stopped`, and exits 0.
 * Started with `--auth-token-file`, it reads the file again on SIGHUP (a token rotation).
 */
export async function up(options: UpOptions): Promise<void> {
  const store = await openStore(options);
  const server = await startFluoroServer({
    store,
    ...(options.udp ? { udp: options.udp } : {}),
    http: options.http,
    ...(options.otlp ? { otlp: options.otlp } : {}),
    ...(options.otlpGrpc ? { otlpGrpc: options.otlpGrpc } : {}),
    role: options.role,
    sampling: options.sampling,
    ...(options.authTokens ? { authTokens: options.authTokens, ingestAuth: options.ingestAuth } : {}),
    // ClickHouse wants few, large inserts (each batch is several INSERTs; many small parts slow its merges).
    writer: {
      maxQueued: options.queueSize,
      ...(options.store === 'clickhouse' ? { flushIntervalMs: 1000 } : {}),
    },
  });
  if (server.addresses.udp) console.log(`fluoro: listening udp ${server.addresses.udp}`);
  console.log(`fluoro: listening http ${server.addresses.http}`);
  if (server.addresses.otlp) console.log(`fluoro: listening otlp ${server.addresses.otlp}`);
  if (server.addresses.otlpGrpc) console.log(`fluoro: listening otlp-grpc ${server.addresses.otlpGrpc}`);
  console.log(
    `fluoro: store ${options.store} ${options.store === 'duckdb' ? join(options.dataDir, 'fluoro.duckdb') : redact(options.clickhouseUrl ?? '')}`,
  );
  // Say that auth is on, never what the token is.
  if (options.authTokens)
    console.log(
      options.ingestAuth
        ? `fluoro: auth token required for the query API, console and ingest (OTLP, Zipkin, PutTraceSegments; UDP, the SDKs' sampling calls and /api/health are open; ${describeTokens(options.authTokens)})`
        : `fluoro: auth token required for the query API and console (ingest and /api/health are open; ${describeTokens(options.authTokens)})`,
    );
  if (options.authTokens) warnIfAllReadOnly(options.authTokens, options.ingestAuth);
  console.log('fluoro: ready');
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) {
      console.error(`fluoro: second ${signal}, exiting without waiting`);
      process.exit(1);
    }
    server
      .stop()
      .then(() => {
        console.log(`fluoro: stopped (${server.stats.written} documents written)`);
        process.exit(0);
      })
      .catch((e: Error) => {
        console.error(`fluoro: stop failed: ${e.message}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const tokenFile = options.authTokenFile;
  if (tokenFile !== undefined) {
    // A rotation without a restart: add the new token, SIGHUP, move the clients, drop the old one, SIGHUP.
    process.on('SIGHUP', () => {
      try {
        const tokens = readAuthTokens(tokenFile, {}) ?? [];
        server.setAuthTokens(tokens);
        console.log(`fluoro: auth tokens read again from ${tokenFile}; ${describeTokens(tokens)}`);
        warnIfAllReadOnly(tokens, options.ingestAuth);
      } catch (e) {
        console.error(`fluoro: auth tokens not changed: ${(e as Error).message}`);
      }
    });
  }
}

/** Says what stops working when no token may write (a file of read-only lines is allowed, but rarely meant). */
function warnIfAllReadOnly(tokens: readonly AuthToken[], ingestAuth: boolean): void {
  if (tokens.some((t) => t.role === 'full')) return;
  console.error(
    `fluoro: every auth token is read-only: sampling-rule and group changes${ingestAuth ? ', and ingest over HTTP and gRPC,' : ''} are refused until a full-access token is added`,
  );
}

async function openStore(options: UpOptions): Promise<Store> {
  if (options.store === 'clickhouse') {
    return ClickHouseStore.open({
      url: options.clickhouseUrl ?? '',
      ...(options.clickhouseCluster ? { clusterName: options.clickhouseCluster } : {}),
      ...(options.clickhouseDatabase ? { database: options.clickhouseDatabase } : {}),
      ...(options.retentionDays ? { retentionDays: options.retentionDays } : {}),
    });
  }
  mkdirSync(options.dataDir, { recursive: true });
  return DuckDbStore.open({
    path: join(options.dataDir, 'fluoro.duckdb'),
    memoryLimit: options.memoryLimit,
    ...(options.retentionDays ? { retentionDays: options.retentionDays } : {}),
  });
}

/** The URL without its password, for the start-up line. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
