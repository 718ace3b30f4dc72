import type { DuckDBConnection } from '@duckdb/node-api';
import {
  SAMPLING_STATISTICS_KEPT_US,
  type SamplingStatisticsRecord,
  type SamplingStatisticsSum,
} from '../store.js';

/** Old rows are deleted at most this often (and at the first write after opening). */
const PRUNE_EVERY_MS = 3600e3;

/**
 * The statistics SDK clients report (DuckDB's `sampling_statistics`, DDL in schema.ts), on
 * their own connection like the rules, so a report never waits for an ingest transaction.
 * Rows received more than SAMPLING_STATISTICS_KEPT_US ago are deleted hourly, on a write.
 */
export class DuckDbSamplingStatistics {
  private prunedAtMs = 0;

  constructor(private readonly c: DuckDBConnection) {}

  async add(rows: SamplingStatisticsRecord[]): Promise<void> {
    if (rows.length > 0) {
      const values = rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
      await this.c.run(
        `INSERT INTO sampling_statistics (rule_name, client_id, received_us, request_count, sampled_count, borrow_count) VALUES ${values}`,
        rows.flatMap((r) => [
          r.ruleName,
          r.clientId,
          r.receivedUs,
          r.requestCount,
          r.sampledCount,
          r.borrowCount,
        ]),
      );
    }
    const nowMs = Date.now();
    if (nowMs - this.prunedAtMs >= PRUNE_EVERY_MS) {
      this.prunedAtMs = nowMs;
      await this.c.run('DELETE FROM sampling_statistics WHERE received_us < ?', [
        nowMs * 1000 - SAMPLING_STATISTICS_KEPT_US,
      ]);
    }
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
