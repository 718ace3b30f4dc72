import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { configure, flush } from '../index.js';
import { recorder } from '../recorder.js';
import { APPS, get } from '../test-support/apps.test-helpers.js';
import { startUdpCollector, type UdpCollector } from '../test-support/udp-collector.test-helpers.js';
import { CentralizedSampler, type SamplingRuleDocument } from './centralized-sampler.js';
import { wildcardMatch } from './glob.js';
import { DEFAULT_LOCAL_RULES, LocalSampler } from './local-sampler.js';
import { Reservoir } from './sampler.js';

const quiet = { error: () => {}, warn: () => {}, debug: () => {} };
const SECOND = 1_700_000_000_000;
const req = (path: string, method = 'GET', host = 'api.example.com') => ({
  path,
  method,
  host,
  serviceName: 'svc',
});

describe('wildcardMatch', () => {
  test.each([
    ['*', '', true],
    ['*', 'anything', true],
    ['/api/*', '/api/orders/1', true],
    ['/api/*', '/apix', false],
    ['/a?c', '/abc', true],
    ['/a?c', '/ac', false],
    ['*.EXAMPLE.com', 'api.example.COM', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['', '', true],
    ['', 'x', false],
  ])('%s vs %s → %s', (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
  });
});

describe('Reservoir', () => {
  test('allows perSecond takes in each second', () => {
    const r = new Reservoir(2);
    expect([r.take(SECOND), r.take(SECOND + 10), r.take(SECOND + 999)]).toEqual([true, true, false]);
    expect(r.take(SECOND + 1000)).toBe(true);
  });
});

describe('LocalSampler', () => {
  test('default rules: the first request each second, then about 5 %', () => {
    const sampler = new LocalSampler(DEFAULT_LOCAL_RULES);
    const decisions = Array.from({ length: 20_000 }, () => sampler.shouldSample(req('/x'), SECOND).sampled);
    expect(decisions[0]).toBe(true);
    const rate = decisions.slice(1).filter(Boolean).length / 19_999;
    // 5 % of 19,999 with a binomial spread of ~31: far from either bound unless the rate is wrong.
    expect(rate).toBeGreaterThan(0.04);
    expect(rate).toBeLessThan(0.06);
    expect(sampler.shouldSample(req('/x'), SECOND + 1000).sampled).toBe(true);
  });

  test('user rules match by host, method and path; first match wins; default last', () => {
    const sampler = new LocalSampler({
      version: 2,
      rules: [
        { host: '*', http_method: '*', url_path: '/health*', fixed_target: 0, rate: 0 },
        { host: 'admin.*', http_method: 'POST', url_path: '*', fixed_target: 0, rate: 1 },
        { host: '*', http_method: '*', url_path: '/api/*', fixed_target: 1, rate: 0 },
      ],
      default: { fixed_target: 0, rate: 0 },
    });
    expect(sampler.shouldSample(req('/healthz'), SECOND).sampled).toBe(false);
    expect(sampler.shouldSample(req('/anything', 'POST', 'admin.example.com'), SECOND).sampled).toBe(true);
    expect(sampler.shouldSample(req('/anything', 'GET', 'admin.example.com'), SECOND).sampled).toBe(false);
    expect(sampler.shouldSample(req('/api/orders'), SECOND).sampled).toBe(true);
    expect(sampler.shouldSample(req('/api/orders'), SECOND).sampled).toBe(false);
    expect(sampler.shouldSample(req('/other'), SECOND).sampled).toBe(false);
  });

  test('version 1 rules match the service name instead of the host', () => {
    const sampler = new LocalSampler({
      version: 1,
      rules: [{ service_name: 'checkout', http_method: '*', url_path: '*', fixed_target: 0, rate: 1 }],
      default: { fixed_target: 0, rate: 0 },
    });
    expect(sampler.shouldSample({ serviceName: 'checkout', path: '/' }, SECOND).sampled).toBe(true);
    expect(sampler.shouldSample({ serviceName: 'other', path: '/' }, SECOND).sampled).toBe(false);
  });
});

/** A real sampling API (the daemon's TCP side) that records what clients send. */
interface SamplingApi {
  port: number;
  rules: SamplingRuleDocument[];
  targets: Record<string, unknown>[];
  lastRuleModification?: number;
  ruleFetches: number;
  statistics: Record<string, unknown>[][];
  /** The SamplingBoostStatisticsDocuments of each SamplingTargets call (undefined when absent). */
  boostStatistics: (Record<string, unknown>[] | undefined)[];
  server: Server;
}

async function startSamplingApi(): Promise<SamplingApi> {
  const api: SamplingApi = {
    port: 0,
    rules: [],
    targets: [],
    ruleFetches: 0,
    statistics: [],
    boostStatistics: [],
    server: createServer(),
  };
  api.server.on('request', (request, response) => {
    let body = '';
    request.on('data', (c: Buffer) => {
      body += c.toString();
    });
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (request.url === '/GetSamplingRules') {
        api.ruleFetches++;
        response.end(
          JSON.stringify({ SamplingRuleRecords: api.rules.map((SamplingRule) => ({ SamplingRule })) }),
        );
      } else if (request.url === '/SamplingTargets') {
        const report = JSON.parse(body) as {
          SamplingStatisticsDocuments: Record<string, unknown>[];
          SamplingBoostStatisticsDocuments?: Record<string, unknown>[];
        };
        api.statistics.push(report.SamplingStatisticsDocuments);
        api.boostStatistics.push(report.SamplingBoostStatisticsDocuments);
        response.end(
          JSON.stringify({
            SamplingTargetDocuments: api.targets,
            LastRuleModification: api.lastRuleModification,
            UnprocessedStatistics: [],
          }),
        );
      } else {
        response.statusCode = 404;
        response.end('{}');
      }
    });
  });
  api.server.listen(0, '127.0.0.1');
  await once(api.server, 'listening');
  api.port = (api.server.address() as AddressInfo).port;
  return api;
}

function rule(
  name: string,
  priority: number,
  extra: Partial<SamplingRuleDocument> = {},
): SamplingRuleDocument {
  return {
    RuleName: name,
    Priority: priority,
    FixedRate: 0,
    ReservoirSize: 0,
    ServiceName: '*',
    ServiceType: '*',
    Host: '*',
    HTTPMethod: '*',
    URLPath: '*',
    ResourceARN: '*',
    Version: 1,
    ...extra,
  };
}

describe('CentralizedSampler', () => {
  let api: SamplingApi;
  beforeAll(async () => {
    api = await startSamplingApi();
  });
  afterAll(() => new Promise<void>((resolve) => api.server.close(() => resolve())));
  beforeEach(() => {
    api.targets = [];
    api.statistics = [];
    api.boostStatistics = [];
    api.lastRuleModification = undefined;
    api.ruleFetches = 0;
  });

  const never = new LocalSampler({ version: 2, default: { fixed_target: 0, rate: 0 } });
  const make = () =>
    new CentralizedSampler({ host: '127.0.0.1', port: api.port, fallback: never, logger: quiet });

  test('uses the fallback until rules arrive, then rules by priority; skips rules SDKs must ignore', async () => {
    api.rules = [
      rule('Default', 10000, { FixedRate: 1 }),
      rule('no-api', 10, { URLPath: '/api/*' }),
      rule('all-post', 20, { HTTPMethod: 'POST', FixedRate: 1 }),
      rule('other-arn', 1, { ResourceARN: 'arn:aws:lambda:x', FixedRate: 1 }),
      rule('attrs', 2, { Attributes: { a: 'b' }, FixedRate: 1 }),
      rule('v2', 3, { Version: 2, FixedRate: 1 }),
    ];
    const sampler = make();
    expect(sampler.shouldSample(req('/x'), SECOND)).toEqual({ sampled: false });
    expect(await sampler.refreshRules()).toBe(true);
    expect(sampler.ruleNames()).toEqual(['no-api', 'all-post', 'Default']);
    const now = Date.now();
    expect(sampler.shouldSample(req('/api/orders', 'POST'), now)).toMatchObject({
      sampled: false,
      ruleName: 'no-api',
    });
    expect(sampler.shouldSample(req('/orders', 'POST'), now)).toMatchObject({
      sampled: true,
      ruleName: 'all-post',
    });
    expect(sampler.shouldSample(req('/orders'), now)).toMatchObject({ sampled: true, ruleName: 'Default' });
  });

  test('borrows one trace per second before a quota, then applies the quota; reports statistics', async () => {
    api.rules = [rule('Default', 10000, { ReservoirSize: 5 })];
    const sampler = make();
    await sampler.refreshRules();
    const now = Date.now();
    const before = [1, 2, 3].map(() => sampler.shouldSample(req('/'), now).sampled);
    expect(before).toEqual([true, false, false]);
    api.targets = [
      {
        RuleName: 'Default',
        FixedRate: 0,
        ReservoirQuota: 3,
        ReservoirQuotaTTL: now / 1000 + 60,
        Interval: 10,
      },
    ];
    expect(await sampler.refreshTargets()).toBe(true);
    const [stats] = api.statistics;
    expect(stats).toHaveLength(1);
    expect(stats?.[0]).toMatchObject({
      RuleName: 'Default',
      RequestCount: 3,
      SampledCount: 1,
      BorrowCount: 1,
    });
    expect(String(stats?.[0]?.['ClientID'])).toMatch(/^[0-9a-f]{24}$/);
    expect(typeof stats?.[0]?.['Timestamp']).toBe('number');
    const next = now + 1000;
    const after = [1, 2, 3, 4].map(() => sampler.shouldSample(req('/'), next).sampled);
    expect(after).toEqual([true, true, true, false]);
    // Counters were reset by the report.
    await sampler.refreshTargets();
    expect(api.statistics[1]?.[0]).toMatchObject({ RequestCount: 4, SampledCount: 3, BorrowCount: 0 });
  });

  test('an expired quota falls back to borrowing; a newer LastRuleModification refetches rules', async () => {
    api.rules = [rule('Default', 10000, { ReservoirSize: 5 })];
    const sampler = make();
    await sampler.refreshRules();
    const now = Date.now();
    api.targets = [{ RuleName: 'Default', ReservoirQuota: 10, ReservoirQuotaTTL: now / 1000 - 1 }];
    api.lastRuleModification = now / 1000 + 5;
    await sampler.refreshTargets();
    expect(api.ruleFetches).toBe(2);
    expect([1, 2].map(() => sampler.shouldSample(req('/'), now + 2000).sampled)).toEqual([true, false]);
  });

  test('reports a boostable rule’s anomalies, and samples at a SamplingBoost’s rate until its TTL', async () => {
    api.rules = [
      rule('checkout', 1, {
        URLPath: '/checkout',
        SamplingRateBoost: { MaxRate: 1, CooldownWindowMinutes: 1 },
      }),
      rule('Default', 10000),
    ];
    let clock = SECOND;
    const sampler = new CentralizedSampler({
      host: '127.0.0.1',
      port: api.port,
      fallback: never,
      logger: quiet,
      serviceName: 'shop',
      nowMs: () => clock,
    });
    await sampler.refreshRules();
    // Three requests, none sampled (rate 0, no reservoir); two end in an error, as a segment counts.
    const decisions = [1, 2, 3].map(() => sampler.shouldSample(req('/checkout'), clock));
    expect(decisions.map((d) => d.sampled)).toEqual([false, false, false]);
    expect(decisions[0]?.counter).toBe(decisions[2]?.counter);
    for (const d of decisions.slice(0, 2)) if (d.counter) d.counter.anomalies++;
    sampler.shouldSample(req('/other'), clock);
    const ttlS = clock / 1000 + 60;
    api.targets = [
      { RuleName: 'checkout', FixedRate: 0, SamplingBoost: { BoostRate: 1, BoostRateTTL: ttlS } },
    ];
    expect(await sampler.refreshTargets()).toBe(true);
    // Only the boostable rule's counts, with the regular report.
    expect(api.boostStatistics[0]).toEqual([
      {
        RuleName: 'checkout',
        ServiceName: 'shop',
        Timestamp: clock / 1000,
        AnomalyCount: 2,
        TotalCount: 3,
        SampledAnomalyCount: 0,
      },
    ]);
    expect(api.statistics[0]?.map((d) => d['RuleName'])).toEqual(['checkout', 'Default']);
    // Boosted to 1 until the TTL, then back to FixedRate 0: the sampler's own clock decides.
    expect(sampler.shouldSample(req('/checkout'), clock + 59_999).sampled).toBe(true);
    expect(sampler.shouldSample(req('/other'), clock + 30_000).sampled).toBe(false);
    expect(sampler.shouldSample(req('/checkout'), clock + 60_000).sampled).toBe(false);
    // A rules refresh keeps a boost that is running, and counts not yet reported.
    await sampler.refreshRules();
    expect(sampler.shouldSample(req('/checkout'), clock + 1_000).sampled).toBe(true);
    // A target without a SamplingBoost ends it; counters restart after each report.
    clock += 10_000;
    api.targets = [{ RuleName: 'checkout', FixedRate: 0 }];
    await sampler.refreshTargets();
    expect(api.boostStatistics[1]).toEqual([expect.objectContaining({ AnomalyCount: 0, TotalCount: 3 })]);
    expect(sampler.shouldSample(req('/checkout'), clock).sampled).toBe(false);
    // No boostable rule: no boost documents at all, as the SDKs without adaptive sampling report.
    api.rules = [rule('Default', 10000)];
    await sampler.refreshRules();
    await sampler.refreshTargets();
    expect(api.boostStatistics[2]).toBeUndefined();
  });

  test('an unreachable API resolves false, logs once, and keeps the fallback', async () => {
    const logged: string[] = [];
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sampler = new CentralizedSampler({
      host: '127.0.0.1',
      port,
      fallback: new LocalSampler({ version: 2, default: { fixed_target: 0, rate: 1 } }),
      logger: { ...quiet, warn: (m) => logged.push(m) },
    });
    expect(await sampler.refreshRules()).toBe(false);
    expect(await sampler.refreshRules()).toBe(false);
    expect(logged).toHaveLength(1);
    expect(sampler.shouldSample(req('/'), SECOND).sampled).toBe(true);
  });
});

describe('sampling in the middleware', () => {
  let collector: UdpCollector;
  let api: SamplingApi;
  beforeAll(async () => {
    collector = await startUdpCollector();
    api = await startSamplingApi();
  });
  afterAll(async () => {
    await collector.close();
    await new Promise<void>((resolve) => api.server.close(() => resolve()));
  });

  /** Centralized rules `boosted` (with a SamplingRateBoost, matching everything) and `Default`, applied, for service `name`. */
  async function boostedRuleAnd(name: string): Promise<CentralizedSampler> {
    api.rules = [
      rule('boosted', 1, { SamplingRateBoost: { MaxRate: 1, CooldownWindowMinutes: 1 } }),
      rule('Default', 10000),
    ];
    api.targets = [];
    collector.clear();
    configure({
      daemonAddress: `udp:${collector.address} tcp:127.0.0.1:${api.port}`,
      sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 0 } } },
      logger: quiet,
      name,
    });
    const sampler = recorder.samplerInUse() as CentralizedSampler;
    expect(await sampler.refreshRules()).toBe(true);
    return sampler;
  }

  test('centralized rules polled from the daemon address decide which requests are recorded', async () => {
    api.rules = [rule('skip-status', 1, { URLPath: '/status/*' }), rule('Default', 10000, { FixedRate: 1 })];
    configure({
      daemonAddress: `udp:${collector.address} tcp:127.0.0.1:${api.port}`,
      sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 0 } } },
      logger: quiet,
    });
    const app = await APPS['hono']!({ name: 'sampled' });
    try {
      // The first request starts the poller and is decided by the local fallback (rate 0).
      // Unsampled responses carry no trace header unless the caller asks with Sampled=?.
      const first = await get(app.port, '/hello', {
        'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?',
      });
      expect(first.headers['x-amzn-trace-id']).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0');
      // Once the rules response is applied, /hello is sampled by the Default rule (FixedRate 1).
      let kept = first;
      for (let i = 0; i < 1000 && !/Sampled=1$/.test(String(kept.headers['x-amzn-trace-id'])); i++) {
        await new Promise((resolve) => setImmediate(resolve));
        kept = await get(app.port, '/hello');
      }
      expect(kept.headers['x-amzn-trace-id']).toMatch(/Sampled=1$/);
      expect(api.ruleFetches).toBe(1);
      const skipped = await get(app.port, '/status/200');
      expect(skipped.headers['x-amzn-trace-id']).toBeUndefined();
      const keptAgain = await get(app.port, '/hello');
      expect(keptAgain.headers['x-amzn-trace-id']).toMatch(/Sampled=1$/);
      await flush();
      await collector.waitFor((docs) => docs.length === 2);
      expect(collector.docs.map((d) => (d['http'] as { request: { url: string } }).request.url)).toEqual([
        `http://127.0.0.1:${app.port}/hello`,
        `http://127.0.0.1:${app.port}/hello`,
      ]);
      // The matched centralized rule is recorded, as X-Ray's SDKs do.
      expect(
        collector.docs.map((d) => (d['aws'] as { xray: { rule_name?: string } }).xray.rule_name),
      ).toEqual(['Default', 'Default']);
    } finally {
      await app.close();
    }
  });

  test('a boostable rule counts its requests’ faults (5xx, uncaught exceptions), sampled or not, and reports them; 4xx are not anomalies', async () => {
    const sampler = await boostedRuleAnd('shop');
    const app = await APPS['node http']!({ name: 'shop' });
    try {
      // Unsampled (rate 0): a fault, a throttle, a client error, an uncaught exception and a success.
      // Anomalies are what ADOT's SDKs count by default: a 5xx, or a failure with no status.
      for (const path of ['/status/500', '/status/429', '/status/404', '/boom', '/status/200'])
        await get(app.port, path);
      // Boosted to 1: a sampled fault, a sampled client error and a sampled success.
      api.targets = [
        { RuleName: 'boosted', SamplingBoost: { BoostRate: 1, BoostRateTTL: Date.now() / 1000 + 60 } },
      ];
      await sampler.refreshTargets();
      expect(api.boostStatistics.at(-1)).toEqual([
        expect.objectContaining({ RuleName: 'boosted', ServiceName: 'shop', AnomalyCount: 2, TotalCount: 5 }),
      ]);
      expect(api.boostStatistics.at(-1)?.[0]?.['SampledAnomalyCount']).toBe(0);
      for (const status of [503, 404, 200]) {
        const res = await get(app.port, `/status/${status}`);
        expect(res.headers['x-amzn-trace-id']).toMatch(/Sampled=1$/);
      }
      await sampler.refreshTargets();
      expect(api.boostStatistics.at(-1)).toEqual([
        expect.objectContaining({ AnomalyCount: 1, TotalCount: 3, SampledAnomalyCount: 1 }),
      ]);
      await flush();
      await collector.waitFor((docs) => docs.length === 3);
      expect(collector.docs.map((d) => [d['fault'] ?? false, d['error'] ?? false])).toEqual([
        [true, false],
        [false, true],
        [false, false],
      ]);
    } finally {
      collector.clear();
      await app.close();
    }
  });

  test('a trace decided upstream under a boostable rule (tracestate) counts its anomalies for that rule, and passes the rule on', async () => {
    const sampler = await boostedRuleAnd('orders');
    await sampler.refreshTargets(); // starts the count from here
    // What a callee of this service receives.
    const seen: Record<string, string | string[] | undefined>[] = [];
    const callee = createServer((req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    callee.listen(0, '127.0.0.1');
    await once(callee, 'listening');
    const calleeUrl = `http://127.0.0.1:${(callee.address() as AddressInfo).port}/`;
    const app = await APPS['node http']!({ name: 'orders' });
    const root = (n: number) => `Root=1-6b08f9d8-00000000000000000000000${n};Parent=53995c3f42cd8ad8`;
    const ADOT = 'awsxraysamplingrule=boosted';
    try {
      await get(app.port, '/status/500', { 'x-amzn-trace-id': `${root(1)};Sampled=0`, tracestate: ADOT });
      await get(app.port, '/status/503', {
        'x-amzn-trace-id': `${root(2)};Sampled=1`,
        tracestate: `vendor=x,${ADOT}`,
      });
      await get(app.port, '/status/200', { 'x-amzn-trace-id': `${root(3)};Sampled=0`, tracestate: ADOT });
      // Not counted: no rule named, a rule this service does not have, a rule without a boost.
      await get(app.port, '/status/500', { 'x-amzn-trace-id': `${root(4)};Sampled=0` });
      await get(app.port, '/status/500', {
        'x-amzn-trace-id': `${root(5)};Sampled=0`,
        tracestate: 'awsxraysamplingrule=elsewhere',
      });
      await get(app.port, '/status/500', {
        'x-amzn-trace-id': `${root(6)};Sampled=0`,
        tracestate: 'awsxraysamplingrule=Default',
      });
      await sampler.refreshTargets();
      expect(api.boostStatistics.at(-1)).toEqual([
        {
          RuleName: 'boosted',
          ServiceName: 'orders',
          Timestamp: expect.any(Number),
          AnomalyCount: 2,
          TotalCount: 3,
          SampledAnomalyCount: 1,
        },
      ]);
      // The rule goes on to this service's callees in `tracestate`, beside `traceparent`: the
      // one named upstream, or the one that decided here.
      await get(app.port, `/call?to=${encodeURIComponent(calleeUrl)}&via=http`, {
        'x-amzn-trace-id': `${root(7)};Sampled=1`,
        tracestate: ADOT,
      });
      await get(app.port, `/call?to=${encodeURIComponent(calleeUrl)}`, {
        'x-amzn-trace-id': `${root(8)};Sampled=0`,
        tracestate: ADOT,
      });
      await get(app.port, `/call?to=${encodeURIComponent(calleeUrl)}&via=http`);
      await get(app.port, `/call?to=${encodeURIComponent(calleeUrl)}`, {
        'x-amzn-trace-id': `${root(9)};Sampled=0`,
      });
      expect(seen.map((h) => [h['tracestate'], typeof h['traceparent']])).toEqual([
        [ADOT, 'string'],
        [ADOT, 'string'],
        [ADOT, 'string'],
        [undefined, 'string'],
      ]);
      configure({
        daemonAddress: `udp:${collector.address} tcp:127.0.0.1:${api.port}`,
        sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 0 } } },
        logger: quiet,
        name: 'orders',
        traceparent: false,
      });
      await get(app.port, `/call?to=${encodeURIComponent(calleeUrl)}&via=http`, {
        'x-amzn-trace-id': `${root(7)};Sampled=1`,
        tracestate: ADOT,
      });
      expect(seen.at(-1)?.['tracestate']).toBeUndefined();
      // The three sampled requests; a segment whose caller decided names no rule of its own.
      await flush();
      await collector.waitFor((docs) => docs.length === 3);
      expect(
        collector.docs.map((d) => (d['aws'] as { xray: { rule_name?: string } }).xray.rule_name),
      ).toEqual([undefined, undefined, undefined]);
    } finally {
      collector.clear();
      await app.close();
      callee.close();
    }
  });

  test('upstream Sampled=1 wins over a rule that would not sample', async () => {
    configure({
      daemonAddress: collector.address,
      sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 0 } }, centralized: false },
      logger: quiet,
    });
    collector.clear();
    const app = await APPS['node http']!({ name: 'forced' });
    try {
      const res = await get(app.port, '/hello', {
        'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
      });
      expect(res.headers['x-amzn-trace-id']).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
      const plain = await get(app.port, '/hello');
      expect(plain.headers['x-amzn-trace-id']).toBeUndefined();
      await flush();
      await collector.waitFor((docs) => docs.length === 1);
      expect(collector.docs[0]?.trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
    } finally {
      await app.close();
    }
  });
});
