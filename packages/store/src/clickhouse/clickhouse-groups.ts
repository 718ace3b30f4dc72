import type { GroupRecord } from '../store.js';
import type { ClickHouseHttp, RequestOptions } from './http-client.js';
import { bindParams } from './sql-literal.js';

/**
 * Groups in ClickHouse: a small ReplacingMergeTree where every change (and every delete, as a
 * tombstone) is a new row with a higher `version`, read back with argMax; no mutations, so it
 * works on 18.16. In cluster mode the table is replicated to every server (one ZooKeeper path
 * for the whole cluster, replica named `{shard}-{replica}`) rather than sharded: it is tiny
 * and any server must see every group. The table comes from migration 2 (schema.ts).
 */
export class ClickHouseGroups {
  private lastVersion = 0;

  constructor(
    private readonly http: ClickHouseHttp,
    private readonly read: RequestOptions,
    private readonly write: RequestOptions,
  ) {}

  async put(g: GroupRecord): Promise<void> {
    await this.insert(g, false);
  }

  async get(name: string): Promise<GroupRecord | undefined> {
    return (await this.select('name = ?', [name]))[0];
  }

  list(): Promise<GroupRecord[]> {
    return this.select('1', []);
  }

  async delete(name: string): Promise<boolean> {
    const g = await this.get(name);
    if (!g) return false;
    await this.insert(g, true);
    return true;
  }

  private async insert(g: GroupRecord, deleted: boolean): Promise<void> {
    // Strictly increasing within a process; across processes the clock orders changes.
    const version = Math.max(Date.now() * 1000, this.lastVersion + 1);
    this.lastVersion = version;
    const row = {
      name: g.name,
      arn: g.arn,
      filter_expression: g.filterExpression,
      insights_enabled: g.insightsEnabled ? 1 : 0,
      notifications_enabled: g.notificationsEnabled ? 1 : 0,
      deleted: deleted ? 1 : 0,
      version,
    };
    await this.http.insert('groups', Object.keys(row), [row], this.write);
  }

  private async select(where: string, params: string[]): Promise<GroupRecord[]> {
    const rows = await this.http.rows<Record<string, string | number>>(
      bindParams(
        `SELECT name, argMax(arn, version) AS g_arn, argMax(filter_expression, version) AS g_filter,
          argMax(insights_enabled, version) AS g_insights, argMax(notifications_enabled, version) AS g_notifications,
          argMax(deleted, version) AS g_deleted
         FROM groups WHERE ${where} GROUP BY name HAVING g_deleted = 0 ORDER BY name`,
        params,
      ),
      this.read,
    );
    return rows.map((r) => ({
      name: String(r['name']),
      arn: String(r['g_arn']),
      filterExpression: String(r['g_filter']),
      insightsEnabled: Number(r['g_insights']) === 1,
      notificationsEnabled: Number(r['g_notifications']) === 1,
    }));
  }
}
