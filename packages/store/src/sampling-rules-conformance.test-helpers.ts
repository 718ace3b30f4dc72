import { describe, expect, it } from 'vitest';
import { closedAfterEach, type StoreFactory } from './conformance.test-helpers.js';
import type { SamplingRuleRecord, SamplingStatisticsRecord } from './store.js';

/** A rule with every field set to something that would show if a store lost or swapped it. */
export const samplingRule = (
  name: string,
  priority: number,
  more: Partial<SamplingRuleRecord> = {},
): SamplingRuleRecord => ({
  name,
  arn: `arn:aws:xray:local:000000000000:sampling-rule/${name}`,
  resourceArn: '*',
  priority,
  fixedRate: 0.05,
  reservoirSize: 3,
  serviceName: 'shop-*',
  serviceType: 'AWS::EC2::Instance',
  host: 'api.example.com',
  httpMethod: 'GET',
  urlPath: '/health*',
  version: 1,
  attributes: {},
  createdAtUs: 1_790_000_000_123_456,
  modifiedAtUs: 1_790_000_100_654_321,
  ...more,
});

/** One client's report for a rule, received `agoS` seconds before now. */
export const statistics = (
  ruleName: string,
  clientId: string,
  agoS: number,
  counts: [requests: number, sampled: number, borrowed: number],
): SamplingStatisticsRecord => ({
  ruleName,
  clientId,
  receivedUs: Date.now() * 1000 - agoS * 1e6,
  requestCount: counts[0],
  sampledCount: counts[1],
  borrowCount: counts[2],
});

/** The sampling-rule behaviour every store must have (create, replace, list in order, delete, survive a reopen). */
export function describeSamplingRuleConformance(name: string, stores: StoreFactory): void {
  describe(`${name}: sampling rules`, () => {
    const { open, reopen } = closedAfterEach(stores);

    it('creates, lists by priority then name, replaces and deletes', async () => {
      const s = await open();
      expect(await s.listSamplingRules()).toEqual([]);
      await s.putSamplingRule(samplingRule('zeta', 5));
      await s.putSamplingRule(samplingRule('Default', 10000, { fixedRate: 0.5 }));
      await s.putSamplingRule(samplingRule('alpha', 5));
      await s.putSamplingRule(samplingRule('health', 1, { fixedRate: 0, reservoirSize: 0 }));
      expect((await s.listSamplingRules()).map((r) => r.name)).toEqual([
        'health',
        'alpha',
        'zeta',
        'Default',
      ]);
      expect((await s.listSamplingRules())[0]).toEqual(
        samplingRule('health', 1, { fixedRate: 0, reservoirSize: 0 }),
      );
      const replaced = samplingRule('health', 9000, { fixedRate: 0.25, modifiedAtUs: 1_790_000_200_000_000 });
      await s.putSamplingRule(replaced);
      const rules = await s.listSamplingRules();
      expect(rules.map((r) => r.name)).toEqual(['alpha', 'zeta', 'health', 'Default']);
      expect(rules[2]).toEqual(replaced);
      expect(await s.deleteSamplingRule('zeta')).toBe(true);
      expect(await s.deleteSamplingRule('zeta')).toBe(false);
      expect((await s.listSamplingRules()).map((r) => r.name)).toEqual(['alpha', 'health', 'Default']);
      // A deleted name can be created again.
      await s.putSamplingRule(samplingRule('zeta', 2));
      expect((await s.listSamplingRules()).map((r) => r.name)).toEqual([
        'zeta',
        'alpha',
        'health',
        'Default',
      ]);
    });

    it('keeps strings, attributes and rates exactly, quotes and all', async () => {
      const s = await open();
      const tricky = samplingRule(`o'brien "x" \\ ;--`, 7, {
        urlPath: `/a'b"c\\d?*`,
        host: 'ünïcødé.example',
        attributes: { "k'1": 'v"1', k2: 'v\\2' },
        fixedRate: 0.1234567890123,
        reservoirSize: 1_000_000,
      });
      await s.putSamplingRule(tricky);
      expect(await s.listSamplingRules()).toEqual([tricky]);
    });

    it('keeps a rule’s SamplingRateBoost, and no boost on a rule without one', async () => {
      const s = await open();
      const boosted = samplingRule('boosted', 2, {
        fixedRate: 0.01,
        boost: { maxRate: 0.625, cooldownWindowMinutes: 15 },
      });
      await s.putSamplingRule(boosted);
      await s.putSamplingRule(samplingRule('plain', 3));
      expect(await s.listSamplingRules()).toEqual([boosted, samplingRule('plain', 3)]);
      expect((await s.listSamplingRules())[1]).not.toHaveProperty('boost');
      // Replacing the rule without a boost removes it.
      await s.putSamplingRule(samplingRule('boosted', 2));
      const again = await reopen(s);
      expect(await again.listSamplingRules()).toEqual([samplingRule('boosted', 2), samplingRule('plain', 3)]);
      await again.putSamplingRule(boosted);
      expect((await again.listSamplingRules())[0]).toEqual(boosted);
    });

    it('sums anomaly counts per rule over services since a time, and gives each rule’s newest boost', async () => {
      const s = await open();
      const nowUs = Date.now() * 1000;
      expect(await s.samplingBoostStatisticsSince(0)).toEqual([]);
      expect(await s.samplingBoostsSince(0)).toEqual([]);
      const counts = (ruleName: string, serviceName: string, agoS: number, c: [number, number, number]) => ({
        ruleName,
        serviceName,
        receivedUs: nowUs - agoS * 1e6,
        anomalyCount: c[0],
        totalCount: c[1],
        sampledAnomalyCount: c[2],
      });
      await s.addSamplingBoostStatistics([
        counts('checkout', 'web', 5, [3, 100, 1]),
        counts('checkout', 'api', 5, [4, 50, 0]),
        counts('health', 'web', 5, [0, 9, 0]),
        // Received days ago: pruned.
        counts('old', 'web', 3 * 86_400, [1, 1, 1]),
      ]);
      await s.addSamplingBoostStatistics([counts('checkout', 'web', 30, [40, 40, 40])]);
      await s.addSamplingBoostStatistics([]);
      expect(await s.samplingBoostStatisticsSince(nowUs - 10e6)).toEqual([
        { ruleName: 'checkout', anomalyCount: 7, totalCount: 150, sampledAnomalyCount: 1 },
        { ruleName: 'health', anomalyCount: 0, totalCount: 9, sampledAnomalyCount: 0 },
      ]);
      expect((await s.samplingBoostStatisticsSince(0)).map((r) => [r.ruleName, r.anomalyCount])).toEqual([
        ['checkout', 47],
        ['health', 0],
      ]);
      const boost = (ruleName: string, agoS: number, rate: number) => ({
        ruleName,
        startedUs: nowUs - agoS * 1e6,
        rate,
        expiresUs: nowUs - agoS * 1e6 + 60e6,
      });
      await s.addSamplingBoost(boost('checkout', 600, 0.5));
      await s.addSamplingBoost(boost('checkout', 20, 0.25));
      await s.addSamplingBoost(boost('health', 300, 0.125));
      expect(await s.samplingBoostsSince(0)).toEqual([
        boost('checkout', 20, 0.25),
        boost('health', 300, 0.125),
      ]);
      expect(await s.samplingBoostsSince(nowUs - 60e6)).toEqual([boost('checkout', 20, 0.25)]);
      const again = await reopen(s);
      expect(await again.samplingBoostsSince(nowUs - 60e6)).toEqual([boost('checkout', 20, 0.25)]);
      expect((await again.samplingBoostStatisticsSince(nowUs - 10e6)).length).toBe(2);
    });

    it('keeps sampling rules across a reopen', async () => {
      const s = await open();
      await s.putSamplingRule(samplingRule('kept', 3));
      await s.putSamplingRule(samplingRule('gone', 4));
      await s.deleteSamplingRule('gone');
      const again = await reopen(s);
      expect(await again.listSamplingRules()).toEqual([samplingRule('kept', 3)]);
    });

    it('sums reported statistics per rule over clients since a time, and keeps them across a reopen', async () => {
      const s = await open();
      expect(await s.samplingStatisticsSince(0)).toEqual([]);
      await s.addSamplingStatistics([
        statistics('health', 'client-a', 5, [10, 2, 1]),
        statistics('health', 'client-b', 5, [7, 3, 0]),
        statistics('checkout', 'client-a', 5, [4, 4, 0]),
      ]);
      await s.addSamplingStatistics([statistics('health', 'client-a', 15, [100, 50, 5])]);
      await s.addSamplingStatistics([]);
      // Large counts survive (UInt64 sums come back as JSON strings from ClickHouse).
      await s.addSamplingStatistics([statistics('big', 'client-c', 1, [3_000_000_000, 2_000_000_000, 0])]);
      const sinceUs = Date.now() * 1000 - 10e6;
      const expected = [
        {
          ruleName: 'big',
          requestCount: 3_000_000_000,
          sampledCount: 2_000_000_000,
          borrowCount: 0,
          clients: ['client-c'],
        },
        { ruleName: 'checkout', requestCount: 4, sampledCount: 4, borrowCount: 0, clients: ['client-a'] },
        {
          ruleName: 'health',
          requestCount: 17,
          sampledCount: 5,
          borrowCount: 1,
          clients: ['client-a', 'client-b'],
        },
      ];
      expect(await s.samplingStatisticsSince(sinceUs)).toEqual(expected);
      expect((await s.samplingStatisticsSince(sinceUs - 10e6)).find((r) => r.ruleName === 'health')).toEqual({
        ruleName: 'health',
        requestCount: 117,
        sampledCount: 55,
        borrowCount: 6,
        clients: ['client-a', 'client-b'],
      });
      expect(await s.samplingStatisticsSince(Date.now() * 1000 + 1e6)).toEqual([]);
      const again = await reopen(s);
      expect(await again.samplingStatisticsSince(sinceUs)).toEqual(expected);
    });

    it('deletes statistics received more than a day ago and keeps recent ones', async () => {
      const s = await open();
      await s.addSamplingStatistics([
        statistics('old', 'client-a', 3 * 86_400, [9, 9, 9]),
        statistics('recent', 'client-a', 1800, [1, 1, 0]),
      ]);
      expect(await s.samplingStatisticsSince(0)).toEqual([
        { ruleName: 'recent', requestCount: 1, sampledCount: 1, borrowCount: 0, clients: ['client-a'] },
      ]);
    });
  });
}
