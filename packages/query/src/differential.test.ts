import { DuckDbStore } from '@fluoro/store';
import { describe, it } from 'vitest';
import { differentialBatch, replacedDocumentCase } from './differential.test-helpers.js';

// 1,440 expressions × 100 traces (plus ClickHouse's run); the SQL round trips dominate the run time.
const BATCHES = 8;
const TRACES_PER_BATCH = 100;
const EXPRESSIONS_PER_BATCH = 180;

describe('SQL (DuckDB) agrees with the evaluator', () => {
  it('reads only the newest version of a replaced document', () =>
    replacedDocumentCase(() => DuckDbStore.open({ path: ':memory:' })));
  for (let b = 0; b < BATCHES; b++) {
    it(`batch ${b}: ${EXPRESSIONS_PER_BATCH} random expressions over ${TRACES_PER_BATCH} random traces`, () =>
      differentialBatch(
        () => DuckDbStore.open({ path: ':memory:', threads: 1 }),
        b,
        TRACES_PER_BATCH,
        EXPRESSIONS_PER_BATCH,
      ));
  }
});
