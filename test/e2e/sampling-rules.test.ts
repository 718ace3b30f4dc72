/**
 * Sampling-rule management against the real `fluoro up` with the real `@aws-sdk/client-xray`:
 * create, list, update and delete; bad input as the SDK's typed errors; rules and the Default
 * rule's rates kept across a restart; several processes on one ClickHouse serving the same rules.
 */

import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  CreateSamplingRuleCommand,
  DeleteSamplingRuleCommand,
  GetSamplingRulesCommand,
  GetSamplingStatisticSummariesCommand,
  InvalidRequestException,
  type SamplingRule,
  UpdateSamplingRuleCommand,
  type XRayClient,
} from '@aws-sdk/client-xray';
import { CentralizedSampler, LocalSampler } from '@fluoro/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  startClickHouse,
} from '../../packages/store/src/clickhouse/clickhouse-harness.test-helpers.js';
import { type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';

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
  URLPath: '/health*',
  Version: 1,
  ...more,
});

const API_MD = new URL('../../docs/api.md', import.meta.url);

/** Whether the AWS CLI is installed (it is not part of the npm dependencies). */
function hasAwsCli(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Each rule as [name, priority, rate, reservoir], in the order GetSamplingRules gives them. */
async function listed(xray: XRayClient): Promise<[string, number, number, number][]> {
  const { SamplingRuleRecords } = await xray.send(new GetSamplingRulesCommand({}));
  return (SamplingRuleRecords ?? []).map(({ SamplingRule: r }) => [
    r?.RuleName ?? '',
    r?.Priority ?? 0,
    r?.FixedRate ?? -1,
    r?.ReservoirSize ?? -1,
  ]);
}

describe('sampling rules through fluoro up', () => {
  let fluoro: RunningFluoro;
  beforeAll(async () => {
    fluoro = await startFluoro();
  });
  afterAll(async () => {
    await fluoro?.dispose();
  });

  it('creates, lists, updates and deletes rules, and answers bad input with typed errors', async () => {
    const xray = fluoro.xray();
    const created = await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('health-checks') }));
    expect(created.SamplingRuleRecord?.SamplingRule?.RuleARN).toBe(
      'arn:aws:xray:local:000000000000:sampling-rule/health-checks',
    );
    expect(created.SamplingRuleRecord?.CreatedAt).toBeInstanceOf(Date);
    await xray.send(
      new CreateSamplingRuleCommand({ SamplingRule: rule('checkout', { Priority: 5, FixedRate: 1 }) }),
    );
    expect(await listed(xray)).toEqual([
      ['checkout', 5, 1, 0],
      ['health-checks', 10, 0, 0],
      ['Default', 10000, 1, 1],
    ]);

    await xray.send(
      new UpdateSamplingRuleCommand({
        SamplingRuleUpdate: { RuleName: 'checkout', Priority: 20, ReservoirSize: 4 },
      }),
    );
    await xray.send(
      new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0.05 } }),
    );
    expect(await listed(xray)).toEqual([
      ['health-checks', 10, 0, 0],
      ['checkout', 20, 1, 4],
      ['Default', 10000, 0.05, 1],
    ]);

    const errors = await Promise.all(
      [
        new CreateSamplingRuleCommand({ SamplingRule: rule('checkout') }),
        new CreateSamplingRuleCommand({ SamplingRule: rule('too-eager', { FixedRate: 2 }) }),
        new CreateSamplingRuleCommand({ SamplingRule: rule('x'.repeat(33)) }),
        new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'missing', FixedRate: 1 } }),
        new DeleteSamplingRuleCommand({ RuleName: 'Default' }),
      ].map((command) =>
        xray.send(command as never).then(
          () => 'succeeded',
          (e: Error) => [e instanceof InvalidRequestException, e.message],
        ),
      ),
    );
    expect(errors).toEqual([
      [true, 'SamplingRule.RuleName: a sampling rule named checkout already exists'],
      [true, 'SamplingRule.FixedRate must be between 0 and 1, not 2'],
      [true, 'SamplingRule.RuleName must be 1 to 32 characters'],
      [true, 'Sampling rule not found: missing'],
      [true, 'the Default sampling rule cannot be deleted'],
    ]);

    const deleted = await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'checkout' }));
    expect(deleted.SamplingRuleRecord?.SamplingRule?.RuleName).toBe('checkout');
    expect((await listed(xray)).map(([name]) => name)).toEqual(['health-checks', 'Default']);
    await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'health-checks' }));
    xray.destroy();
  });

  it.skipIf(!hasAwsCli())("runs docs/api.md's AWS CLI line (skipped without the aws command)", async () => {
    const line = readFileSync(API_MD, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('aws xray create-sampling-rule '));
    expect(line).toBeDefined();
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'fluoro', AWS_SECRET_ACCESS_KEY: 'fluoro' };
    const { stdout } = await promisify(execFile)(
      'sh',
      ['-c', (line as string).replace('http://127.0.0.1:2000', fluoro.httpUrl)],
      { env },
    );
    expect(JSON.parse(stdout).SamplingRuleRecord.SamplingRule).toMatchObject({
      RuleName: 'health-checks',
      URLPath: '/health',
      FixedRate: 0,
    });
    const xray = fluoro.xray();
    expect((await listed(xray)).map(([name]) => name)).toEqual(['health-checks', 'Default']);
    await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'health-checks' }));
    xray.destroy();
  });
});

describe('sampling rules across restarts', () => {
  it('keeps rules; --sampling-rate given at start wins and is stored, and a start without it keeps the stored Default', async () => {
    const first = await startFluoro();
    const dataDir = first.dataDir;
    try {
      const xray = first.xray();
      await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('kept') }));
      await xray.send(
        new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'Default', ReservoirSize: 0 } }),
      );
      expect(await first.stop()).toBe(0);

      const second = await startFluoro({ dataDir, args: ['--sampling-rate', '0.25'] });
      expect(await listed(second.xray())).toEqual([
        ['kept', 10, 0, 0],
        ['Default', 10000, 0.25, 0],
      ]);
      expect(await second.stop()).toBe(0);

      const third = await startFluoro({ dataDir });
      expect(await listed(third.xray())).toEqual([
        ['kept', 10, 0, 0],
        ['Default', 10000, 0.25, 0],
      ]);
      expect(await third.stop()).toBe(0);
    } finally {
      await first.dispose();
    }
  });
});

describeWithClickHouse('sampling rules on one ClickHouse shared by several processes', () => {
  let clickhouse: ClickHouseServer;
  const processes: RunningFluoro[] = [];
  beforeAll(async () => {
    clickhouse = await startClickHouse();
  });
  afterAll(async () => {
    for (const p of processes) await p.dispose();
    await clickhouse?.dispose();
  });

  /** An `api` and a `collector` process of `fluoro up` over one ClickHouse database. */
  const startPair = async (database: string) => {
    const args = (role: string) => [
      '--store',
      'clickhouse',
      '--clickhouse-url',
      clickhouse.url,
      '--clickhouse-database',
      database,
      '--role',
      role,
    ];
    const api = await startFluoro({ args: args('api') });
    processes.push(api);
    const collector = await startFluoro({ args: args('collector') });
    processes.push(collector);
    return { api, collector };
  };

  it('a rule created on the API process is served at once by a collector', async () => {
    const { api, collector } = await startPair('fluoro_sampling_e2e');
    const rules = async (url: string) =>
      (
        (await (await fetch(`${url}/GetSamplingRules`, { method: 'POST', body: '{}' })).json()) as {
          SamplingRuleRecords: { SamplingRule: { RuleName: string; FixedRate: number } }[];
        }
      ).SamplingRuleRecords.map((r) => [r.SamplingRule.RuleName, r.SamplingRule.FixedRate]);
    expect(await rules(collector.httpUrl)).toEqual([['Default', 1]]);
    const xray = api.xray();
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('shared') }));
    expect(await rules(collector.httpUrl)).toEqual([
      ['shared', 0],
      ['Default', 1],
    ]);
    // Rule changes are the API processes' work: a collector does not take them.
    const refused = await fetch(`${collector.httpUrl}/DeleteSamplingRule`, {
      method: 'POST',
      body: JSON.stringify({ RuleName: 'shared' }),
    });
    expect(refused.status).toBe(404);
    await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'shared' }));
    expect(await rules(collector.httpUrl)).toEqual([['Default', 1]]);
    xray.destroy();
  });

  it('statistics the SDK reports to a collector are summed by the API process', async () => {
    const { api, collector } = await startPair('fluoro_statistics_e2e');
    const xray = api.xray();
    await xray.send(
      new CreateSamplingRuleCommand({ SamplingRule: rule('checkout', { URLPath: '/checkout' }) }),
    );
    const warnings: string[] = [];
    const { hostname, port } = new URL(collector.httpUrl);
    const sampler = new CentralizedSampler({
      host: hostname,
      port: Number(port),
      fallback: new LocalSampler(),
      logger: { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), debug: () => {} },
    });
    try {
      expect(await sampler.refreshRules()).toBe(true);
      expect(sampler.ruleNames()).toEqual(['checkout', 'Default']);
      // One pinned second: Default (rate 1, reservoir 1) borrows its first request, as the SDKs
      // do before they hold a quota; checkout (rate 0, reservoir 0) traces none.
      const nowMs = Date.now();
      const decide = (path: string) =>
        sampler.shouldSample({ serviceName: 'shop', path, method: 'GET' }, nowMs);
      for (let i = 0; i < 5; i++)
        expect(decide('/checkout')).toMatchObject({ sampled: false, ruleName: 'checkout' });
      for (let i = 0; i < 3; i++)
        expect(decide('/other')).toMatchObject({ sampled: true, ruleName: 'Default' });
      // The SDK's own report (what its 10 s timer calls), to the collector.
      expect(await sampler.refreshTargets()).toBe(true);
      decide('/checkout');
      decide('/checkout');
      expect(await sampler.refreshTargets()).toBe(true);
      const { SamplingStatisticSummaries } = await xray.send(new GetSamplingStatisticSummariesCommand({}));
      expect(
        (SamplingStatisticSummaries ?? [])
          .map((s) => [s.RuleName, s.RequestCount, s.SampledCount, s.BorrowCount])
          .sort(),
      ).toEqual([
        ['Default', 3, 3, 1],
        ['checkout', 7, 0, 0],
      ]);
      // The collector answers the SDKs, not people.
      const refused = await fetch(`${collector.httpUrl}/SamplingStatisticSummaries`, {
        method: 'POST',
        body: '{}',
      });
      expect(refused.status).toBe(404);
      expect(warnings).toEqual([]);
    } finally {
      sampler.stop();
      xray.destroy();
    }
  });
});
