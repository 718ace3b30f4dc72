import type { SpanRow } from '@fluoro/model';
import type { DuckDbStore } from '@fluoro/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateFilter } from './evaluate.js';
import { buildTrace, type Spec, traceIdOf } from './fixtures.test-helpers.js';
import { parseFilter } from './parser.js';
import { sqlMatches, storeWith } from './store.test-helpers.js';

const API = 'api.example.com';

/** One named trace per situation the examples of xray.md §4.6 tell apart. */
const FIXTURES: Record<string, Spec> = {
  'fast-game-alice': {
    name: API,
    d: 1,
    status: 200,
    url: 'http://api.example.com/api/game/42',
    user: 'alice',
    ann: { gameid: '817DL6VO', age: 30, account: '12345' },
  },
  'slow-v2': { name: API, d: 6, status: 200, url: 'http://api.example.com/v2/items', ann: { age: 29 } },
  'seven-seconds-elsewhere': {
    name: 'worker',
    d: 7,
    status: 200,
    url: 'http://other.example.com/v2/jobs',
    user: 'bob',
    ann: { age: true },
  },
  'quick-partial': { name: 'worker', d: 1, status: 200, kids: [{ name: 'poll', d: null }] },
  'api-fault-backend-error': {
    name: API,
    d: 2,
    status: 500,
    fault: true,
    url: 'http://api.example.com/v2/pay',
    ann: { account: '12345' },
    kids: [
      {
        name: 'call',
        ns: 'remote',
        d: 1,
        kids: [{ name: 'backend.example.com', seg: true, d: 1, status: 404, error: true }],
      },
    ],
  },
  'api-slow-fault-other-account': { name: API, d: 3, fault: true, status: 502, ann: { account: '999' } },
  'frontend-downstream-fault': {
    name: 'frontend',
    d: 1,
    status: 200,
    kids: [
      { name: 'call', ns: 'remote', kids: [{ name: 'data-plane', seg: true, fault: true, status: 500 }] },
    ],
  },
  'data-plane-root-fault': { name: 'data-plane', d: 1, fault: true, status: 503 },
  'deserialize-fault': {
    name: 'ingest',
    d: 1,
    fault: true,
    kids: [{ name: 'deserialize', fault: true, messages: ['bad json'] }],
  },
  'remote-traces-slow': { name: 'traces-api', d: 1, kids: [{ name: 'traces', ns: 'remote', d: 0.8 }] },
  'remote-traces-fast': { name: 'traces-api', d: 1, kids: [{ name: 'traces', ns: 'remote', d: 0.5 }] },
  'dynamodb-fault': {
    name: 'traces-api',
    d: 1,
    fault: true,
    kids: [{ name: 'traces', ns: 'aws', origin: 'AWS::DynamoDB', fault: true, d: 0.6 }],
  },
  'access-denied': {
    name: 'billing',
    d: 1,
    fault: true,
    kids: [{ name: 'S3', ns: 'aws', fault: true, messages: ['Access Denied for account_id: 1234567890'] }],
  },
  'weather-fault': {
    name: 'GetWeatherData',
    d: 1,
    fault: true,
    kids: [
      {
        name: 'get_temperature',
        fault: true,
        kids: [{ name: 'GetTemperature', seg: true, fault: true, d: 0.5 }],
      },
    ],
  },
  'lambda-error': { name: 'random-name', origin: 'AWS::Lambda::Function', d: 1, error: true, status: 400 },
  'lambda-ok': { name: 'random-name', origin: 'AWS::Lambda::Function', d: 1, status: 200 },
  'other-account': { name: 'svc', d: 1, account: 'account-id' },
  'game-fault-slow': { name: 'game', d: 5, fault: true, status: 500, url: 'http://example/game/1' },
};

const GROUPS: Record<string, string> = { high_response_time: 'responsetime > 5' };

const EXAMPLES: [string, string[]][] = [
  ['responsetime > 5', ['slow-v2', 'seven-seconds-elsewhere']],
  ['duration >= 5 AND duration <= 8', ['slow-v2', 'seven-seconds-elsewhere', 'game-fault-slow']],
  [
    'ok !partial duration <3',
    [
      'fast-game-alice',
      'frontend-downstream-fault',
      'remote-traces-slow',
      'remote-traces-fast',
      'lambda-ok',
      'other-account',
    ],
  ],
  [
    'http.status != 200',
    [
      'api-fault-backend-error',
      'api-slow-fault-other-account',
      'data-plane-root-fault',
      'lambda-error',
      'game-fault-slow',
    ],
  ],
  ['http.url CONTAINS "/api/game/"', ['fast-game-alice']],
  ['user CONTAINS ""', ['fast-game-alice', 'seven-seconds-elsewhere']],
  ['service("api.example.com") { fault }', ['api-fault-backend-error', 'api-slow-fault-other-account']],
  [
    'service("api.example.com") { fault = true OR responsetime > 2.5 } AND annotation.account = "12345"',
    ['api-fault-backend-error'],
  ],
  [
    'service() { fault }',
    [
      'api-fault-backend-error',
      'api-slow-fault-other-account',
      'frontend-downstream-fault',
      'data-plane-root-fault',
      'deserialize-fault',
      'dynamodb-fault',
      'access-denied',
      'weather-fault',
      'game-fault-slow',
    ],
  ],
  ['edge("api.example.com", "backend.example.com") { error }', ['api-fault-backend-error']],
  [
    'http.url BEGINSWITH "http://api.example.com/" AND http.url CONTAINS "/v2/" AND !service("api.example.com")',
    [],
  ],
  [
    'http.url BEGINSWITH "http://api.example.com/" AND http.url CONTAINS "/v2/"',
    ['slow-v2', 'api-fault-backend-error'],
  ],
  ['annotation.gameid = "817DL6VO"', ['fast-game-alice']],
  ['annotation.age', ['fast-game-alice', 'slow-v2', 'seven-seconds-elsewhere']],
  [
    '!annotation.age',
    Object.keys(FIXTURES).filter(
      (k) => !['fast-game-alice', 'slow-v2', 'seven-seconds-elsewhere'].includes(k),
    ),
  ],
  ['annotation.age > 29', ['fast-game-alice']],
  ['group.name = "high_response_time" AND user = "alice"', []],
  ['group.name = "high_response_time" AND user = "bob"', ['seven-seconds-elsewhere']],
  ['service("data-plane") {root = true and fault = true}', ['data-plane-root-fault']],
  ['rootcause.fault.entity { last and name = "deserialize" }', ['deserialize-fault']],
  ['rootcause.responsetime.entity { remote and coverage > 0.7 and name = "traces" }', ['remote-traces-slow']],
  ['rootcause.fault.service { inferred and name = traces and type = "AWS::DynamoDB" }', ['dynamodb-fault']],
  ['rootcause.responsetime.service { last and type = "AWS::DynamoDB" }', ['dynamodb-fault']],
  [
    'rootcause.fault.exception { last and message = "Access Denied for account_id: 1234567890" }',
    ['access-denied'],
  ],
  [
    'rootcause.json = #[{ "Services": [ { "Name": "GetWeatherData", "EntityPath": [{ "Name": "GetWeatherData" }, { "Name": "get_temperature" } ] }, { "Name": "GetTemperature", "EntityPath": [ { "Name": "GetTemperature" } ] } ] }]',
    ['weather-fault'],
  ],
  ['service(id(name: "random-name", type: "AWS::Lambda::Function")) { error }', ['lambda-error']],
  ['service(id(account.id: "account-id"))', ['other-account']],
  ['fault = true AND http.url CONTAINS "example/game" AND responsetime >= 5', ['game-fault-slow']],
];

const names = Object.keys(FIXTURES);
const traces = new Map<string, SpanRow[]>(
  names.map((name, i) => [name, buildTrace(traceIdOf(i + 1), FIXTURES[name] as Spec)]),
);
const nameOf = new Map(names.map((name, i) => [traceIdOf(i + 1), name]));
const parse = (text: string) =>
  parseFilter(text, { groups: ({ name }) => (name ? GROUPS[name] : undefined) });

describe('xray.md §4.6 examples', () => {
  let store: DuckDbStore;
  beforeAll(async () => {
    store = await storeWith([...traces.values()]);
  });
  afterAll(() => store.close());

  it.each(EXAMPLES)('evaluator: %s', (text, expected) => {
    const ast = parse(text);
    const got = names.filter((n) => evaluateFilter(ast, traces.get(n) as SpanRow[]));
    expect(got.sort()).toEqual([...expected].sort());
  });

  it.each(EXAMPLES)('DuckDB SQL: %s', async (text, expected) => {
    const got = (await sqlMatches(store, parse(text))).map((id) => nameOf.get(id));
    expect(got.sort()).toEqual([...expected].sort());
  });
});
