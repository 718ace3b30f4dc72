import type { SamplingRuleRecord } from '../store.js';
import type { ClickHouseHttp, RequestOptions } from './http-client.js';

/** Columns read back with argMax(column, row_version), in SamplingRuleRecord order. */
const VALUE_COLUMNS = [
  'arn',
  'resource_arn',
  'priority',
  'fixed_rate',
  'reservoir_size',
  'service_name',
  'service_type',
  'host',
  'http_method',
  'url_path',
  'rule_version',
  'attributes',
  'created_us',
  'modified_us',
  'boost_max_rate',
  'boost_cooldown_minutes',
  'deleted',
] as const;

/**
 * Sampling rules in ClickHouse, kept exactly like groups (clickhouse-groups.ts): every change,
 * and every delete as a tombstone, is a new row with a higher `row_version`, read back with
 * argMax, so it needs no mutations (18.16). In cluster mode the table is replicated to every
 * server rather than sharded. Every process reads the same table, so they all see the same
 * rules. The table comes from migration 3 (schema.ts), its boost columns from migration 5.
 */
export class ClickHouseSamplingRules {
  private lastVersion = 0;

  constructor(
    private readonly http: ClickHouseHttp,
    private readonly read: RequestOptions,
    private readonly write: RequestOptions,
  ) {}

  put(r: SamplingRuleRecord): Promise<void> {
    return this.insert(r, false);
  }

  async list(): Promise<SamplingRuleRecord[]> {
    const rows = await this.http.rows<Record<string, string | number>>(
      `SELECT name, ${VALUE_COLUMNS.map((c) => `argMax(${c}, row_version) AS r_${c}`).join(', ')}
       FROM sampling_rules GROUP BY name HAVING r_deleted = 0 ORDER BY r_priority, name`,
      this.read,
    );
    return rows.map((r) => ({
      name: String(r['name']),
      arn: String(r['r_arn']),
      resourceArn: String(r['r_resource_arn']),
      priority: Number(r['r_priority']),
      fixedRate: Number(r['r_fixed_rate']),
      reservoirSize: Number(r['r_reservoir_size']),
      serviceName: String(r['r_service_name']),
      serviceType: String(r['r_service_type']),
      host: String(r['r_host']),
      httpMethod: String(r['r_http_method']),
      urlPath: String(r['r_url_path']),
      version: Number(r['r_rule_version']),
      attributes: JSON.parse(String(r['r_attributes'])) as Record<string, string>,
      // A cooldown of 0 is no boost: the API refuses 0, and rows from before migration 5 read 0.
      ...(Number(r['r_boost_cooldown_minutes']) > 0
        ? {
            boost: {
              maxRate: Number(r['r_boost_max_rate']),
              cooldownWindowMinutes: Number(r['r_boost_cooldown_minutes']),
            },
          }
        : {}),
      createdAtUs: Number(r['r_created_us']),
      modifiedAtUs: Number(r['r_modified_us']),
    }));
  }

  async delete(name: string): Promise<boolean> {
    const rule = (await this.list()).find((r) => r.name === name);
    if (!rule) return false;
    await this.insert(rule, true);
    return true;
  }

  private async insert(r: SamplingRuleRecord, deleted: boolean): Promise<void> {
    // Strictly increasing within a process; across processes the clock orders changes.
    const version = Math.max(Date.now() * 1000, this.lastVersion + 1);
    this.lastVersion = version;
    const row = {
      name: r.name,
      arn: r.arn,
      resource_arn: r.resourceArn,
      priority: r.priority,
      fixed_rate: r.fixedRate,
      reservoir_size: r.reservoirSize,
      service_name: r.serviceName,
      service_type: r.serviceType,
      host: r.host,
      http_method: r.httpMethod,
      url_path: r.urlPath,
      rule_version: r.version,
      attributes: JSON.stringify(r.attributes),
      created_us: r.createdAtUs,
      modified_us: r.modifiedAtUs,
      boost_max_rate: r.boost?.maxRate ?? 0,
      boost_cooldown_minutes: r.boost?.cooldownWindowMinutes ?? 0,
      deleted: deleted ? 1 : 0,
      row_version: version,
    };
    await this.http.insert('sampling_rules', Object.keys(row), [row], this.write);
  }
}
