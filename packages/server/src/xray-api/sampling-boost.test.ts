import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSamplingRuleCommand,
  GetSamplingTargetsCommand,
  type SamplingRule,
  XRayClient,
} from '@aws-sdk/client-xray';
import { DuckDbStore } from '@fluoro/store';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FluoroServer, startFluoroServer } from '../fluoro-server.js';
import { samplingApi } from './sampling.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-boost-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rule = (RuleName: string, more: Partial<SamplingRule> = {}): SamplingRule => ({
  RuleName,
  ResourceARN: '*',
  Priority: 10,
  FixedRate: 0,
  ReservoirSize: 0,
  ServiceName: '*',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: '*',
  URLPath: '*',
  Version: 1,
  SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 5 },
  ...more,
});

/** One client's report: a statistics document per rule, and the boost documents given. */
const report = (
  clientId: string,
  rules: string[],
  boosts: [rule: string, anomalies: number, sampled: number][],
) => ({
  SamplingStatisticsDocuments: rules.map((RuleName) => ({
    RuleName,
    ClientID: clientId,
    Timestamp: 1_800_000_000,
    RequestCount: 100,
    SampledCount: 0,
  })),
  SamplingBoostStatisticsDocuments: boosts.map(([RuleName, AnomalyCount, SampledAnomalyCount]) => ({
    RuleName,
    ServiceName: 'shop',
    Timestamp: 1_800_000_000,
    AnomalyCount,
    TotalCount: 100,
    SampledAnomalyCount,
  })),
});

interface Target {
  RuleName: string;
  SamplingBoost?: { BoostRate: number; BoostRateTTL: number };
}

describe('SamplingTargets boosts through @aws-sdk/client-xray', () => {
  let server: FluoroServer;
  let xray: XRayClient;
  beforeAll(async () => {
    const store = await DuckDbStore.open({ path: join(dir, `http-${files++}.duckdb`) });
    server = await startFluoroServer({ store, http: { host: '127.0.0.1', port: 0 }, consoleDir: false });
    xray = new XRayClient({
      region: 'us-east-1',
      endpoint: server.addresses.http,
      credentials: { accessKeyId: 'fluoro', secretAccessKey: 'fluoro' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    xray?.destroy();
    await server?.stop();
  });

  it('boosts a rule whose clients report anomalies, not one without, and answers bad documents as unprocessed', async () => {
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('failing') }));
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('healthy', { Priority: 11 }) }));
    const before = Date.now();
    const now = new Date();
    const doc = (RuleName: string, AnomalyCount: number) => ({
      RuleName,
      ServiceName: 'shop',
      Timestamp: now,
      AnomalyCount,
      TotalCount: 200,
      SampledAnomalyCount: 0,
    });
    const out = await xray.send(
      new GetSamplingTargetsCommand({
        SamplingStatisticsDocuments: ['failing', 'healthy'].map((RuleName) => ({
          RuleName,
          ClientID: 'a'.repeat(24),
          Timestamp: now,
          RequestCount: 200,
          SampledCount: 0,
        })),
        SamplingBoostStatisticsDocuments: [
          doc('failing', 4),
          doc('healthy', 0),
          doc('nope', 3),
          { ...doc('failing', 2), SampledAnomalyCount: 5 },
          { ...doc('failing', 2), TotalCount: -1 },
        ],
      }),
    );
    const byRule = new Map(out.SamplingTargetDocuments?.map((d) => [d.RuleName, d]));
    // Ten anomalous traces wanted of four: the most the rule allows.
    expect(byRule.get('failing')?.SamplingBoost?.BoostRate).toBe(0.5);
    const ttl = byRule.get('failing')?.SamplingBoost?.BoostRateTTL?.getTime() ?? 0;
    expect(ttl).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 60_000);
    expect(ttl).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(byRule.get('healthy')).toBeDefined();
    expect(byRule.get('healthy')?.SamplingBoost).toBeUndefined();
    expect(out.UnprocessedBoostStatistics?.map((u) => [u.RuleName, u.ErrorCode, u.Message])).toEqual([
      ['nope', 'ResourceNotFoundException', 'no sampling rule named nope'],
      ['failing', 'InvalidRequestException', 'SampledAnomalyCount 5 is more than AnomalyCount 2'],
      ['failing', 'InvalidRequestException', 'TotalCount must be a whole number, 0 or more'],
    ]);
    expect(out.UnprocessedStatistics).toEqual([]);
  });
});

describe('SamplingTargets boosts over time, on two collectors sharing one DuckDB file', () => {
  let store: DuckDbStore;
  let clock = 0;
  const nowMs = () => clock;
  const open = () => samplingApi(store, {}, { nowMs });
  const targets = async (api: Awaited<ReturnType<typeof open>>, body: object) =>
    (await api.getSamplingTargets({ body })) as unknown as {
      SamplingTargetDocuments: Target[];
      UnprocessedBoostStatistics?: unknown[];
    };
  const boostOf = async (api: Awaited<ReturnType<typeof open>>, body: object, name = 'checkout') =>
    (await targets(api, body)).SamplingTargetDocuments.find((d) => d.RuleName === name)?.SamplingBoost;
  const put = (name: string, fixedRate: number, maxRate: number, cooldownWindowMinutes: number) =>
    store.putSamplingRule({
      name,
      arn: `arn:aws:xray:local:000000000000:sampling-rule/${name}`,
      resourceArn: '*',
      priority: 5,
      fixedRate,
      reservoirSize: 0,
      serviceName: '*',
      serviceType: '*',
      host: '*',
      httpMethod: '*',
      urlPath: '*',
      version: 1,
      attributes: {},
      boost: { maxRate, cooldownWindowMinutes },
      createdAtUs: 1,
      modifiedAtUs: 1,
    });

  // A file of its own per test: boosts and counts of one test are not the next one's.
  beforeEach(async () => {
    store = await DuckDbStore.open({ path: join(dir, `collectors-${files++}.duckdb`) });
  });
  afterEach(async () => {
    await store?.close();
  });

  it('starts no boost without anomalies, nor when the baseline already keeps enough of them', async () => {
    clock = Date.now();
    await put('checkout', 0.05, 1, 1);
    const api = await open();
    expect(await boostOf(api, report('a'.repeat(24), ['checkout'], []))).toBeUndefined();
    expect(await boostOf(api, report('a'.repeat(24), ['checkout'], [['checkout', 0, 0]]))).toBeUndefined();
    // Ten of the minute's anomalous traces were sampled: enough.
    expect(await boostOf(api, report('a'.repeat(24), ['checkout'], [['checkout', 40, 10]]))).toBeUndefined();
    // A rate at or under FixedRate would not raise it: 10 wanted of 200 is 0.05.
    clock += 61_000;
    expect(await boostOf(api, report('a'.repeat(24), ['checkout'], [['checkout', 200, 0]]))).toBeUndefined();
    // 10 of 40 is 0.25, under MaxRate.
    clock += 61_000;
    expect(await boostOf(api, report('a'.repeat(24), ['checkout'], [['checkout', 40, 0]]))).toEqual({
      BoostRate: 0.25,
      BoostRateTTL: clock / 1000 + 60,
    });
  });

  it('hands every client of both collectors the same boost until it ends, then none until the cooldown has passed', async () => {
    clock = Date.now();
    await put('checkout', 0, 0.5, 5);
    const [one, two] = [await open(), await open()];
    const startedMs = clock;
    const boost = { BoostRate: 0.5, BoostRateTTL: startedMs / 1000 + 60 };
    expect(await boostOf(one, report('a'.repeat(24), ['checkout'], [['checkout', 3, 0]]))).toEqual(boost);
    // Another client on the other collector, without anomalies of its own: the same boost.
    clock += 30_000;
    expect(await boostOf(two, report('b'.repeat(24), ['checkout'], []))).toEqual(boost);
    // Ended; anomalies go on, but the rule's cooldown (5 minutes from the start) holds, on both.
    clock = startedMs + 60_000;
    expect(await boostOf(two, report('b'.repeat(24), ['checkout'], [['checkout', 3, 0]]))).toBeUndefined();
    clock = startedMs + 4 * 60_000;
    expect(await boostOf(one, report('a'.repeat(24), ['checkout'], [['checkout', 3, 0]]))).toBeUndefined();
    expect(await boostOf(two, report('b'.repeat(24), ['checkout'], [['checkout', 3, 0]]))).toBeUndefined();
    // Five minutes after the first started, a second may start.
    clock = startedMs + 5 * 60_000;
    expect(await boostOf(two, report('b'.repeat(24), ['checkout'], [['checkout', 3, 0]]))).toEqual({
      BoostRate: 0.5,
      BoostRateTTL: clock / 1000 + 60,
    });
  });

  it('sums the anomalies both collectors received', async () => {
    clock = Date.now();
    await put('checkout', 0, 1, 1);
    const [one, two] = [await open(), await open()];
    // Client a reports its 20 anomalies to the first collector without asking for the rule's target.
    await targets(one, report('a'.repeat(24), [], [['checkout', 20, 0]]));
    // Client b's 20 on the other: 10 wanted of 40 is 0.25 (of its own 20 alone it would be 0.5).
    expect(await boostOf(two, report('b'.repeat(24), ['checkout'], [['checkout', 20, 0]]))).toEqual({
      BoostRate: 0.25,
      BoostRateTTL: clock / 1000 + 60,
    });
  });

  it('caps a running boost when MaxRate is lowered, and ends it when the rule loses its boost', async () => {
    clock = Date.now();
    await put('checkout', 0.1, 1, 10);
    const api = await open();
    expect((await boostOf(api, report('a'.repeat(24), ['checkout'], [['checkout', 2, 0]])))?.BoostRate).toBe(
      1,
    );
    await put('checkout', 0.1, 0.3, 10);
    const capped = await samplingApi(store, {}, { nowMs });
    expect((await boostOf(capped, report('a'.repeat(24), ['checkout'], [])))?.BoostRate).toBe(0.3);
    await put('checkout', 0.3, 0.3, 10);
    const level = await samplingApi(store, {}, { nowMs });
    expect(await boostOf(level, report('a'.repeat(24), ['checkout'], []))).toBeUndefined();
  });
});
