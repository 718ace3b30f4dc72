/**
 * The stores an end-to-end test runs `fluoro up` on, to see the same answers from each: DuckDB,
 * and a real clickhouse-server started for the test (skipped when it is not installed, except
 * under FLUORO_TEST_REQUIRE_ALL=1).
 */
import {
  findClickHouseServer,
  startClickHouse,
} from '../../packages/store/src/clickhouse/clickhouse-harness.test-helpers.js';
import { requireOrSkip } from './require-or-skip.js';

/** What `fluoro up` needs for one store: its arguments, and what to stop afterwards. */
export interface Backing {
  args: string[];
  dispose(): Promise<void>;
}

/** `[name, open]` pairs for `describe.each`. */
export function storeBackings(): [string, () => Promise<Backing>][] {
  const stores: [string, () => Promise<Backing>][] = [
    ['DuckDB', async () => ({ args: [], dispose: async () => {} })],
  ];
  if (requireOrSkip(findClickHouseServer() !== undefined, 'clickhouse-server')) {
    stores.push([
      'ClickHouse',
      async () => {
        const ch = await startClickHouse();
        return { args: ['--store', 'clickhouse', '--clickhouse-url', ch.url], dispose: () => ch.dispose() };
      },
    ]);
  }
  return stores;
}
