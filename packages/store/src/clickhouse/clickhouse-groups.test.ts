import { afterAll, beforeAll } from 'vitest';
import { describeGroupConformance } from '../groups-conformance.test-helpers.js';
import type { Store } from '../store.js';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  startClickHouse,
} from './clickhouse-harness.test-helpers.js';
import { ClickHouseStore } from './clickhouse-store.js';

describeWithClickHouse('ClickHouse groups on one clickhouse-server', () => {
  let server: ClickHouseServer;
  let n = 0;
  const databases = new WeakMap<Store, string>();
  beforeAll(async () => {
    server = await startClickHouse();
  });
  afterAll(async () => {
    await server?.dispose();
  });
  const open = async (database: string) => {
    const s = await ClickHouseStore.open({ url: server.url, database });
    databases.set(s, database);
    return s;
  };

  describeGroupConformance('ClickHouse', {
    open: () => open(`fluoro_groups_${n++}`),
    async reopen(store) {
      await store.close();
      return open(databases.get(store) as string);
    },
  });
});
