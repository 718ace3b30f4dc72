import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFluoroServer } from '@fluoro/server';
import { DuckDbStore, type Store } from '@fluoro/store';
import type { UpOptions } from './up-options.js';

/**
 * `fluoro up`: one process running ingest, store and API. Prints what it bound, one line each:
 *   fluoro: listening udp 127.0.0.1:2000
 *   fluoro: listening http http://127.0.0.1:2000
 *   fluoro: store duckdb /path/.fluoro/fluoro.duckdb
 *   fluoro: ready
 * and on SIGINT/SIGTERM writes everything accepted, prints `fluoro: stopped`, and exits 0.
 */
export async function up(options: UpOptions): Promise<void> {
  const store = await openStore(options);
  const server = await startFluoroServer({
    store,
    ...(options.udp ? { udp: options.udp } : {}),
    http: options.http,
    writer: { maxQueued: options.queueSize },
  });
  if (server.addresses.udp) console.log(`fluoro: listening udp ${server.addresses.udp}`);
  console.log(`fluoro: listening http ${server.addresses.http}`);
  console.log(
    `fluoro: store ${options.store} ${options.store === 'duckdb' ? join(options.dataDir, 'fluoro.duckdb') : options.clickhouseUrl}`,
  );
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
}

async function openStore(options: UpOptions): Promise<Store> {
  if (options.store === 'clickhouse') throw new Error('the ClickHouse store is not wired into fluoro up yet');
  mkdirSync(options.dataDir, { recursive: true });
  return DuckDbStore.open({ path: join(options.dataDir, 'fluoro.duckdb'), memoryLimit: options.memoryLimit });
}
