import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect, it } from 'vitest';
import { describeGroupConformance } from '../groups-conformance.test-helpers.js';
import { describeSamplingRuleConformance, samplingRule } from '../sampling-rules-conformance.test-helpers.js';
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

it('opens a file whose sampling rules predate SamplingRateBoost, its rules without a boost', async () => {
  const path = join(dir, `old-rules-${n++}.duckdb`);
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  // The table as Fluoro created it before the boost columns.
  await c.run(`CREATE TABLE sampling_rules (
    name VARCHAR PRIMARY KEY, arn VARCHAR NOT NULL, resource_arn VARCHAR NOT NULL,
    priority INTEGER NOT NULL, fixed_rate DOUBLE NOT NULL, reservoir_size BIGINT NOT NULL,
    service_name VARCHAR NOT NULL, service_type VARCHAR NOT NULL, host VARCHAR NOT NULL,
    http_method VARCHAR NOT NULL, url_path VARCHAR NOT NULL, rule_version INTEGER NOT NULL,
    attributes VARCHAR NOT NULL, created_us BIGINT NOT NULL, modified_us BIGINT NOT NULL)`);
  const r = samplingRule('before', 4);
  await c.run(
    'INSERT INTO sampling_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      r.name,
      r.arn,
      r.resourceArn,
      r.priority,
      r.fixedRate,
      r.reservoirSize,
      r.serviceName,
      r.serviceType,
    ].concat([r.host, r.httpMethod, r.urlPath, r.version, '{}', r.createdAtUs, r.modifiedAtUs]),
  );
  c.closeSync();
  instance.closeSync();
  const s = await DuckDbStore.open({ path });
  try {
    expect(await s.listSamplingRules()).toEqual([r]);
    const boosted = { ...r, boost: { maxRate: 0.5, cooldownWindowMinutes: 1 } };
    await s.putSamplingRule(boosted);
    expect(await s.listSamplingRules()).toEqual([boosted]);
  } finally {
    await s.close();
  }
});
