import type { SpanRow } from '@fluoro/model';
import type { Store } from '@fluoro/store';
import fc from 'fast-check';
import { expect } from 'vitest';
import { evaluateFilter } from './evaluate.js';
import { buildTrace, type Spec, traceIdOf } from './fixtures.test-helpers.js';
import { parseFilter } from './parser.js';
import { sqlMatches, toIngested } from './store.test-helpers.js';

// Small value pools, so random expressions and random traces often meet.
const NAMES = ['api', 'db', 'cache', 'DynamoDB'];
const URLS = ['http://api.example.com/v2/items', 'http://api.example.com/api/game/1', '/health'];
const STRINGS = [
  'api',
  'v2',
  'http://api.example.com/',
  '/health',
  'GET',
  'alice',
  'x',
  '',
  'AWS::Lambda::Function',
  'boom',
  'Ω',
];
const NUMBERS = [0, 0.5, 1, 2.5, 3, 200, 404, 429, 500];
const REGEXES = ['^http', 'v[0-9]', 'a.*e', '^$', 'ali|bo', '[Ω]'];

export const specArb: fc.Arbitrary<Spec> = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.record(
    {
      name: fc.constantFrom(...NAMES),
      seg: fc.boolean(),
      s: fc.constantFrom(0, 0.25, 1),
      d: fc.constantFrom(0.5, 1, 2.5, 3, 6, null),
      fault: fc.boolean(),
      error: fc.boolean(),
      throttle: fc.boolean(),
      status: fc.constantFrom(200, 404, 429, 500, 503),
      url: fc.constantFrom(...URLS),
      method: fc.constantFrom('GET', 'POST'),
      user: fc.constantFrom('alice', 'bob', ''),
      ns: fc.constantFrom('aws' as const, 'remote' as const, 'local' as const),
      origin: fc.constantFrom('AWS::Lambda::Function', 'AWS::EC2::Instance'),
      account: fc.constantFrom('111', '222'),
      az: fc.constantFrom('us-east-1a', 'eu-west-1b'),
      arn: fc.constantFrom('arn:aws:lambda:x', 'arn:aws:s3:y'),
      messages: fc.array(fc.constantFrom('boom', 'Access Denied', 'Ωx'), { maxLength: 2 }),
      ann: fc.dictionary(
        fc.constantFrom('k', 'n', 'a.b'),
        fc.constantFrom<string | number | boolean>('x', 'api', 1, 2.5, 429, true, false),
        {
          maxKeys: 2,
        },
      ),
      kids: fc.array(tie('spec'), { maxLength: 2, depthIdentifier: 'spec' }),
      orphan: fc.boolean(),
    },
    { requiredKeys: ['name'] },
  ),
})).spec;

const op = (...ops: string[]) => fc.constantFrom(...ops);
const str = fc.constantFrom(...STRINGS).map((s) => JSON.stringify(s));
const num = fc.constantFrom(...NUMBERS).map(String);
const STRING_KW = [
  'http.url',
  'http.method',
  'user',
  'name',
  'type',
  'message',
  'availabilityzone',
  'resource.arn',
  'http.useragent',
];

/** A predicate usable at the top level and inside service/edge filters. */
const leafArb = fc.oneof(
  fc
    .tuple(
      op('ok', 'error', 'throttle', 'fault', 'partial', 'inferred', 'root'),
      op('', ' = true', ' = false', ' != true'),
    )
    .map(([k, v]) => k + v),
  fc
    .tuple(op('responsetime', 'duration', 'http.status'), op('=', '!=', '<', '<=', '>', '>='), num)
    .map((p) => p.join(' ')),
  fc
    .tuple(op(...STRING_KW), op('=', '!=', 'CONTAINS', 'BEGINSWITH', 'ENDSWITH'), str)
    .map((p) => p.join(' ')),
  fc
    .tuple(op(...STRING_KW), fc.constantFrom(...REGEXES))
    .map(([k, r]) => `${k} MATCHES ${JSON.stringify(r)}`),
  op(...STRING_KW),
  fc
    .tuple(
      op('annotation.k', 'annotation.n', 'annotation[a.b]'),
      op('', ' = "x"', ' != "x"', ' = 1', ' >= 2.5', ' < 429', ' = true', ' != false', ' CONTAINS "p"'),
    )
    .map(([k, v]) => k + v),
);

const target = fc.oneof(
  fc.constantFrom(...NAMES).map((n) => JSON.stringify(n)),
  fc.constantFrom(
    'id(type: "AWS::Lambda::Function")',
    'id(name: "api", account.id: "111")',
    'id(type: "remote")',
    'id(type: "AWS::DynamoDB")',
  ),
);

function combine(sub: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(sub, op(' AND ', ' and ', ' ', ' OR '), sub).map(([a, o, b]) => `(${a}${o}${b})`),
    sub.map((a) => `!${a}`),
  );
}

const nodeExprArb = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, combine(tie('e'))),
})).e;

const traceLeafArb = fc.oneof(
  leafArb,
  fc
    .tuple(fc.option(target), fc.option(nodeExprArb))
    .map(([t, f]) => `service(${t ?? ''})${f ? ` { ${f} }` : ''}`),
  fc
    .tuple(target, target, fc.option(nodeExprArb))
    .map(([a, b, f]) => `edge(${a}, ${b})${f ? ` { ${f} }` : ''}`),
  fc.constantFrom(
    'rootcause.fault.service { last and name = "db" }',
    'rootcause.error.entity { remote }',
    'rootcause.responsetime.entity { coverage > 0.5 and !first }',
    'rootcause.fault.exception { message = "boom" }',
    'rootcause.json = #[{ "ClientImpacting": true }]',
    `trace.id = "${traceIdOf(3)}"`,
  ),
);

export const exprArb = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof({ depthSize: 'small', withCrossShrink: true }, traceLeafArb, combine(tie('e'))),
})).e;

/**
 * One differential batch: writes `traces` random traces to a fresh store, then checks that
 * `expressions` random filter expressions select exactly the evaluator's traces through the
 * store's SQL (plus the post-filter where the SQL only preselects).
 */
export async function differentialBatch(
  open: () => Promise<Store>,
  batch: number,
  traceCount: number,
  expressions: number,
): Promise<void> {
  const specs = fc.sample(specArb, { numRuns: traceCount, seed: 1000 + batch });
  const traces = specs.map((s, i) => buildTrace(traceIdOf(batch * 1000 + i + 1), s));
  const store = await open();
  let informative = 0;
  try {
    await store.write(toIngested(traces));
    await fc.assert(
      fc.asyncProperty(exprArb, async (text) => {
        const ast = parseFilter(text);
        const expected = traces
          .filter((t) => evaluateFilter(ast, t))
          .map((t) => (t[0] as SpanRow).traceId)
          .sort();
        expect(await sqlMatches(store, ast)).toEqual(expected);
        if (expected.length > 0 && expected.length < traces.length) informative++;
      }),
      { numRuns: expressions, seed: batch },
    );
    // The generators must make expressions that tell traces apart, or agreement proves little.
    expect(informative).toBeGreaterThan(expressions / 3);
  } finally {
    await store.close();
  }
}

/**
 * A document replaced by a newer version (in progress → complete): filters see only the newest
 * version's rows, in SQL as in the evaluator over the store's spans.
 */
export async function replacedDocumentCase(open: () => Promise<Store>): Promise<void> {
  const id = traceIdOf(999_999);
  const inProgress = buildTrace(id, { name: 'api', d: null, ann: { k: 'old' } }).map((r) => ({
    ...r,
    receivedUs: 1,
  }));
  const complete = buildTrace(id, { name: 'api', d: 2, status: 200, ann: { k: 'new' } }).map((r) => ({
    ...r,
    receivedUs: 2,
  }));
  const store = await open();
  try {
    await store.write(toIngested([inProgress]));
    await store.write(toIngested([complete]));
    const spans = await store.getSpans([id]);
    for (const [text, expected] of [
      ['partial', false],
      ['!partial', true],
      ['annotation.k = "old"', false],
      ['annotation.k = "new"', true],
      ['responsetime >= 2 AND http.status = 200', true],
    ] as const) {
      const ast = parseFilter(text);
      expect([text, evaluateFilter(ast, spans)]).toEqual([text, expected]);
      expect([text, await sqlMatches(store, ast)]).toEqual([text, expected ? [id] : []]);
    }
  } finally {
    await store.close();
  }
}
