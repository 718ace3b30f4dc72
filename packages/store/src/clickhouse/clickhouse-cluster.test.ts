import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStoreConformance, entityId, ingested, traceId } from '../conformance.test-helpers.js';
import {
  describeSamplingRuleConformance,
  samplingRule,
  statistics,
} from '../sampling-rules-conformance.test-helpers.js';
import type { IngestedDocument, Store } from '../store.js';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  type ShardedCluster,
  startShardedCluster,
} from './clickhouse-harness.test-helpers.js';
import { ClickHouseStore } from './clickhouse-store.js';
import { ClickHouseHttp } from './http-client.js';

const CLUSTER = 'fluoro_test';
const traceEpoch = (tid: string) => Number.parseInt(tid.slice(2, 10), 16);

describeWithClickHouse(
  'ClickHouseStore on a two-shard cluster coordinated by ZooKeeper',
  () => {
    let servers: ClickHouseServer[] = [];
    let n = 0;
    const databases = new WeakMap<Store, string>();
    const open = async (database = `fluoro_cluster_${n++}`, server = 0) => {
      const s = await ClickHouseStore.open({ url: servers[server]!.url, database, clusterName: CLUSTER });
      databases.set(s, database);
      return s;
    };

    let cluster: ShardedCluster | undefined;
    beforeAll(async () => {
      cluster = await startShardedCluster(CLUSTER);
      servers = cluster.servers;
    });
    afterAll(() => cluster?.dispose());

    describeStoreConformance('ClickHouse cluster', {
      open: () => open(),
      async reopen(store) {
        await store.close();
        // The other server: what one Fluoro process wrote, any other reads.
        return open(databases.get(store), 1);
      },
    });

    describeSamplingRuleConformance('ClickHouse cluster', {
      open: () => open(),
      async reopen(store) {
        await store.close();
        return open(databases.get(store));
      },
    });

    it('replicates sampling rules to every server', async () => {
      const database = `fluoro_cluster_${n++}`;
      const [a, b] = await Promise.all([open(database, 0), open(database, 1)]);
      await a.putSamplingRule(samplingRule('everywhere', 4));
      // Replication is asynchronous: the other server has the rule once it has fetched the part.
      for (let i = 0; i < 200 && (await b.listSamplingRules()).length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await b.listSamplingRules()).toEqual([samplingRule('everywhere', 4)]);
      await Promise.all([a.close(), b.close()]);
    });

    it('sums sampling statistics reported through both servers, read from either (the reservoir split counts every collector)', async () => {
      const database = `fluoro_cluster_${n++}`;
      const [a, b] = await Promise.all([open(database, 0), open(database, 1)]);
      await a.addSamplingStatistics([statistics('checkout', 'collector-a-client', 2, [10, 4, 1])]);
      await b.addSamplingStatistics([statistics('checkout', 'collector-b-client', 1, [30, 6, 0])]);
      const sinceUs = Date.now() * 1000 - 20e6;
      const expected = [
        {
          ruleName: 'checkout',
          requestCount: 40,
          sampledCount: 10,
          borrowCount: 1,
          clients: ['collector-a-client', 'collector-b-client'],
        },
      ];
      // Replication is asynchronous: wait until each server has fetched the other's part.
      const both = async () =>
        JSON.stringify(await a.samplingStatisticsSince(sinceUs)) === JSON.stringify(expected) &&
        JSON.stringify(await b.samplingStatisticsSince(sinceUs)) === JSON.stringify(expected);
      for (let i = 0; i < 200 && !(await both()); i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await a.samplingStatisticsSince(sinceUs)).toEqual(expected);
      expect(await b.samplingStatisticsSince(sinceUs)).toEqual(expected);
      await Promise.all([a.close(), b.close()]);
    });

    it('sums anomaly counts and shares boosts written through both servers, read from either (adaptive sampling)', async () => {
      const database = `fluoro_cluster_${n++}`;
      const [a, b] = await Promise.all([open(database, 0), open(database, 1)]);
      const nowUs = Date.now() * 1000;
      const counts = (serviceName: string, anomalyCount: number) => ({
        ruleName: 'checkout',
        serviceName,
        receivedUs: nowUs - 1e6,
        anomalyCount,
        totalCount: 50,
        sampledAnomalyCount: 1,
      });
      await a.addSamplingBoostStatistics([counts('web', 3)]);
      await b.addSamplingBoostStatistics([counts('api', 4)]);
      const boost = { ruleName: 'checkout', startedUs: nowUs, rate: 0.5, expiresUs: nowUs + 60e6 };
      await a.addSamplingBoost(boost);
      const expected = [{ ruleName: 'checkout', anomalyCount: 7, totalCount: 100, sampledAnomalyCount: 2 }];
      const sinceUs = nowUs - 20e6;
      const both = async () =>
        JSON.stringify(await a.samplingBoostStatisticsSince(sinceUs)) === JSON.stringify(expected) &&
        JSON.stringify(await b.samplingBoostStatisticsSince(sinceUs)) === JSON.stringify(expected) &&
        (await b.samplingBoostsSince(sinceUs)).length === 1;
      for (let i = 0; i < 200 && !(await both()); i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await a.samplingBoostStatisticsSince(sinceUs)).toEqual(expected);
      expect(await b.samplingBoostStatisticsSince(sinceUs)).toEqual(expected);
      expect(await b.samplingBoostsSince(sinceUs)).toEqual([boost]);
      await Promise.all([a.close(), b.close()]);
    });

    it('reads every trace from either server, and keeps each trace on one shard', async () => {
      const database = `fluoro_cluster_${n++}`;
      const [a, b] = await Promise.all([open(database, 0), open(database, 1)]);
      const t0 = 1_800_000_000;
      const traces: string[] = [];
      const batch = (from: number): IngestedDocument[] =>
        Array.from({ length: 30 }, (_, i) => {
          const tid = traceId(t0 + from + i);
          traces.push(tid);
          const seg = entityId();
          return [
            ingested({
              trace_id: tid,
              id: seg,
              name: 'front',
              start_time: t0 + from + i,
              end_time: t0 + from + i + 1,
            }),
            ingested({
              trace_id: tid,
              id: entityId(),
              parent_id: seg,
              name: 'back',
              start_time: t0 + from + i + 0.2,
              end_time: t0 + from + i + 0.8,
              annotations: { shard_test: i },
            }),
          ];
        }).flat();
      await a!.write(batch(0));
      await b!.write(batch(100));
      for (const s of [a!, b!]) {
        const spans = await s.getSpans(traces);
        expect(new Set(spans.map((r) => r.traceId)).size).toBe(60);
        expect(spans).toHaveLength(120);
        expect(spans.filter((r) => r.name === 'back').every((r) => r.annotations.length === 1)).toBe(true);
        expect((await s.getDocuments(traces)).size).toBe(60);
        const page = await s.findTraces({
          startUs: t0 * 1e6,
          endUs: (t0 + 200) * 1e6,
          timeRangeType: 'TraceId',
          limit: 100,
          // Subqueries on spans and annotations run per shard (distributed_product_mode=local).
          filter: () => ({
            sql: `trace_id IN (SELECT trace_id FROM spans WHERE name = ?) AND trace_id IN
                  (SELECT trace_id FROM annotations WHERE key = ? AND num_value >= ?)`,
            params: ['back', 'shard_test', 10],
          }),
        });
        expect(page.traces).toHaveLength(40);
        expect(page.scanned).toBe(60);
      }
      // Each shard's local table holds whole traces, and both shards hold some.
      const perShard = await Promise.all(
        servers.map((srv) =>
          new ClickHouseHttp(srv.url).rows<{ trace_id: string; c: string }>(
            `SELECT trace_id, count() AS c FROM ${database}.spans_local GROUP BY trace_id`,
            { timeoutMs: 10_000 },
          ),
        ),
      );
      const [one, two] = perShard.map((rows) => new Set(rows.map((r) => r.trace_id)));
      expect(one!.size).toBeGreaterThan(0);
      expect(two!.size).toBeGreaterThan(0);
      expect([...one!].filter((t) => two!.has(t))).toEqual([]);
      expect(one!.size + two!.size).toBe(60);
      expect(perShard.flat().every((r) => Number(r.c) === 2)).toBe(true);
      await Promise.all([a!.close(), b!.close()]);
    });

    it('applies retention on every shard', async () => {
      const database = `fluoro_cluster_${n++}`;
      const s = await ClickHouseStore.open({
        url: servers[0]!.url,
        database,
        clusterName: CLUSTER,
        retentionDays: 7,
      });
      const now = Math.floor(Date.now() / 1000);
      const old = Array.from({ length: 6 }, () => traceId(now - 10 * 86_400));
      const recent = traceId(now);
      await s.write(
        [...old, recent].map((tid) =>
          ingested({
            trace_id: tid,
            id: entityId(),
            name: 'r',
            start_time: traceEpoch(tid),
            end_time: traceEpoch(tid) + 1,
          }),
        ),
      );
      expect(await s.getSpans(old)).toHaveLength(6);
      expect((await s.enforceRetention()).length).toBeGreaterThan(0);
      expect(await s.getSpans(old)).toEqual([]);
      expect((await s.getSpans([recent])).map((r) => r.name)).toEqual(['r']);
      await s.close();
    });
  },
  { needsZooKeeper: true },
);
