import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeGroupConformance } from '../groups-conformance.test-helpers.js';
import {
  describeSamplingRuleConformance,
  samplingRule,
  statistics,
} from '../sampling-rules-conformance.test-helpers.js';
import type { Store } from '../store.js';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  startClickHouse,
} from './clickhouse-harness.test-helpers.js';
import { ClickHouseStore } from './clickhouse-store.js';

describeWithClickHouse('ClickHouse groups and sampling rules on one clickhouse-server', () => {
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

  const stores = {
    open: () => open(`fluoro_settings_${n++}`),
    async reopen(store: Store) {
      await store.close();
      return open(databases.get(store) as string);
    },
  };
  describeGroupConformance('ClickHouse', stores);
  describeSamplingRuleConformance('ClickHouse', stores);

  it('two processes sharing a database see each other’s rule changes at once', async () => {
    const database = `fluoro_settings_shared_${n++}`;
    const [a, b] = await Promise.all([open(database), open(database)]);
    try {
      await a.putSamplingRule(samplingRule('from-a', 10));
      expect((await b.listSamplingRules()).map((r) => r.name)).toEqual(['from-a']);
      await b.putSamplingRule(samplingRule('from-a', 10, { fixedRate: 0 }));
      expect((await a.listSamplingRules())[0]?.fixedRate).toBe(0);
      expect(await b.deleteSamplingRule('from-a')).toBe(true);
      expect(await a.listSamplingRules()).toEqual([]);
      // A collector stores what SDKs report; an api process sums it.
      await a.addSamplingStatistics([statistics('from-a', 'client-a', 1, [6, 2, 1])]);
      await b.addSamplingStatistics([statistics('from-a', 'client-b', 1, [4, 1, 0])]);
      expect(await b.samplingStatisticsSince(0)).toEqual([
        {
          ruleName: 'from-a',
          requestCount: 10,
          sampledCount: 3,
          borrowCount: 1,
          clients: ['client-a', 'client-b'],
        },
      ]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
