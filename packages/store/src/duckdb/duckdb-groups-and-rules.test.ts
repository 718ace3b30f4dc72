import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeGroupConformance } from '../groups-conformance.test-helpers.js';
import { describeSamplingRuleConformance } from '../sampling-rules-conformance.test-helpers.js';
import type { Store } from '../store.js';
import { DuckDbStore } from './duckdb-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-settings-'));
let n = 0;
const paths = new WeakMap<Store, string>();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Groups and sampling rules: the small keyed tables the API manages, on one DuckDB file each test.
const stores = {
  async open() {
    const path = join(dir, `g${n++}.duckdb`);
    const s = await DuckDbStore.open({ path });
    paths.set(s, path);
    return s;
  },
  async reopen(store: Store) {
    await store.close();
    const path = paths.get(store) as string;
    const s = await DuckDbStore.open({ path });
    paths.set(s, path);
    return s;
  },
};

describeGroupConformance('DuckDB', stores);
describeSamplingRuleConformance('DuckDB', stores);
