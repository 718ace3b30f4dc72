import type { DuckDBConnection } from '@duckdb/node-api';
import type { GroupRecord } from '../store.js';

const COLUMNS = 'name, arn, filter_expression, insights_enabled, notifications_enabled';

/**
 * Groups in DuckDB's `groups` table (DDL in schema.ts). It uses its own connection, so a group
 * change never lands inside (or waits for) an ingest transaction on the writer connection.
 */
export class DuckDbGroups {
  constructor(private readonly c: DuckDBConnection) {}

  async put(g: GroupRecord): Promise<void> {
    await this.c.run(`INSERT OR REPLACE INTO groups (${COLUMNS}) VALUES (?, ?, ?, ?, ?)`, [
      g.name,
      g.arn,
      g.filterExpression,
      g.insightsEnabled,
      g.notificationsEnabled,
    ]);
  }

  async get(name: string): Promise<GroupRecord | undefined> {
    const r = await this.c.runAndReadAll(`SELECT ${COLUMNS} FROM groups WHERE name = ?`, [name]);
    return r.getRowsJS().map(toGroup)[0];
  }

  async list(): Promise<GroupRecord[]> {
    const r = await this.c.runAndReadAll(`SELECT ${COLUMNS} FROM groups ORDER BY name`);
    return r.getRowsJS().map(toGroup);
  }

  async delete(name: string): Promise<boolean> {
    const r = await this.c.runAndReadAll('DELETE FROM groups WHERE name = ? RETURNING name', [name]);
    return r.getRowsJS().length > 0;
  }

  close(): void {
    this.c.closeSync();
  }
}

function toGroup(row: unknown[]): GroupRecord {
  const [name, arn, filterExpression, insights, notifications] = row;
  return {
    name: String(name),
    arn: String(arn),
    filterExpression: String(filterExpression),
    insightsEnabled: insights === true,
    notificationsEnabled: notifications === true,
  };
}
