import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeSamplingRuleConformance } from '../sampling-rules-conformance.test-helpers.js';
import type { Store } from '../store.js';
import { DuckDbStore } from './duckdb-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-rules-'));
let n = 0;
const paths = new WeakMap<Store, string>();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeSamplingRuleConformance('DuckDB', {
  async open() {
    const path = join(dir, `r${n++}.duckdb`);
    const s = await DuckDbStore.open({ path });
    paths.set(s, path);
    return s;
  },
  async reopen(store) {
    await store.close();
    const path = paths.get(store) as string;
    const s = await DuckDbStore.open({ path });
    paths.set(s, path);
    return s;
  },
});
