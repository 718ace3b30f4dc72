import { ClickHouseStore } from '@fluoro/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  type ShardedCluster,
  startShardedCluster,
} from '../../store/src/clickhouse/clickhouse-harness.test-helpers.js';
import { differentialBatch, replacedDocumentCase } from './differential.test-helpers.js';
import { toGroupLookup } from './group-lookup.js';
import { parseFilter } from './parser.js';

const CLUSTER = 'fluoro_test';

// Through Distributed tables the filter's sub-selects run on each shard (a trace's rows share
// one); groups are replicated to every server. One batch: the single-server suite covers breadth.
describeWithClickHouse(
  'SQL (ClickHouse cluster, two shards) agrees with the evaluator',
  () => {
    let servers: ClickHouseServer[] = [];
    const open = (database: string, server = 0) =>
      ClickHouseStore.open({
        url: (servers[server] as ClickHouseServer).url,
        database,
        clusterName: CLUSTER,
      });

    let cluster: ShardedCluster | undefined;
    beforeAll(async () => {
      cluster = await startShardedCluster(CLUSTER);
      servers = cluster.servers;
    });
    afterAll(() => cluster?.dispose());

    it('120 random expressions over 60 random traces', () =>
      differentialBatch(() => open('fluoro_filter_c'), 200, 60, 120));

    it('reads only the newest version of a replaced document', () =>
      replacedDocumentCase(() => open('fluoro_filter_cr')));

    it('sees a group saved through one server from the other', async () => {
      const [a, b] = [await open('fluoro_groups_c', 0), await open('fluoro_groups_c', 1)];
      try {
        await a.putGroup({
          name: 'slow',
          arn: 'arn:g/slow',
          filterExpression: 'responsetime > 5',
          insightsEnabled: false,
          notificationsEnabled: false,
        });
        let seen = await b.getGroup('slow');
        for (let i = 0; i < 50 && !seen; i++) {
          // Replication is asynchronous: wait for it, without asserting how long it takes.
          await new Promise((r) => setTimeout(r, 100));
          seen = await b.getGroup('slow');
        }
        expect(seen?.filterExpression).toBe('responsetime > 5');
        const ast = parseFilter('group.name = "slow"', { groups: toGroupLookup(await b.listGroups()) });
        expect(ast).toMatchObject({ kind: 'number', keyword: 'responsetime', op: '>', value: 5 });
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  },
  { needsZooKeeper: true },
);
