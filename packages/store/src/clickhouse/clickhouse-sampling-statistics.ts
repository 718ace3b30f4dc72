import {
  SAMPLING_STATISTICS_KEPT_US,
  type SamplingStatisticsRecord,
  type SamplingStatisticsSum,
} from '../store.js';
import type { ClickHouseHttp, RequestOptions } from './http-client.js';
import { bindParams } from './sql-literal.js';

const DAY_MS = 86_400_000;
/** Old partitions are dropped at most this often per process (and at its first write). */
const PRUNE_EVERY_MS = 3600e3;

/**
 * The statistics SDK clients report, in ClickHouse's `sampling_statistics` (migration 4,
 * schema.ts): one appended row per client and rule and report. Day partitions that ended more
 * than SAMPLING_STATISTICS_KEPT_US ago are dropped hourly, on a write, so a row is kept one to
 * two days; dropping partitions works on 18.16, which has no table TTL. In cluster mode the
 * table is replicated, so the drop on one server reaches every replica.
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
    const nowMs = Date.now();
    if (nowMs - this.prunedAtMs >= PRUNE_EVERY_MS) {
      this.prunedAtMs = nowMs;
      await this.prune(nowMs);
    }
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
    const parts = await this.http.rows<{ partition: string }>(
      `SELECT DISTINCT partition FROM system.parts
       WHERE database = '${this.database}' AND table = 'sampling_statistics' AND active`,
      this.read,
    );
    for (const { partition } of parts) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(partition) || partition > cutoff) continue;
      await this.http.exec(
        `ALTER TABLE ${this.database}.sampling_statistics DROP PARTITION '${partition}'`,
        this.write,
      );
    }
  }
}
