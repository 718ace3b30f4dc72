import { type SegmentDocument, toSpanRows } from '@fluoro/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateFilter } from './evaluate.js';
import { EPOCH_S } from './fixtures.test-helpers.js';
import { parseFilter } from './parser.js';
import { sqlMatches, storeWith } from './store.test-helpers.js';

const T = EPOCH_S + 100;

/** A service calling Postgres and DynamoDB, neither instrumented: two inferred nodes. */
const TRACE = toSpanRows(
  {
    trace_id: `1-${EPOCH_S.toString(16)}-0000000000000000000000d1`,
    id: '00000000000000d1',
    name: 'orders',
    start_time: T,
    end_time: T + 1,
    subsegments: [
      {
        id: '00000000000000d2',
        name: 'orders@db.internal',
        namespace: 'remote',
        start_time: T + 0.1,
        end_time: T + 0.2,
        sql: { database_type: 'PostgreSQL', url: 'db.internal:5432/orders' },
      },
      {
        id: '00000000000000d3',
        name: 'DynamoDB',
        namespace: 'aws',
        start_time: T + 0.3,
        end_time: T + 0.4,
        aws: { operation: 'GetItem', table_name: 'carts' },
      },
    ],
  } as SegmentDocument,
  1,
);

describe('id(type: ...) on inferred nodes uses the service graph’s types', () => {
  let store: Awaited<ReturnType<typeof storeWith>>;
  beforeAll(async () => {
    store = await storeWith([TRACE]);
  });
  afterAll(() => store.close());

  const cases: [string, boolean][] = [
    ['service(id(type: "Database::SQL"))', true],
    ['service(id(name: "orders@db.internal", type: "Database::SQL"))', true],
    ['service(id(type: "AWS::DynamoDB::Table"))', true],
    ['service(id(type: "remote"))', false],
    ['edge("orders", id(name: "DynamoDB", type: "AWS::DynamoDB::Table"))', true],
  ];
  it.each(cases)('%s → %s, in the evaluator and in SQL', async (expression, expected) => {
    const ast = parseFilter(expression);
    expect(evaluateFilter(ast, TRACE)).toBe(expected);
    expect((await sqlMatches(store, ast)).length === 1).toBe(expected);
  });
});
