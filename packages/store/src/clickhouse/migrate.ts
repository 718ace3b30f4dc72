import { ClickHouseError } from './errors.js';
import type { ClickHouseHttp } from './http-client.js';
import {
  createDistributed,
  localTable,
  MIGRATIONS,
  type Migration,
  type MigrationStep,
  migrationsTable,
  onCluster,
  type SchemaTarget,
} from './schema.js';

/** Another process created the same database or table a moment earlier. */
const ALREADY_EXISTS = new Set([57, 82]);

/**
 * Brings the database up to the newest migration. Safe when several Fluoro processes start at
 * once: every statement is idempotent (`IF NOT EXISTS`, and ClickHouse's "already exists"
 * from a concurrent creator counts as done), so two processes applying the same migration
 * both succeed; `schema_migrations` only saves work at the next start. Returns the versions
 * this call applied.
 */
export async function migrate(
  http: ClickHouseHttp,
  target: SchemaTarget,
  timeoutMs: number,
  migrations: Migration[] = MIGRATIONS,
): Promise<number[]> {
  const run = async (sql: string) => {
    try {
      await http.exec(sql, { timeoutMs });
    } catch (e) {
      if (!(e instanceof ClickHouseError && ALREADY_EXISTS.has(e.code))) throw e;
    }
  };
  await run(`CREATE DATABASE IF NOT EXISTS ${target.database}${onCluster(target)}`);
  await run(migrationsTable(target));
  const done = new Set(
    (
      await http.rows<{ version: number }>(
        `SELECT DISTINCT version FROM ${target.database}.schema_migrations`,
        {
          timeoutMs,
        },
      )
    ).map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const step of m.steps(target)) await applyStep(http, target, step, timeoutMs, run);
    await http.insert(
      `${target.database}.schema_migrations`,
      ['version', 'description'],
      [{ version: m.version, description: m.description }],
      { timeoutMs },
    );
    applied.push(m.version);
  }
  return applied;
}

async function applyStep(
  http: ClickHouseHttp,
  target: SchemaTarget,
  step: MigrationStep,
  timeoutMs: number,
  run: (sql: string) => Promise<void>,
): Promise<void> {
  if (typeof step === 'string') return run(step);
  const db = target.database;
  if ('syncDistributed' in step) {
    const name = step.syncDistributed;
    const columns = (table: string) =>
      http
        .rows<{ name: string; type: string }>(
          `SELECT name, type FROM system.columns WHERE database = '${db}' AND table = '${table}' ORDER BY name`,
          { timeoutMs },
        )
        .then((rows) => JSON.stringify(rows));
    if ((await columns(name)) === (await columns(localTable(target, name)))) return;
    await run(`DROP TABLE IF EXISTS ${db}.${name}${onCluster(target)}`);
    return run(createDistributed(target, name));
  }
  const { table, column, type } = step.addColumn;
  const [present] = await http.rows<{ c: string }>(
    `SELECT count() AS c FROM system.columns WHERE database = '${db}' AND table = '${table}' AND name = '${column}'`,
    { timeoutMs },
  );
  if (Number(present?.c) > 0) return;
  try {
    await http.exec(`ALTER TABLE ${db}.${table}${onCluster(target)} ADD COLUMN ${column} ${type}`, {
      timeoutMs,
    });
  } catch (e) {
    // Another process added it between the check and the ALTER (ON CLUSTER wraps the code).
    if (!(e instanceof ClickHouseError && /already exists/i.test(e.message))) throw e;
  }
}
