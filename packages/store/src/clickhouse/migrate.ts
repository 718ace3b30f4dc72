import { ClickHouseError } from './errors.js';
import type { ClickHouseHttp } from './http-client.js';
import { MIGRATIONS, type Migration, migrationsTable, onCluster, type SchemaTarget } from './schema.js';

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
    for (const sql of m.statements(target)) await run(sql);
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
