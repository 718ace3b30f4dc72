import {
  CreateSamplingRuleCommand,
  DeleteSamplingRuleCommand,
  GetSamplingRulesCommand,
  GetSamplingStatisticSummariesCommand,
  GetSamplingTargetsCommand,
  InvalidRequestException,
  paginateGetSamplingRules,
  RuleLimitExceededException,
  type SamplingRule,
  UpdateSamplingRuleCommand,
  XRayClient,
} from '@aws-sdk/client-xray';
import { DuckDbStore } from '@fluoro/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FluoroServer, startFluoroServer } from '../fluoro-server.js';
import { MAX_SAMPLING_RULES, samplingApi } from './sampling.js';

const rule = (RuleName: string, more: Partial<SamplingRule> = {}): SamplingRule => ({
  RuleName,
  ResourceARN: '*',
  Priority: 100,
  FixedRate: 0.1,
  ReservoirSize: 2,
  ServiceName: '*',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: 'GET',
  URLPath: '/health',
  Version: 1,
  ...more,
});

const client = (endpoint: string, secretAccessKey = 'fluoro') =>
  new XRayClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'fluoro', secretAccessKey },
    maxAttempts: 1,
  });

/** The InvalidRequestException message a call fails with (fails the test if it succeeds). */
async function invalid(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InvalidRequestException);
  expect((e as InvalidRequestException).$metadata.httpStatusCode).toBe(400);
  return (e as Error).message;
}

describe('sampling rules through @aws-sdk/client-xray', () => {
  let store: DuckDbStore;
  let server: FluoroServer;
  let xray: XRayClient;
  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    server = await startFluoroServer({ store, http: { host: '127.0.0.1', port: 0 }, consoleDir: false });
    xray = client(server.addresses.http);
  });
  afterAll(async () => {
    xray?.destroy();
    await server?.stop();
  });
  afterEach(async () => {
    for (const r of await store.listSamplingRules())
      if (r.name !== 'Default') await store.deleteSamplingRule(r.name);
  });

  const names = async () =>
    ((await xray.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords ?? []).map(
      (r) => r.SamplingRule?.RuleName,
    );

  it('creates, lists in priority order with Default last, updates and deletes', async () => {
    expect(await names()).toEqual(['Default']);
    const before = Date.now() / 1000;
    const created = await xray.send(
      new CreateSamplingRuleCommand({ SamplingRule: rule('health', { Priority: 9 }) }),
    );
    expect(created.SamplingRuleRecord?.SamplingRule).toEqual({
      ...rule('health', { Priority: 9 }),
      RuleARN: 'arn:aws:xray:local:000000000000:sampling-rule/health',
      Attributes: {},
    });
    const createdAt = created.SamplingRuleRecord?.CreatedAt?.getTime() ?? 0;
    expect(createdAt / 1000).toBeGreaterThanOrEqual(Math.floor(before));
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('checkout', { Priority: 50 }) }));
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('api', { Priority: 50 }) }));
    expect(await names()).toEqual(['health', 'api', 'checkout', 'Default']);

    const updated = await xray.send(
      new UpdateSamplingRuleCommand({
        SamplingRuleUpdate: { RuleName: 'health', Priority: 60, FixedRate: 0 },
      }),
    );
    expect(updated.SamplingRuleRecord?.SamplingRule).toMatchObject({
      Priority: 60,
      FixedRate: 0,
      URLPath: '/health',
    });
    expect(updated.SamplingRuleRecord?.CreatedAt?.getTime()).toBe(createdAt);
    expect(updated.SamplingRuleRecord?.ModifiedAt?.getTime()).toBeGreaterThanOrEqual(createdAt);
    expect(await names()).toEqual(['api', 'checkout', 'health', 'Default']);

    const deleted = await xray.send(
      new DeleteSamplingRuleCommand({ RuleARN: 'arn:aws:xray:local:000000000000:sampling-rule/checkout' }),
    );
    expect(deleted.SamplingRuleRecord?.SamplingRule?.RuleName).toBe('checkout');
    await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'api' }));
    expect(await names()).toEqual(['health', 'Default']);
  });

  it('changes only the Default rule’s rates, and never deletes or re-creates it', async () => {
    const updated = await xray.send(
      new UpdateSamplingRuleCommand({
        SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0.05, ReservoirSize: 0 },
      }),
    );
    expect(updated.SamplingRuleRecord?.SamplingRule).toMatchObject({
      RuleName: 'Default',
      Priority: 10000,
      FixedRate: 0.05,
      ReservoirSize: 0,
    });
    expect((await store.listSamplingRules()).find((r) => r.name === 'Default')?.fixedRate).toBe(0.05);
    expect(
      await invalid(
        xray.send(
          new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'Default', URLPath: '/x' } }),
        ),
      ),
    ).toMatch(/Default rule takes only FixedRate, ReservoirSize and SamplingRateBoost, not URLPath/);
    expect(await invalid(xray.send(new DeleteSamplingRuleCommand({ RuleName: 'Default' })))).toMatch(
      /cannot be deleted/,
    );
    expect(
      await invalid(xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('Default') }))),
    ).toMatch(/Default is reserved/);
    await xray.send(
      new UpdateSamplingRuleCommand({
        SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 1, ReservoirSize: 1 },
      }),
    );
  });

  it(`refuses a rule past X-Ray's ${MAX_SAMPLING_RULES} (Default not counted) with RuleLimitExceededException`, async () => {
    for (let i = 0; i < MAX_SAMPLING_RULES; i++)
      await xray.send(
        new CreateSamplingRuleCommand({ SamplingRule: rule(`quota-${i}`, { Priority: 1 + i }) }),
      );
    const refused = await xray
      .send(new CreateSamplingRuleCommand({ SamplingRule: rule('one-too-many') }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(RuleLimitExceededException);
    expect((refused as Error).message).toMatch(/at most 25 sampling rules besides Default/);
    const names = (await xray.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords?.map(
      (r) => r.SamplingRule?.RuleName,
    );
    expect(names).toHaveLength(MAX_SAMPLING_RULES + 1);
    expect(names).not.toContain('one-too-many');
    // Deleting one makes room again.
    await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'quota-0' }));
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('one-too-many') }));
  });

  it('refuses a duplicate name and names an unknown rule', async () => {
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('once') }));
    expect(
      await invalid(
        xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('once', { Priority: 3 }) })),
      ),
    ).toMatch(/a sampling rule named once already exists/);
    expect(
      await invalid(
        xray.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'nope', FixedRate: 1 } })),
      ),
    ).toMatch(/Sampling rule not found: nope/);
    expect(await invalid(xray.send(new DeleteSamplingRuleCommand({ RuleName: 'nope' })))).toMatch(
      /Sampling rule not found: nope/,
    );
    expect(
      await invalid(
        xray.send(new DeleteSamplingRuleCommand({ RuleARN: 'arn:aws:xray:us-east-1:1:group/once' })),
      ),
    ).toMatch(/RuleARN does not name a sampling rule/);
    expect(await invalid(xray.send(new DeleteSamplingRuleCommand({})))).toMatch(
      /RuleName or RuleARN is required/,
    );
  });

  const bad: [string, Partial<SamplingRule>, RegExp][] = [
    ['an empty name', { RuleName: '' }, /SamplingRule\.RuleName must be 1 to 32 characters/],
    [
      'a 33-character name',
      { RuleName: 'x'.repeat(33) },
      /SamplingRule\.RuleName must be 1 to 32 characters/,
    ],
    ['priority 0', { Priority: 0 }, /SamplingRule\.Priority must be between 1 and 9999, not 0/],
    ['priority 10000', { Priority: 10000 }, /SamplingRule\.Priority must be between 1 and 9999/],
    ['a rate over 1', { FixedRate: 1.5 }, /SamplingRule\.FixedRate must be between 0 and 1, not 1\.5/],
    ['a negative rate', { FixedRate: -0.1 }, /SamplingRule\.FixedRate must be between 0 and 1/],
    ['a negative reservoir', { ReservoirSize: -1 }, /SamplingRule\.ReservoirSize must be 0 or more/],
    ['version 2', { Version: 2 }, /SamplingRule\.Version must be 1, not 2/],
    [
      'a long service name',
      { ServiceName: 's'.repeat(65) },
      /SamplingRule\.ServiceName must be at most 64 characters, not 65/,
    ],
    ['a long service type', { ServiceType: 's'.repeat(65) }, /SamplingRule\.ServiceType must be at most 64/],
    ['a long host', { Host: 'h'.repeat(65) }, /SamplingRule\.Host must be at most 64/],
    ['a long method', { HTTPMethod: 'M'.repeat(11) }, /SamplingRule\.HTTPMethod must be at most 10/],
    ['a long path', { URLPath: `/${'p'.repeat(128)}` }, /SamplingRule\.URLPath must be at most 128/],
    [
      'a long resource ARN',
      { ResourceARN: 'a'.repeat(501) },
      /SamplingRule\.ResourceARN must be at most 500/,
    ],
    ['no URL path', { URLPath: undefined }, /SamplingRule\.URLPath is required/],
    ['no priority', { Priority: undefined }, /SamplingRule\.Priority is required/],
    [
      'six attributes',
      { Attributes: Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [`k${n}`, 'v'])) },
      /Attributes holds at most 5/,
    ],
    [
      'a boost rate over 1',
      { SamplingRateBoost: { MaxRate: 1.5, CooldownWindowMinutes: 1 } },
      /SamplingRule\.SamplingRateBoost\.MaxRate must be between 0 and 1, not 1\.5/,
    ],
    [
      'a boost rate under the fixed rate',
      { SamplingRateBoost: { MaxRate: 0.05, CooldownWindowMinutes: 1 } },
      /SamplingRule\.SamplingRateBoost\.MaxRate must be at least the rule's FixedRate 0\.1, not 0\.05/,
    ],
    [
      'a boost without MaxRate',
      {
        SamplingRateBoost: { CooldownWindowMinutes: 1 } as { MaxRate: number; CooldownWindowMinutes: number },
      },
      /SamplingRule\.SamplingRateBoost\.MaxRate is required/,
    ],
    [
      'a cooldown of 0',
      { SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 0 } },
      /SamplingRule\.SamplingRateBoost\.CooldownWindowMinutes must be between 1 and 1440, not 0/,
    ],
    [
      'a cooldown over a day',
      { SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 1441 } },
      /SamplingRule\.SamplingRateBoost\.CooldownWindowMinutes must be between 1 and 1440/,
    ],
    [
      'a fractional cooldown',
      { SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 1.5 } },
      /SamplingRule\.SamplingRateBoost\.CooldownWindowMinutes must be a whole number/,
    ],
  ];
  it.each(bad)('refuses %s with a 400 naming the member', async (_name, change, message) => {
    expect(
      await invalid(xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('bad', change) }))),
    ).toMatch(message);
    expect(await names()).toEqual(['Default']);
  });

  it('checks an update against the same limits', async () => {
    await xray.send(new CreateSamplingRuleCommand({ SamplingRule: rule('limits') }));
    const update = (u: object) =>
      invalid(xray.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'limits', ...u } })));
    expect(await update({ Priority: 0 })).toMatch(/SamplingRuleUpdate\.Priority must be between 1 and 9999/);
    expect(await update({ FixedRate: 2 })).toMatch(/SamplingRuleUpdate\.FixedRate must be between 0 and 1/);
    expect(await update({ ReservoirSize: -3 })).toMatch(
      /SamplingRuleUpdate\.ReservoirSize must be 0 or more/,
    );
    expect(await update({ URLPath: 'u'.repeat(129) })).toMatch(
      /SamplingRuleUpdate\.URLPath must be at most 128/,
    );
    await xray.send(
      new UpdateSamplingRuleCommand({
        SamplingRuleUpdate: {
          RuleName: 'limits',
          SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 5 },
        },
      }),
    );
    expect(await update({ FixedRate: 0.75 })).toMatch(
      /SamplingRuleUpdate\.FixedRate 0\.75 is above the rule's SamplingRateBoost\.MaxRate 0\.5/,
    );
    expect(await update({ SamplingRateBoost: { MaxRate: 0.01, CooldownWindowMinutes: 5 } })).toMatch(
      /SamplingRuleUpdate\.SamplingRateBoost\.MaxRate must be at least the rule's FixedRate 0\.1/,
    );
    expect(await update({ SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: -1 } })).toMatch(
      /SamplingRuleUpdate\.SamplingRateBoost\.CooldownWindowMinutes must be between 1 and 1440/,
    );
    expect((await store.listSamplingRules()).find((r) => r.name === 'limits')).toMatchObject({
      priority: 100,
      fixedRate: 0.1,
      boost: { maxRate: 0.5, cooldownWindowMinutes: 5 },
    });
  });

  it('creates a rule with a SamplingRateBoost, reads it back, changes it and removes it', async () => {
    const boost = { MaxRate: 0.8, CooldownWindowMinutes: 10 };
    const created = await xray.send(
      new CreateSamplingRuleCommand({ SamplingRule: rule('boosted', { SamplingRateBoost: boost }) }),
    );
    expect(created.SamplingRuleRecord?.SamplingRule?.SamplingRateBoost).toEqual(boost);
    const listed = async () =>
      (await xray.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords?.find(
        (r) => r.SamplingRule?.RuleName === 'boosted',
      )?.SamplingRule;
    expect((await listed())?.SamplingRateBoost).toEqual(boost);
    expect(
      (await xray.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords?.find(
        (r) => r.SamplingRule?.RuleName === 'Default',
      )?.SamplingRule,
    ).not.toHaveProperty('SamplingRateBoost');
    // An update that leaves the boost out keeps it; one that gives it replaces it.
    await xray.send(
      new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'boosted', FixedRate: 0.5 } }),
    );
    expect((await listed())?.SamplingRateBoost).toEqual(boost);
    await xray.send(
      new UpdateSamplingRuleCommand({
        SamplingRuleUpdate: {
          RuleName: 'boosted',
          SamplingRateBoost: { MaxRate: 1, CooldownWindowMinutes: 1 },
        },
      }),
    );
    expect((await listed())?.SamplingRateBoost).toEqual({ MaxRate: 1, CooldownWindowMinutes: 1 });
    // Null (raw JSON: the AWS SDKs leave nulls out) removes it.
    const res = await fetch(`${server.addresses.http}/UpdateSamplingRule`, {
      method: 'POST',
      body: JSON.stringify({ SamplingRuleUpdate: { RuleName: 'boosted', SamplingRateBoost: null } }),
    });
    expect(res.status).toBe(200);
    expect(await listed()).not.toHaveProperty('SamplingRateBoost');
    // The Default rule takes a boost too.
    await xray.send(
      new UpdateSamplingRuleCommand({
        SamplingRuleUpdate: {
          RuleName: 'Default',
          SamplingRateBoost: { MaxRate: 1, CooldownWindowMinutes: 3 },
        },
      }),
    );
    expect((await store.listSamplingRules()).find((r) => r.name === 'Default')?.boost).toEqual({
      maxRate: 1,
      cooldownWindowMinutes: 3,
    });
    await store.deleteSamplingRule('Default');
  });

  it('pages GetSamplingRules with NextToken', async () => {
    for (let i = 0; i < 120; i++) {
      await store.putSamplingRule({
        name: `r${String(i).padStart(3, '0')}`,
        arn: `arn:aws:xray:local:000000000000:sampling-rule/r${i}`,
        resourceArn: '*',
        priority: 1 + (i % 7),
        fixedRate: 0.5,
        reservoirSize: 1,
        serviceName: '*',
        serviceType: '*',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        version: 1,
        attributes: {},
        createdAtUs: 1,
        modifiedAtUs: 1,
      });
    }
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateGetSamplingRules({ client: xray }, {})) {
      pages++;
      for (const r of page.SamplingRuleRecords ?? [])
        seen.push(`${r.SamplingRule?.Priority}/${r.SamplingRule?.RuleName}`);
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(121);
    expect(seen.at(-1)).toBe('10000/Default');
    const order = (s: string) => [Number(s.split('/')[0]), s.split('/')[1] ?? ''] as const;
    const sorted = [...seen].sort(
      (a, b) => order(a)[0] - order(b)[0] || (order(a)[1] < order(b)[1] ? -1 : 1),
    );
    expect(seen).toEqual(sorted);
    expect(await invalid(xray.send(new GetSamplingRulesCommand({ NextToken: 'garbage' })))).toMatch(
      /NextToken/,
    );
  });

  it('answers SamplingTargets for every rule, splitting its reservoir between the clients', async () => {
    await xray.send(
      new CreateSamplingRuleCommand({ SamplingRule: rule('quiet', { FixedRate: 0, ReservoirSize: 3 }) }),
    );
    const targets = (clientId: string, ...names: string[]) =>
      xray.send(
        new GetSamplingTargetsCommand({
          SamplingStatisticsDocuments: names.map((RuleName) => ({
            RuleName,
            ClientID: clientId,
            Timestamp: new Date(),
            RequestCount: 5,
            SampledCount: 1,
            BorrowCount: 0,
          })),
        }),
      );
    const a = await targets('a'.repeat(24), 'quiet', 'Default', 'gone');
    expect(
      a.SamplingTargetDocuments?.map((d) => [d.RuleName, d.FixedRate, d.ReservoirQuota, d.Interval]),
    ).toEqual([
      ['quiet', 0, 3, 10],
      ['Default', 1, 1, 10],
    ]);
    expect(a.UnprocessedStatistics?.map((u) => u.RuleName)).toEqual(['gone']);
    // A second client: the three per second are split two and one; the first client's next report agrees.
    const b = await targets('b'.repeat(24), 'quiet');
    expect(b.SamplingTargetDocuments?.[0]?.ReservoirQuota).toBe(1);
    const again = await targets('a'.repeat(24), 'quiet');
    expect(again.SamplingTargetDocuments?.[0]?.ReservoirQuota).toBe(2);
    // A change is announced, so the SDKs fetch the rules again.
    const beforeDeleteMs = Date.now();
    await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'quiet' }));
    const after = await targets('a'.repeat(24), 'quiet');
    expect(after.LastRuleModification?.getTime()).toBeGreaterThanOrEqual(beforeDeleteMs);
    expect(after.SamplingTargetDocuments).toEqual([]);
    expect(after.UnprocessedStatistics?.map((u) => u.RuleName)).toEqual(['quiet']);
  });
});

describe('sampling statistics through @aws-sdk/client-xray', () => {
  let server: FluoroServer;
  let xray: XRayClient;
  beforeAll(async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    server = await startFluoroServer({ store, http: { host: '127.0.0.1', port: 0 }, consoleDir: false });
    xray = client(server.addresses.http);
  });
  afterAll(async () => {
    xray?.destroy();
    await server?.stop();
  });

  const report = (ClientID: string, docs: object[]) =>
    fetch(`${server.addresses.http}/SamplingTargets`, {
      method: 'POST',
      body: JSON.stringify({
        SamplingStatisticsDocuments: docs.map((d) => ({ ClientID, Timestamp: Date.now() / 1000, ...d })),
      }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown[]> }));

  it('sums what the clients reported in SamplingTargets over the last minute, per rule', async () => {
    await xray.send(
      new CreateSamplingRuleCommand({ SamplingRule: rule('checkout', { URLPath: '/checkout' }) }),
    );
    const summaries = async () =>
      (await xray.send(new GetSamplingStatisticSummariesCommand({}))).SamplingStatisticSummaries ?? [];
    expect(await summaries()).toEqual([]);
    // Through the real AWS SDK's GetSamplingTargets, as an SDK client reports.
    await xray.send(
      new GetSamplingTargetsCommand({
        SamplingStatisticsDocuments: [
          {
            RuleName: 'checkout',
            ClientID: 'a'.repeat(24),
            Timestamp: new Date(),
            RequestCount: 12,
            SampledCount: 3,
            BorrowCount: 1,
          },
          {
            RuleName: 'Default',
            ClientID: 'a'.repeat(24),
            Timestamp: new Date(),
            RequestCount: 40,
            SampledCount: 40,
          },
        ],
      }),
    );
    const b = await report('b'.repeat(24), [
      { RuleName: 'checkout', RequestCount: 8, SampledCount: 2, BorrowCount: 0 },
      // Malformed: skipped, and the call still answers with targets for the good ones.
      { RuleName: 'Default', RequestCount: -1, SampledCount: 0, BorrowCount: 0 },
      { RuleName: 'unknown-rule', RequestCount: 5, SampledCount: 5, BorrowCount: 0 },
    ]);
    expect(b.status).toBe(200);
    expect(b.body['SamplingTargetDocuments']?.map((d) => (d as { RuleName: string }).RuleName)).toEqual([
      'checkout',
      'Default',
    ]);
    expect(b.body['UnprocessedStatistics']?.map((d) => (d as { RuleName: string }).RuleName)).toEqual([
      'unknown-rule',
    ]);
    for (const bad of [
      { RuleName: 'checkout', RequestCount: 1.5, SampledCount: 0 },
      { RuleName: 'checkout', RequestCount: '7', SampledCount: 0 },
      { RuleName: 'checkout', SampledCount: 1 },
      { RuleName: 'checkout', RequestCount: 1, SampledCount: 1, BorrowCount: -2 },
    ]) {
      expect((await report('c'.repeat(24), [bad])).status).toBe(200);
    }
    const beforeMs = Date.now();
    const got = await summaries();
    expect(got.map((s) => [s.RuleName, s.RequestCount, s.SampledCount, s.BorrowCount]).sort()).toEqual([
      ['Default', 40, 40, 0],
      ['checkout', 20, 5, 1],
    ]);
    // Timestamp is the window's start: a minute before the call.
    for (const s of got) {
      expect(s.Timestamp?.getTime()).toBeGreaterThanOrEqual(beforeMs - 60_000);
      expect(s.Timestamp?.getTime()).toBeLessThanOrEqual(Date.now() - 60_000);
    }
    // A deleted rule's statistics are no longer summarised.
    await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'checkout' }));
    expect((await summaries()).map((s) => s.RuleName)).toEqual(['Default']);
    // No NextToken is ever given out, so none is accepted.
    expect(await invalid(xray.send(new GetSamplingStatisticSummariesCommand({ NextToken: 'x' })))).toMatch(
      /NextToken/,
    );
  });
});

describe('SamplingTargets on two collectors over one store', () => {
  it("splits a rule's reservoir among the clients of both, not each collector's own", async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      const one = await samplingApi(store, { fixedRate: 0, reservoirSize: 3 });
      const two = await samplingApi(store);
      const quota = async (api: typeof one, clientId: string) =>
        (
          (await api.getSamplingTargets({
            body: {
              SamplingStatisticsDocuments: [
                {
                  RuleName: 'Default',
                  ClientID: clientId,
                  Timestamp: Date.now() / 1000,
                  RequestCount: 9,
                  SampledCount: 3,
                },
              ],
            },
          })) as { SamplingTargetDocuments: { ReservoirQuota: number }[] }
        ).SamplingTargetDocuments[0]?.ReservoirQuota;
      expect(await quota(one, 'a'.repeat(24))).toBe(3);
      // A second client asks the other collector: it knows of the first through the store.
      expect(await quota(two, 'b'.repeat(24))).toBe(1);
      expect(await quota(one, 'a'.repeat(24))).toBe(2);
      expect(await quota(two, 'c'.repeat(24))).toBe(1);
      expect(await quota(one, 'a'.repeat(24))).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe('the Default rule at start', () => {
  it('stores rates given at start, keeps stored ones without them, and falls back to every request', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      const rulesOf = async (api: Awaited<ReturnType<typeof samplingApi>>) =>
        (await api.getSamplingRules({ body: {} })).SamplingRuleRecords.map((r) => r.SamplingRule);
      expect(await rulesOf(await samplingApi(store))).toMatchObject([
        { RuleName: 'Default', FixedRate: 1, ReservoirSize: 1 },
      ]);
      expect(await store.listSamplingRules()).toEqual([]);
      await samplingApi(store, { fixedRate: 0.05 });
      expect(await rulesOf(await samplingApi(store))).toMatchObject([
        { RuleName: 'Default', FixedRate: 0.05, ReservoirSize: 1 },
      ]);
      expect(await rulesOf(await samplingApi(store, { reservoirSize: 0 }))).toMatchObject([
        { FixedRate: 0.05, ReservoirSize: 0 },
      ]);
      expect((await store.listSamplingRules()).map((r) => [r.name, r.fixedRate, r.reservoirSize])).toEqual([
        ['Default', 0.05, 0],
      ]);
    } finally {
      await store.close();
    }
  });
});

describe('sampling rules with an auth token', () => {
  let server: FluoroServer;
  beforeAll(async () => {
    server = await startFluoroServer({
      store: await DuckDbStore.open({ path: ':memory:' }),
      http: { host: '127.0.0.1', port: 0 },
      consoleDir: false,
      authTokens: ['sampling-test-token-0123456789'],
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('needs the token to change rules, not to poll them', async () => {
    const url = server.addresses.http;
    const post = (path: string, body: object, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), headers });
    const create = { SamplingRule: rule('guarded') };
    for (const [path, body] of [
      ['/CreateSamplingRule', create],
      ['/UpdateSamplingRule', { SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0 } }],
      ['/DeleteSamplingRule', { RuleName: 'guarded' }],
      ['/SamplingStatisticSummaries', {}],
    ] as const) {
      const res = await post(path, body);
      expect([path, res.status, res.headers.get('x-amzn-errortype')]).toEqual([
        path,
        401,
        'MissingAuthenticationTokenException',
      ]);
      const wrong = await post(path, body, { authorization: 'Bearer not-the-token' });
      expect([path, wrong.status]).toEqual([path, 403]);
    }
    expect((await post('/GetSamplingRules', {})).status).toBe(200);
    const targets = await post('/SamplingTargets', { SamplingStatisticsDocuments: [] });
    expect(targets.status).toBe(200);
    // With the token (SigV4, as the AWS SDK signs) the change goes through.
    const signed = client(url, 'sampling-test-token-0123456789');
    await signed.send(new CreateSamplingRuleCommand(create));
    const rules = (await (await post('/GetSamplingRules', {})).json()) as {
      SamplingRuleRecords: { SamplingRule: { RuleName: string } }[];
    };
    expect(rules.SamplingRuleRecords.map((r) => r.SamplingRule.RuleName)).toEqual(['guarded', 'Default']);
    signed.destroy();
  });
});
