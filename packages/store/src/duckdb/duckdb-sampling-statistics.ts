import type { DuckDBConnection } from '@duckdb/node-api';
import {
  SAMPLING_STATISTICS_KEPT_US,
  type SamplingBoostRecord,
  type SamplingBoostStatisticsRecord,
  type SamplingBoostStatisticsSum,
  type SamplingStatisticsRecord,
  type SamplingStatisticsSum,
} from '../store.js';

/** Old rows are deleted at most this often (and at the first write after opening). */
const PRUNE_EVERY_MS = 3600e3;

/**
 * The statistics SDK clients report (DuckDB's `sampling_statistics`, DDL in schema.ts), on
 * their own connection like the rules, so a report never waits for an ingest transaction.
 * Rows received more than SAMPLING_STATISTICS_KEPT_US ago are deleted hourly, on a write.
 * Adaptive sampling's anomaly counts (`sampling_boost_statistics`) and the boosts started from
 * them (`sampling_boosts`) live here too, pruned the same way.
 */
export class DuckDbSamplingStatistics {
  private prunedAtMs = 0;

  constructor(private readonly c: DuckDBConnection) {}

  async add(rows: SamplingStatisticsRecord[]): Promise<void> {
    await this.insert(
      'sampling_statistics',
      ['rule_name', 'client_id', 'received_us', 'request_count', 'sampled_count', 'borrow_count'],
      rows.map((r) => [r.ruleName, r.clientId, r.receivedUs, r.requestCount, r.sampledCount, r.borrowCount]),
    );
  }

  async addBoostStatistics(rows: SamplingBoostStatisticsRecord[]): Promise<void> {
    await this.insert(
      'sampling_boost_statistics',
      ['rule_name', 'service_name', 'received_us', 'anomaly_count', 'total_count', 'sampled_anomaly_count'],
      rows.map((r) => [
        r.ruleName,
        r.serviceName,
        r.receivedUs,
        r.anomalyCount,
        r.totalCount,
        r.sampledAnomalyCount,
      ]),
    );
  }

  async boostStatisticsSince(sinceUs: number): Promise<SamplingBoostStatisticsSum[]> {
    const r = await this.c.runAndReadAll(
      `SELECT rule_name, sum(anomaly_count), sum(total_count), sum(sampled_anomaly_count)
       FROM sampling_boost_statistics WHERE received_us >= ? GROUP BY rule_name ORDER BY rule_name`,
      [sinceUs],
    );
    return r.getRowsJS().map(([ruleName, anomalyCount, totalCount, sampledAnomalyCount]) => ({
      ruleName: String(ruleName),
      anomalyCount: Number(anomalyCount),
      totalCount: Number(totalCount),
      sampledAnomalyCount: Number(sampledAnomalyCount),
    }));
  }

  async addBoost(b: SamplingBoostRecord): Promise<void> {
    await this.insert(
      'sampling_boosts',
      ['rule_name', 'started_us', 'rate', 'expires_us'],
      [[b.ruleName, b.startedUs, b.rate, b.expiresUs]],
    );
  }

  /** One multi-row INSERT of `rows` (values in `columns` order), then the hourly prune. */
  private async insert(table: string, columns: string[], rows: (string | number)[][]): Promise<void> {
    if (rows.length > 0) {
      const one = `(${columns.map(() => '?').join(', ')})`;
      await this.c.run(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.map(() => one).join(', ')}`,
        rows.flat(),
      );
    }
    await this.prune();
  }

  async boostsSince(sinceUs: number): Promise<SamplingBoostRecord[]> {
    const r = await this.c.runAndReadAll(
      `SELECT rule_name, max(started_us), arg_max(rate, started_us), arg_max(expires_us, started_us)
       FROM sampling_boosts WHERE started_us >= ? GROUP BY rule_name ORDER BY rule_name`,
      [sinceUs],
    );
    return r.getRowsJS().map(([ruleName, startedUs, rate, expiresUs]) => ({
      ruleName: String(ruleName),
      startedUs: Number(startedUs),
      rate: Number(rate),
      expiresUs: Number(expiresUs),
    }));
  }

  private async prune(): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.prunedAtMs < PRUNE_EVERY_MS) return;
    this.prunedAtMs = nowMs;
    const cutoffUs = nowMs * 1000 - SAMPLING_STATISTICS_KEPT_US;
    await this.c.run('DELETE FROM sampling_statistics WHERE received_us < ?', [cutoffUs]);
    await this.c.run('DELETE FROM sampling_boost_statistics WHERE received_us < ?', [cutoffUs]);
    await this.c.run('DELETE FROM sampling_boosts WHERE started_us < ?', [cutoffUs]);
  }

  async since(sinceUs: number): Promise<SamplingStatisticsSum[]> {
    const r = await this.c.runAndReadAll(
      `SELECT rule_name, sum(request_count), sum(sampled_count), sum(borrow_count), list(DISTINCT client_id)
       FROM sampling_statistics WHERE received_us >= ? GROUP BY rule_name ORDER BY rule_name`,
      [sinceUs],
    );
    return r.getRowsJS().map(([ruleName, requestCount, sampledCount, borrowCount, clients]) => ({
      ruleName: String(ruleName),
      requestCount: Number(requestCount),
      sampledCount: Number(sampledCount),
      borrowCount: Number(borrowCount),
      clients: (clients as unknown[]).map(String).sort(),
    }));
  }

  close(): void {
    this.c.closeSync();
  }
}
