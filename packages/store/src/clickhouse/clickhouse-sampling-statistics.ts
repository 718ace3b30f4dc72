import {
  SAMPLING_STATISTICS_KEPT_US,
  type SamplingBoostRecord,
  type SamplingBoostStatisticsRecord,
  type SamplingBoostStatisticsSum,
  type SamplingStatisticsRecord,
  type SamplingStatisticsSum,
} from '../store.js';
import type { ClickHouseHttp, RequestOptions } from './http-client.js';
import { bindParams } from './sql-literal.js';

const DAY_MS = 86_400_000;
/** Old partitions are dropped at most this often per process (and at its first write). */
const PRUNE_EVERY_MS = 3600e3;
/** The tables pruned by day partition: statistics, and adaptive sampling's counts and boosts (migration 5). */
const PRUNED_TABLES = ['sampling_statistics', 'sampling_boost_statistics', 'sampling_boosts'];

/**
 * The statistics SDK clients report, in ClickHouse's `sampling_statistics` (migration 4,
 * schema.ts): one appended row per client and rule and report. Day partitions that ended more
 * than SAMPLING_STATISTICS_KEPT_US ago are dropped hourly, on a write, so a row is kept one to
 * two days; dropping partitions works on 18.16, which has no table TTL. In cluster mode the
 * table is replicated, so the drop on one server reaches every replica. Adaptive sampling's
 * anomaly counts and boosts (migration 5) are kept the same way.
 */
export class ClickHouseSamplingStatistics {
  private prunedAtMs = 0;

  constructor(
    private readonly http: ClickHouseHttp,
    private readonly database: string,
    private readonly read: RequestOptions,
    private readonly write: RequestOptions,
  ) {}

  async add(rows: SamplingStatisticsRecord[]): Promise<void> {
    if (rows.length > 0) {
      await this.http.insert(
        'sampling_statistics',
        ['rule_name', 'client_id', 'received_us', 'request_count', 'sampled_count', 'borrow_count'],
        rows.map((r) => ({
          rule_name: r.ruleName,
          client_id: r.clientId,
          received_us: r.receivedUs,
          request_count: r.requestCount,
          sampled_count: r.sampledCount,
          borrow_count: r.borrowCount,
        })),
        this.write,
      );
    }
    await this.pruneHourly();
  }

  async addBoostStatistics(rows: SamplingBoostStatisticsRecord[]): Promise<void> {
    if (rows.length > 0) {
      await this.http.insert(
        'sampling_boost_statistics',
        ['rule_name', 'service_name', 'received_us', 'anomaly_count', 'total_count', 'sampled_anomaly_count'],
        rows.map((r) => ({
          rule_name: r.ruleName,
          service_name: r.serviceName,
          received_us: r.receivedUs,
          anomaly_count: r.anomalyCount,
          total_count: r.totalCount,
          sampled_anomaly_count: r.sampledAnomalyCount,
        })),
        this.write,
      );
    }
    await this.pruneHourly();
  }

  async boostStatisticsSince(sinceUs: number): Promise<SamplingBoostStatisticsSum[]> {
    const rows = await this.http.rows<Record<string, string | number>>(
      bindParams(
        `SELECT rule_name, sum(anomaly_count) AS anomalies, sum(total_count) AS total,
           sum(sampled_anomaly_count) AS sampled_anomalies
         FROM sampling_boost_statistics
         WHERE received_time >= toDateTime(?) AND received_us >= ?
         GROUP BY rule_name ORDER BY rule_name`,
        [Math.floor(sinceUs / 1e6), sinceUs],
      ),
      this.read,
    );
    return rows.map((r) => ({
      ruleName: String(r['rule_name']),
      anomalyCount: Number(r['anomalies']),
      totalCount: Number(r['total']),
      sampledAnomalyCount: Number(r['sampled_anomalies']),
    }));
  }

  async addBoost(b: SamplingBoostRecord): Promise<void> {
    await this.http.insert(
      'sampling_boosts',
      ['rule_name', 'started_us', 'rate', 'expires_us'],
      [{ rule_name: b.ruleName, started_us: b.startedUs, rate: b.rate, expires_us: b.expiresUs }],
      this.write,
    );
    await this.pruneHourly();
  }

  async boostsSince(sinceUs: number): Promise<SamplingBoostRecord[]> {
    const rows = await this.http.rows<Record<string, string | number>>(
      bindParams(
        `SELECT rule_name, max(started_us) AS started, argMax(rate, started_us) AS boost_rate,
           argMax(expires_us, started_us) AS expires
         FROM sampling_boosts
         WHERE received_time >= toDateTime(?) AND started_us >= ?
         GROUP BY rule_name ORDER BY rule_name`,
        [Math.floor(sinceUs / 1e6), sinceUs],
      ),
      this.read,
    );
    return rows.map((r) => ({
      ruleName: String(r['rule_name']),
      startedUs: Number(r['started']),
      rate: Number(r['boost_rate']),
      expiresUs: Number(r['expires']),
    }));
  }

  private async pruneHourly(): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.prunedAtMs < PRUNE_EVERY_MS) return;
    this.prunedAtMs = nowMs;
    await this.prune(nowMs);
  }

  async since(sinceUs: number): Promise<SamplingStatisticsSum[]> {
    // received_time first: the sort key's leading column prunes the read to the window.
    const rows = await this.http.rows<Record<string, string | number | string[]>>(
      bindParams(
        `SELECT rule_name, sum(request_count) AS requests, sum(sampled_count) AS sampled,
           sum(borrow_count) AS borrowed, groupUniqArray(client_id) AS clients
         FROM sampling_statistics
         WHERE received_time >= toDateTime(?) AND received_us >= ?
         GROUP BY rule_name ORDER BY rule_name`,
        [Math.floor(sinceUs / 1e6), sinceUs],
      ),
      this.read,
    );
    return rows.map((r) => ({
      ruleName: String(r['rule_name']),
      requestCount: Number(r['requests']),
      sampledCount: Number(r['sampled']),
      borrowCount: Number(r['borrowed']),
      clients: (r['clients'] as string[]).map(String).sort(),
    }));
  }

  /** Drops the day partitions whose day ended more than SAMPLING_STATISTICS_KEPT_US before now. */
  private async prune(nowMs: number): Promise<void> {
    // A partition of day D holds rows until D+1, so it goes once D+1 is before the cutoff.
    const cutoff = new Date(nowMs - SAMPLING_STATISTICS_KEPT_US / 1000 - DAY_MS).toISOString().slice(0, 10);
    const parts = await this.http.rows<{ table: string; partition: string }>(
      `SELECT DISTINCT table, partition FROM system.parts
       WHERE database = '${this.database}' AND table IN (${PRUNED_TABLES.map((t) => `'${t}'`).join(', ')}) AND active`,
      this.read,
    );
    for (const { table, partition } of parts) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(partition) || partition > cutoff || !PRUNED_TABLES.includes(table))
        continue;
      await this.http.exec(`ALTER TABLE ${this.database}.${table} DROP PARTITION '${partition}'`, this.write);
    }
  }
}
