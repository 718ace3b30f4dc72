/**
 * Structured fuzzing of the query and management API: every route, with valid requests whose
 * values are swapped for hostile ones (and bodies that are not requests at all), against a real
 * `fluoro up` holding some traces. Every answer must be a success or a 4xx with a message,
 * never a 5xx, and the server must go on answering valid requests. Seeded like
 * fuzz-ingest.test.ts (`FLUORO_FUZZ_SEED`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  startClickHouse,
} from '../../packages/store/src/clickhouse/clickhouse-harness.test-helpers.js';
import { type RunningFluoro, runDemo, startFluoro } from '../helpers/fluoro-up.js';
import { type Json, mutate, random } from '../helpers/fuzz.js';

const SEED = Number(process.env['FLUORO_FUZZ_SEED'] ?? 20261127);
const PER_ROUTE = 60;

const now = () => Math.floor(Date.now() / 1000);
const rule = (name: string): Record<string, Json> => ({
  RuleName: name,
  ResourceARN: '*',
  Priority: 100,
  FixedRate: 0.1,
  ReservoirSize: 1,
  ServiceName: '*',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: 'GET',
  URLPath: '/fuzz/*',
  Version: 1,
  Attributes: { team: 'a' },
  SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 1 },
});

/** A valid request for each route, made fresh each time (the fuzzer mutates it in place). */
function validRequests(traceId: string): Record<string, () => Record<string, Json>> {
  const window = () => ({ StartTime: now() - 600, EndTime: now() + 60 });
  return {
    '/Traces': () => ({ TraceIds: [traceId] }),
    '/TraceSummaries': () => ({
      ...window(),
      FilterExpression: 'service("shop-frontend") { fault } OR annotation.tenant = "acme"',
      TimeRangeType: 'Event',
      Sampling: false,
    }),
    '/TraceGraph': () => ({ TraceIds: [traceId] }),
    '/ServiceGraph': () => ({ ...window(), GroupName: 'Default' }),
    '/TimeSeriesServiceStatistics': () => ({
      ...window(),
      EntitySelectorExpression: 'service("catalog")',
      Period: 60,
      ForecastStatistics: false,
    }),
    '/CreateGroup': () => ({
      GroupName: 'fuzz-group',
      FilterExpression: 'fault',
      Tags: [{ Key: 'a', Value: 'b' }],
    }),
    '/GetGroup': () => ({ GroupName: 'fuzz-group' }),
    '/Groups': () => ({ NextToken: 'x' }),
    '/UpdateGroup': () => ({ GroupName: 'fuzz-group', FilterExpression: 'error', InsightsConfiguration: {} }),
    '/DeleteGroup': () => ({ GroupName: 'fuzz-group' }),
    '/CreateSamplingRule': () => ({ SamplingRule: rule('fuzz-rule') }),
    '/UpdateSamplingRule': () => ({ SamplingRuleUpdate: { RuleName: 'fuzz-rule', FixedRate: 0.2 } }),
    '/DeleteSamplingRule': () => ({ RuleName: 'fuzz-rule' }),
    '/GetSamplingRules': () => ({}),
    '/SamplingStatisticSummaries': () => ({}),
    '/SamplingTargets': () => ({
      SamplingStatisticsDocuments: [
        {
          RuleName: 'Default',
          ClientID: 'a'.repeat(24),
          Timestamp: now(),
          RequestCount: 10,
          SampledCount: 1,
          BorrowCount: 0,
        },
      ],
      SamplingBoostStatisticsDocuments: [
        {
          RuleName: 'fuzz-rule',
          ServiceName: 'svc',
          Timestamp: now(),
          AnomalyCount: 3,
          TotalCount: 10,
          SampledAnomalyCount: 1,
        },
      ],
    }),
    '/TelemetryRecords': () => ({ TelemetryRecords: [], EC2InstanceId: 'i-1' }),
  };
}

/** Bodies that are no request at all. */
const JUNK = ['', 'null', '[]', '"text"', '42', '{', '{"a":', '\u0000', `{"x":${'['.repeat(5000)}`, '{}'];

/** The suite, run once per store: `start` starts `fluoro up` on it. */
function apiFuzzSuite(start: () => Promise<RunningFluoro>): void {
  let fluoro: RunningFluoro;
  let traceId = '';
  beforeAll(async () => {
    fluoro = await start();
    await runDemo(fluoro);
    const r = await fetch(`${fluoro.httpUrl}/TraceSummaries`, {
      method: 'POST',
      body: JSON.stringify({ StartTime: now() - 600, EndTime: now() + 60 }),
    });
    traceId = ((await r.json()) as { TraceSummaries: { Id: string }[] }).TraceSummaries[0]!.Id;
  });
  afterAll(() => fluoro?.dispose());

  async function post(path: string, body: string): Promise<{ status: number; text: string }> {
    const r = await fetch(`${fluoro.httpUrl}${path}`, { method: 'POST', body });
    return { status: r.status, text: await r.text() };
  }

  /** A 4xx carries a JSON message saying what is wrong; nothing is a 5xx. */
  function expectHandled(what: string, answer: { status: number; text: string }): void {
    expect(answer.status, `${what} → ${answer.status} ${answer.text.slice(0, 300)}`).toBeLessThan(500);
    if (answer.status >= 400) {
      const body = JSON.parse(answer.text) as { message?: string; Message?: string };
      expect(body.message ?? body.Message, what).toBeTruthy();
    }
  }

  it('every route answers hostile versions of a valid request with a result or a 4xx and a message', async () => {
    const rand = random(SEED);
    const routes = validRequests(traceId);
    for (const [path, valid] of Object.entries(routes)) {
      // The valid request itself works (so the mutations start from something accepted).
      const first = await post(path, JSON.stringify(valid()));
      expect(first.status, `${path}: ${first.text.slice(0, 300)}`).toBe(200);
      for (let i = 0; i < PER_ROUTE; i++) {
        const request = valid();
        for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) mutate(request, rand);
        const body = JSON.stringify(request);
        expectHandled(`${path} ${body.slice(0, 300)}`, await post(path, body));
      }
      for (const junk of JUNK)
        expectHandled(`${path} ${JSON.stringify(junk.slice(0, 20))}`, await post(path, junk));
    }
  });

  it('the console API answers hostile query strings with a result or a 4xx', async () => {
    const rand = random(SEED + 1);
    const values = ['', '0', '-1', 'NaN', '1e400', 'x'.repeat(3000), '%00', '1-xyz', traceId, String(now())];
    const pick = () => encodeURIComponent(values[Math.floor(rand() * values.length)]!);
    for (let i = 0; i < PER_ROUTE; i++) {
      for (const path of [
        `/api/service-stats?start=${pick()}&end=${pick()}&buckets=${pick()}&group=${pick()}`,
        `/api/service-times?traceId=${pick()}`,
        `/api/segments?service=${pick()}&start=${pick()}&end=${pick()}&limit=${pick()}&outcome=${pick()}&before=${pick()}`,
      ]) {
        const r = await fetch(`${fluoro.httpUrl}${path}`);
        expectHandled(path, { status: r.status, text: await r.text() });
      }
    }
  });

  it('still answers valid requests, and its health check, afterwards', async () => {
    expect((await fetch(`${fluoro.httpUrl}/api/health`)).status).toBe(200);
    const r = await post('/Traces', JSON.stringify({ TraceIds: [traceId] }));
    expect(r.status).toBe(200);
    expect((JSON.parse(r.text) as { Traces: unknown[] }).Traces).toHaveLength(1);
  });
}

describe(`API fuzzing, DuckDB (seed ${SEED}; FLUORO_FUZZ_SEED replays another)`, () => {
  apiFuzzSuite(() => startFluoro());
});

describeWithClickHouse(`API fuzzing, ClickHouse (seed ${SEED})`, () => {
  let ch: ClickHouseServer;
  beforeAll(async () => {
    ch = await startClickHouse();
  });
  afterAll(() => ch?.dispose());
  apiFuzzSuite(() =>
    startFluoro({
      args: ['--store', 'clickhouse', '--clickhouse-url', ch.url, '--clickhouse-database', 'fuzz'],
    }),
  );
});
