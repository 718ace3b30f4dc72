import type { ServerFeatures } from './features.js';
import type { ClickHouseHttp } from './http-client.js';
import { DATA_TABLES, localTable, onCluster, type SchemaTarget } from './schema.js';

const DAY_MS = 86_400_000;

/**
 * Keeps `days` days of data. Where the server has table TTL (19.6+) it sets the TTL on every
 * data table (again on every start, so a changed retention reaches the tables); otherwise it
 * drops the day partitions that ended more than `days` days before `nowMs`. Returns the
 * partitions dropped.
 */
export async function enforceRetention(
  http: ClickHouseHttp,
  target: SchemaTarget,
  features: ServerFeatures,
  days: number,
  timeoutMs: number,
  nowMs = Date.now(),
): Promise<string[]> {
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`retentionDays must be a positive integer: ${days}`);
  const db = target.database;
  if (features.tableTtl) {
    for (const t of DATA_TABLES) {
      await http.exec(
        `ALTER TABLE ${db}.${localTable(target, t.name)}${onCluster(target)} MODIFY TTL ${t.timeColumn} + INTERVAL ${days} DAY`,
        { timeoutMs },
      );
    }
    return [];
  }
  // Day partitions are named 'YYYY-MM-DD' (PARTITION BY toDate(...)); the partition of day D
  // holds data until D+1, so it goes once D+1 is older than the cutoff.
  const cutoff = new Date(nowMs - days * DAY_MS).toISOString().slice(0, 10);
  const parts = target.cluster ? `cluster(${target.cluster}, system, parts)` : 'system.parts';
  const tables = DATA_TABLES.map((t) => `'${localTable(target, t.name)}'`).join(', ');
  const rows = await http.rows<{ table: string; partition: string }>(
    `SELECT DISTINCT table, partition FROM ${parts}
     WHERE database = '${db}' AND active AND table IN (${tables})`,
    { timeoutMs },
  );
  const dropped: string[] = [];
  for (const { table, partition } of rows) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(partition) || partition >= cutoff) continue;
    await http.exec(`ALTER TABLE ${db}.${table}${onCluster(target)} DROP PARTITION '${partition}'`, {
      timeoutMs,
    });
    dropped.push(`${table}/${partition}`);
  }
  return dropped;
}
