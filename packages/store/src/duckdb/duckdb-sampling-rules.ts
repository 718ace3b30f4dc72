import type { DuckDBConnection } from '@duckdb/node-api';
import type { SamplingRuleRecord } from '../store.js';

const COLUMNS = `name, arn, resource_arn, priority, fixed_rate, reservoir_size, service_name, service_type,
  host, http_method, url_path, rule_version, attributes, created_us, modified_us, boost_max_rate,
  boost_cooldown_minutes`;

/**
 * Sampling rules in DuckDB's `sampling_rules` table (DDL in schema.ts), on their own
 * connection like groups, so a rule change never waits for an ingest transaction.
 */
export class DuckDbSamplingRules {
  constructor(private readonly c: DuckDBConnection) {}

  async put(r: SamplingRuleRecord): Promise<void> {
    await this.c.run(
      `INSERT OR REPLACE INTO sampling_rules (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.name,
        r.arn,
        r.resourceArn,
        r.priority,
        r.fixedRate,
        r.reservoirSize,
        r.serviceName,
        r.serviceType,
        r.host,
        r.httpMethod,
        r.urlPath,
        r.version,
        JSON.stringify(r.attributes),
        r.createdAtUs,
        r.modifiedAtUs,
        r.boost?.maxRate ?? null,
        r.boost?.cooldownWindowMinutes ?? null,
      ],
    );
  }

  async list(): Promise<SamplingRuleRecord[]> {
    const r = await this.c.runAndReadAll(`SELECT ${COLUMNS} FROM sampling_rules ORDER BY priority, name`);
    return r.getRowsJS().map(toRule);
  }

  async delete(name: string): Promise<boolean> {
    const r = await this.c.runAndReadAll('DELETE FROM sampling_rules WHERE name = ? RETURNING name', [name]);
    return r.getRowsJS().length > 0;
  }

  close(): void {
    this.c.closeSync();
  }
}

function toRule(row: unknown[]): SamplingRuleRecord {
  const [name, arn, resourceArn, priority, fixedRate, reservoirSize, serviceName, serviceType] = row;
  const [host, httpMethod, urlPath, version, attributes, createdUs, modifiedUs, maxRate, cooldown] =
    row.slice(8);
  return {
    name: String(name),
    arn: String(arn),
    resourceArn: String(resourceArn),
    priority: Number(priority),
    fixedRate: Number(fixedRate),
    reservoirSize: Number(reservoirSize),
    serviceName: String(serviceName),
    serviceType: String(serviceType),
    host: String(host),
    httpMethod: String(httpMethod),
    urlPath: String(urlPath),
    version: Number(version),
    attributes: JSON.parse(String(attributes)) as Record<string, string>,
    ...(cooldown === null || cooldown === undefined
      ? {}
      : { boost: { maxRate: Number(maxRate), cooldownWindowMinutes: Number(cooldown) } }),
    createdAtUs: Number(createdUs),
    modifiedAtUs: Number(modifiedUs),
  };
}
