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
import { ClickHouseHttp } from './http-client.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './schema.js';

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

  it('upgrades a database whose sampling rules predate SamplingRateBoost: its rules have none, new ones keep theirs', async () => {
    const database = `fluoro_settings_upgrade_${n++}`;
    const http = new ClickHouseHttp(server.url);
    expect(
      await migrate(
        http,
        { database },
        30_000,
        MIGRATIONS.filter((m) => m.version <= 4),
      ),
    ).toEqual([1, 2, 3, 4]);
    // A rule as the Fluoro of migration 4 wrote it, without the boost columns.
    const before = samplingRule('before', 4);
    await http.exec(
      `INSERT INTO ${database}.sampling_rules (name, arn, resource_arn, priority, fixed_rate, reservoir_size,
         service_name, service_type, host, http_method, url_path, rule_version, attributes, created_us,
         modified_us, deleted, row_version)
       VALUES ('before', '${before.arn}', '*', 4, 0.05, 3, 'shop-*', 'AWS::EC2::Instance', 'api.example.com',
         'GET', '/health*', 1, '{}', ${before.createdAtUs}, ${before.modifiedAtUs}, 0, 1)`,
      { timeoutMs: 10_000 },
    );
    const s = await open(database);
    try {
      expect(await s.listSamplingRules()).toEqual([before]);
      const boosted = samplingRule('boosted', 5, { boost: { maxRate: 0.5, cooldownWindowMinutes: 2 } });
      await s.putSamplingRule(boosted);
      expect(await s.listSamplingRules()).toEqual([before, boosted]);
    } finally {
      await s.close();
    }
  });
});
