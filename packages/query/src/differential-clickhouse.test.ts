import { ClickHouseStore } from '@fluoro/store';
import { afterAll, beforeAll, it } from 'vitest';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  startClickHouse,
} from '../../store/src/clickhouse/clickhouse-harness.test-helpers.js';
import { differentialBatch, replacedDocumentCase } from './differential.test-helpers.js';

// Fewer cases than DuckDB's run: each query is an HTTP round trip to a real clickhouse-server.
const BATCHES = 3;
const TRACES_PER_BATCH = 80;
const EXPRESSIONS_PER_BATCH = 150;

describeWithClickHouse('SQL (ClickHouse) agrees with the evaluator', () => {
  let server: ClickHouseServer;
  beforeAll(async () => {
    server = await startClickHouse();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('reads only the newest version of a replaced document (before ClickHouse merges it away)', () =>
    replacedDocumentCase(() =>
      ClickHouseStore.open({ url: server.url, database: 'fluoro_filter_replaced' }),
    ));
  for (let b = 0; b < BATCHES; b++) {
    it(`batch ${b}: ${EXPRESSIONS_PER_BATCH} random expressions over ${TRACES_PER_BATCH} random traces`, () =>
      differentialBatch(
        () => ClickHouseStore.open({ url: server.url, database: `fluoro_filter_${b}` }),
        100 + b,
        TRACES_PER_BATCH,
        EXPRESSIONS_PER_BATCH,
      ));
  }
});
