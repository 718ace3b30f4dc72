import type { DuckDBConnection } from '@duckdb/node-api';
import { type GraphStatRow, mergeGraphStats } from '@fluoro/model';
import type { GraphQuery } from '../store.js';
import {
  cachedGraphStatsSql,
  GRAPH_CACHE_SCHEMA,
  MINUTE_US,
  missingMinutes,
  planGraphCache,
} from './graph-cache.js';
import { graphStatsSql } from './graph-stats-sql.js';

/** Runs `fn` with the writer connection, in turn with the store's writes. */
export type Serialize = <T>(fn: (writer: DuckDBConnection) => Promise<T>) => Promise<T>;

/**
 * The DuckDB store's service-graph queries: live SQL over the spans (`graphStatsSql`) for
 * recent or filtered ranges, and the settled-minute cache (`graph-cache.ts`) for the rest.
 */
export class DuckDbGraph {
  /** End of the latest cached minute (0: none); a write starting before it minus `padUs` invalidates. */
  private cachedUntilUs = 0;
  /**
   * The earliest span start when first asked (+Infinity for an empty store), and the earliest
   * written since (lowered inside each write, before it commits). Together a lower bound of every
   * stored start (retention may since have removed the earliest): nothing before it minus
   * `padUs` is read or cached, so a range reaching back to 1970 costs what the data costs.
   */
  private storedMinUs: number | undefined;
  private writtenMinUs = Number.POSITIVE_INFINITY;

  private constructor(
    private readonly reader: DuckDBConnection,
    private readonly serialize: Serialize,
    /** The longest trace accounted for: a row can change the graph of minutes this far before it. */
    private readonly padUs: number,
    private readonly nowUs: () => number,
  ) {}

  static async open(
    writer: DuckDBConnection,
    reader: DuckDBConnection,
    serialize: Serialize,
    padUs: number,
    nowUs: () => number = () => Date.now() * 1000,
  ): Promise<DuckDbGraph> {
    for (const ddl of GRAPH_CACHE_SCHEMA) await writer.run(ddl);
    const g = new DuckDbGraph(reader, serialize, padUs, nowUs);
    const r = await reader.runAndReadAll('SELECT max(minute_us) FROM graph_minutes_done');
    const last = r.getRows()[0]?.[0];
    g.cachedUntilUs = last === null || last === undefined ? 0 : Number(last) + MINUTE_US;
    return g;
  }

  async graphStats(q: GraphQuery): Promise<GraphStatRow[]> {
    const periodUs = q.periodUs ?? 0;
    // Buckets stay aligned to the asked start (`q.startUs`); only the minutes read are clamped.
    const startUs = Math.max(
      q.startUs,
      Math.floor(((await this.earliest()) - this.padUs) / MINUTE_US) * MINUTE_US,
    );
    if (startUs >= q.endUs) return [];
    const plan = q.filter ? undefined : planGraphCache(startUs, q.endUs, periodUs, this.nowUs());
    if (!plan) return this.live(q, startUs, q.endUs);
    await this.fill(plan.fromUs, plan.toUs);
    const parts: GraphStatRow[] = [];
    for (const [from, to] of plan.live) parts.push(...(await this.live(q, from, to)));
    // Read in turn with writes, so that a late write cannot drop minutes between check and read.
    const cached = await this.serialize(async () => {
      const r = await this.reader.runAndReadAll(
        'SELECT count(*) FROM graph_minutes_done WHERE minute_us >= ? AND minute_us < ?',
        [plan.fromUs, plan.toUs],
      );
      if (Number(r.getRows()[0]?.[0] ?? 0) !== (plan.toUs - plan.fromUs) / MINUTE_US) return undefined;
      const rows = await this.reader.runAndReadAll(cachedGraphStatsSql(periodUs), [
        periodUs > 0 ? periodUs : q.startUs,
        plan.fromUs,
        plan.toUs,
      ]);
      return rows.getRows().map(toGraphStatRow);
    });
    // Late data dropped cached minutes since they were filled: answer from the spans this time.
    if (!cached) return this.live(q, startUs, q.endUs);
    return mergeGraphStats([...parts, ...cached]);
  }

  /**
   * Inside a write's transaction: drops the cached minutes that rows starting at `minStartUs`
   * could change (late data). Returns what to call once the transaction committed.
   */
  async invalidate(writer: DuckDBConnection, minStartUs: number): Promise<() => void> {
    // Lowered before the commit: a bound too low only costs a read of empty minutes.
    if (minStartUs < this.writtenMinUs) this.writtenMinUs = minStartUs;
    const fromUs = Math.floor((minStartUs - this.padUs) / MINUTE_US) * MINUTE_US;
    if (fromUs >= this.cachedUntilUs) return () => undefined;
    await writer.run('DELETE FROM graph_minutes WHERE minute_us >= ?', [fromUs]);
    await writer.run('DELETE FROM graph_minutes_done WHERE minute_us >= ?', [fromUs]);
    return () => {
      this.cachedUntilUs = Math.min(this.cachedUntilUs, fromUs);
    };
  }

  /** No stored span starts before this (see `storedMinUs`). */
  private async earliest(): Promise<number> {
    if (this.storedMinUs === undefined) {
      const r = await this.reader.runAndReadAll('SELECT min(start_us) FROM spans');
      const v = r.getRows()[0]?.[0];
      this.storedMinUs = v === null || v === undefined ? Number.POSITIVE_INFINITY : Number(v);
    }
    return Math.min(this.storedMinUs, this.writtenMinUs);
  }

  /** Releases the graph's connection (the store closes the rest). */
  close(): void {
    this.reader.closeSync();
  }

  /** How many minutes are cached (diagnostics and tests). */
  async cachedMinutes(): Promise<number> {
    const r = await this.reader.runAndReadAll('SELECT count(*) FROM graph_minutes_done');
    return Number(r.getRows()[0]?.[0] ?? 0);
  }

  private async live(q: GraphQuery, fromUs: number, toUs: number): Promise<GraphStatRow[]> {
    const { sql, params } = graphStatsSql({
      windowStartUs: fromUs - this.padUs,
      windowEndUs: toUs + this.padUs,
      startUs: fromUs,
      endUs: toUs,
      periodUs: q.periodUs ?? 0,
      bucketStartUs: q.startUs,
      filter: q.filter?.('duckdb'),
    });
    return (await this.reader.runAndReadAll(sql, params)).getRows().map(toGraphStatRow);
  }

  /** Computes the missing minutes of [fromUs, toUs), a step at a time, in turn with writes. */
  private async fill(fromUs: number, toUs: number): Promise<void> {
    const r = await this.reader.runAndReadAll(
      'SELECT minute_us FROM graph_minutes_done WHERE minute_us >= ? AND minute_us < ?',
      [fromUs, toUs],
    );
    const done = new Set(r.getRows().map(([m]) => Number(m)));
    for (const [from, to] of missingMinutes(fromUs, toUs, done)) {
      await this.serialize(async (w) => {
        const { sql, params } = graphStatsSql({
          windowStartUs: from - this.padUs,
          windowEndUs: to + this.padUs,
          startUs: from,
          endUs: to,
          periodUs: MINUTE_US,
          filter: undefined,
        });
        await w.run('BEGIN TRANSACTION');
        try {
          // Idempotent: a step that raced another query's fill replaces it.
          await w.run('DELETE FROM graph_minutes WHERE minute_us >= ? AND minute_us < ?', [from, to]);
          await w.run('DELETE FROM graph_minutes_done WHERE minute_us >= ? AND minute_us < ?', [from, to]);
          await w.run(`INSERT INTO graph_minutes (${FILL_COLUMNS}) ${sql}`, params);
          await w.run(
            'INSERT INTO graph_minutes_done SELECT range FROM range(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))',
            [from, to, MINUTE_US],
          );
          await w.run('COMMIT');
        } catch (e) {
          await w.run('ROLLBACK').catch(() => undefined);
          throw e;
        }
        this.cachedUntilUs = Math.max(this.cachedUntilUs, to);
      });
    }
  }
}

/** `graphStatsSql`'s output columns, in its order, as `graph_minutes` names them. */
const FILL_COLUMNS = `kind, minute_us, src_name, src_type, tgt_name, tgt_type, inferred, alias_name, alias_type,
  duration_bucket_us, n, ok, error, throttle, fault, sum_duration_us, min_start_us, max_end_us`;

function toGraphStatRow(row: unknown[]): GraphStatRow {
  const [kind, bucket, srcName, srcType, tgtName, tgtType, inferred, aliasName, aliasType, ...n] = row;
  const [durBucket, count, ok, error, throttle, fault, sumDur, minStart, maxEnd] = n.map(Number) as number[];
  const key = (name: unknown, type: unknown) =>
    name === null || name === undefined ? null : { name: String(name), type: String(type ?? '') };
  return {
    kind: kind === 'node' ? 'node' : 'edge',
    bucketUs: Number(bucket),
    source: key(srcName, srcType),
    target: { name: String(tgtName), type: String(tgtType ?? '') },
    inferred: Boolean(inferred),
    alias: key(aliasName, aliasType),
    durationBucketUs: durBucket as number,
    count: count as number,
    ok: ok as number,
    error: error as number,
    throttle: throttle as number,
    fault: fault as number,
    sumDurationUs: sumDur as number,
    minStartUs: minStart as number,
    maxEndUs: maxEnd as number,
  };
}
