import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeStoreConformance } from '../conformance.test-helpers.js';
import type { Store } from '../store.js';
import { DuckDbStore } from './duckdb-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-duckdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const paths = new WeakMap<Store, string>();
let n = 0;

describeStoreConformance('DuckDB', {
  async open() {
    const path = join(dir, `store-${n++}.duckdb`);
    const s = await DuckDbStore.open({ path, memoryLimit: '256MB' });
    paths.set(s, path);
    return s;
  },
  async reopen(store) {
    await store.close();
    const path = paths.get(store)!;
    const s = await DuckDbStore.open({ path, memoryLimit: '256MB' });
    paths.set(s, path);
    return s;
  },
});
