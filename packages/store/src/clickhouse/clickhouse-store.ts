import { randomUUID } from 'node:crypto';
import type { GraphStatRow, SpanRow, StoredDocument } from '@fluoro/model';
import { fromSpanRecord, SPAN_COLUMNS } from '../duckdb/span-record.js';
import { toSegmentPage } from '../segment-page.js';
import type {
  GraphQuery,
  GroupRecord,
  IngestedDocument,
  SamplingBoostRecord,
  SamplingBoostStatisticsRecord,
  SamplingBoostStatisticsSum,
  SamplingRuleRecord,
  SamplingStatisticsRecord,
  SamplingStatisticsSum,
  SegmentPage,
  SegmentQuery,
  Store,
  TracePage,
  TraceQuery,
} from '../store.js';
import { ClickHouseGroups } from './clickhouse-groups.js';
import { ClickHouseSamplingRules } from './clickhouse-sampling-rules.js';
import { ClickHouseSamplingStatistics } from './clickhouse-sampling-statistics.js';
import { featuresOf, type ServerFeatures } from './features.js';
import { findTracesSql } from './find-traces-sql.js';
import { GRAPH_WINDOW, GRAPH_WINDOW_COLUMNS, graphStatsSql, toGraphStatRow } from './graph-stats-sql.js';
import { ClickHouseHttp, type RequestOptions } from './http-client.js';
import { migrate } from './migrate.js';
import { enforceRetention } from './retention.js';
import { annotationValue, toBatchRows } from './rows.js';
import {
  ANNOTATION_COLUMNS,
  checkIdentifier,
  DOCUMENT_COLUMNS,
  type SchemaTarget,
  SPAN_EXTRA_COLUMN_TYPES,
  TRACE_HOUR_COLUMNS,
} from './schema.js';
import { segmentsSql } from './segments-sql.js';
import { bindParams, type SqlParam } from './sql-literal.js';

export interface ClickHouseStoreOptions {
  /** ClickHouse's HTTP interface, e.g. `http://127.0.0.1:8123`; `user:password@` in it is sent as basic auth. */
  url: string;
  /** Database for Fluoro's tables, created if missing. Default `fluoro`. */
  database?: string;
  /**
   * A cluster from the servers' `remote_servers`. Tables are then created `ON CLUSTER`:
   * replicated `<table>_local` tables (ZooKeeper paths use the `{shard}` and `{replica}`
   * macros) and `Distributed` tables sharded by trace id, which every query goes through.
   */
  clusterName?: string;
  /** Days of data to keep (by span start); absent keeps everything. TTL on 19.6+, partition drops before. */
  retentionDays?: number;
  /** A write rejects with StoreUnavailableError after this long. Default 10,000 ms. */
  writeTimeoutMs?: number;
  /** A read rejects with StoreUnavailableError after this long (and ClickHouse stops it). Default 15,000 ms. */
  queryTimeoutMs?: number;
  /** Budget for each migration statement (ON CLUSTER waits for every server). Default 180,000 ms. */
  ddlTimeoutMs?: number;
}

/** DuckDB's span columns, then the ones ClickHouse has beyond them (SPAN_EXTRA_COLUMN_TYPES). */
const CLICKHOUSE_SPAN_COLUMNS = [...SPAN_COLUMNS, ...SPAN_EXTRA_COLUMN_TYPES.map(([c]) => c)];

const DEFAULTS = {
  database: 'fluoro',
  writeTimeoutMs: 10_000,
  queryTimeoutMs: 15_000,
  ddlTimeoutMs: 180_000,
};

const RETENTION_INTERVAL_MS = 3600_000;

/**
 * Traces in ClickHouse (18.16 and later), on one server or a cluster. Stateless apart from
 * the connection settings: any number of Fluoro processes may share one database. Writes and
 * reads reject with StoreUnavailableError (quickly when the server refuses connections, after
 * the timeout when it hangs) and work again as soon as ClickHouse is back. Schema and design:
 * schema.ts and docs/adr/0003-clickhouse-schema.md.
 */
export class ClickHouseStore implements Store {
  readonly dialect = 'clickhouse' as const;
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();
  private retentionTimer: NodeJS.Timeout | undefined;
  private readonly readOptions: RequestOptions;
  private readonly writeOptions: RequestOptions;
  private readonly groups: ClickHouseGroups;
  private readonly samplingRules: ClickHouseSamplingRules;
  private readonly samplingStatistics: ClickHouseSamplingStatistics;

  private constructor(
    private readonly http: ClickHouseHttp,
    private readonly target: SchemaTarget,
    /** What the server supports beyond 18.16. */
    readonly features: ServerFeatures,
    private readonly options: ClickHouseStoreOptions & typeof DEFAULTS,
  ) {
    // Queries name the Distributed tables; subqueries of a compiled filter then run on each
    // shard against its local tables, which is exact because a trace's rows share a shard.
    const settings: Record<string, string | number> = {
      max_execution_time: Math.ceil(options.queryTimeoutMs / 1000),
    };
    if (target.cluster) settings['distributed_product_mode'] = 'local';
    this.readOptions = { timeoutMs: options.queryTimeoutMs, settings };
    // In cluster mode an insert returns once every shard has its rows, not when queued locally.
    this.writeOptions = {
      timeoutMs: options.writeTimeoutMs,
      settings: target.cluster ? { insert_distributed_sync: 1 } : {},
    };
    this.groups = new ClickHouseGroups(http, this.readOptions, this.writeOptions);
    this.samplingRules = new ClickHouseSamplingRules(http, this.readOptions, this.writeOptions);
    this.samplingStatistics = new ClickHouseSamplingStatistics(
      http,
      target.database,
      this.readOptions,
      this.writeOptions,
    );
  }

  /**
   * Connects, creates or migrates the schema, and applies retention. Rejects with
   * StoreUnavailableError when ClickHouse cannot be reached.
   */
  static async open(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
    const o = { ...DEFAULTS, ...stripUndefined(options), url: options.url };
    const target: SchemaTarget = { database: checkIdentifier('database', o.database) };
    if (o.clusterName) target.cluster = checkIdentifier('clusterName', o.clusterName);
    const server = new ClickHouseHttp(o.url);
    const [row] = await server.rows<{ v: string }>('SELECT version() AS v', { timeoutMs: o.queryTimeoutMs });
    const features = featuresOf(row?.v ?? '0');
    await migrate(server, target, o.ddlTimeoutMs);
    const store = new ClickHouseStore(server.withDatabase(target.database), target, features, o);
    if (o.retentionDays !== undefined) {
      await store.enforceRetention();
      store.retentionTimer = setInterval(() => {
        store.enforceRetention().catch(() => undefined);
      }, RETENTION_INTERVAL_MS);
      store.retentionTimer.unref();
    }
    return store;
  }

  /** Applies `retentionDays` now (it also runs at open and hourly); returns dropped partitions. */
  enforceRetention(nowMs = Date.now()): Promise<string[]> {
    if (this.options.retentionDays === undefined) return Promise.resolve([]);
    return enforceRetention(
      this.http,
      this.target,
      this.features,
      this.options.retentionDays,
      this.options.ddlTimeoutMs,
      nowMs,
    );
  }

  write(batch: IngestedDocument[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const p = this.writeNow(batch);
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }

  private async writeNow(batch: IngestedDocument[]): Promise<void> {
    if (batch.length === 0) return;
    const rows = toBatchRows(batch);
    const o = this.writeOptions;
    // trace_hours first: once the data is visible, a lookup by trace id must find it.
    await this.http.insert('trace_hours', TRACE_HOUR_COLUMNS, rows.traceHours, o);
    await Promise.all([
      this.http.insert('documents', DOCUMENT_COLUMNS, rows.documents, o),
      this.http.insert('spans', CLICKHOUSE_SPAN_COLUMNS, rows.spans, o),
      this.http.insert('annotations', ANNOTATION_COLUMNS, rows.annotations, o),
    ]);
  }

  async getDocuments(traceIds: string[]): Promise<Map<string, StoredDocument[]>> {
    const out = new Map<string, StoredDocument[]>();
    const where = await this.byTraceIds(traceIds);
    if (!where) return out;
    const rows = await this.select<{ trace_id: string; id: string; document: string }>(
      `SELECT trace_id, id, document FROM documents WHERE ${where.sql}
       ORDER BY received_us DESC LIMIT 1 BY trace_id, id`,
      where.params,
    );
    rows.sort((a, b) => compare(a.trace_id, b.trace_id) || compare(a.id, b.id));
    for (const r of rows) {
      const list = out.get(r.trace_id) ?? [];
      list.push({ id: r.id, document: r.document });
      out.set(r.trace_id, list);
    }
    return out;
  }

  async getSpans(traceIds: string[]): Promise<SpanRow[]> {
    const where = await this.byTraceIds(traceIds);
    if (!where) return [];
    // Rows of the newest version of each document only: an in-progress version's rows stay
    // until a merge replaces them, and may include spans the complete version dropped.
    const newest = `(trace_id, doc_id, received_us) IN (
      SELECT trace_id, id, max(received_us) FROM documents WHERE ${where.sql} GROUP BY trace_id, id)`;
    const [spans, anns] = await Promise.all([
      this.select<Record<string, unknown>>(
        `SELECT ${CLICKHOUSE_SPAN_COLUMNS.join(', ')} FROM spans WHERE ${where.sql} AND ${newest}
         LIMIT 1 BY trace_id, id`,
        [...where.params, ...where.params],
      ),
      this.select<AnnotationRecord>(
        `SELECT trace_id, span_id, doc_id, key, str_value, num_value, bool_value FROM annotations
         WHERE ${where.sql} AND ${newest} LIMIT 1 BY trace_id, doc_id, span_id, key`,
        [...where.params, ...where.params],
      ),
    ]);
    const rows = spans.map((r) => ({
      ...fromSpanRecord(r),
      remoteType: (r['remote_type'] as string | null) ?? null,
    }));
    const byKey = new Map(rows.map((r) => [`${r.traceId}/${r.id}/${r.docId}`, r]));
    for (const a of anns) {
      byKey
        .get(`${a.trace_id}/${a.span_id}/${a.doc_id}`)
        ?.annotations.push({ key: a.key, value: annotationValue(a) });
    }
    return rows;
  }

  async findTraces(q: TraceQuery): Promise<TracePage> {
    const { page, count } = findTracesSql(q);
    const [rows, counted] = await Promise.all([
      this.select<{ trace_id: string; trace_start_us: string }>(page.sql, page.params),
      this.select<{ scanned: string }>(count.sql, count.params),
    ]);
    return {
      traces: rows.slice(0, q.limit).map((r) => ({ traceId: r.trace_id, startUs: Number(r.trace_start_us) })),
      scanned: Number(counted[0]?.scanned ?? 0),
      more: rows.length > q.limit,
    };
  }

  async findSegments(q: SegmentQuery): Promise<SegmentPage> {
    const { sql, params } = segmentsSql(q);
    return toSegmentPage(await this.select<Record<string, unknown>>(sql, params), q.limit);
  }

  /**
   * The service graph's aggregates (graph-stats-sql.ts): the window's rows go once into a
   * temporary table of a session of this call's own, which the aggregate query then reads.
   */
  async graphStats(q: GraphQuery): Promise<GraphStatRow[]> {
    if (this.closed) throw new Error('store is closed');
    const { window, stats } = graphStatsSql(q);
    const timeoutS = Math.ceil(this.readOptions.timeoutMs / 1000);
    const o: RequestOptions = {
      ...this.readOptions,
      settings: {
        ...this.readOptions.settings,
        session_id: `fluoro-graph-${randomUUID()}`,
        session_timeout: 2 * timeoutS,
      },
    };
    await this.http.exec(
      `CREATE TEMPORARY TABLE ${GRAPH_WINDOW} (${GRAPH_WINDOW_COLUMNS}) ENGINE = Memory`,
      o,
    );
    try {
      await this.http.exec(`INSERT INTO ${GRAPH_WINDOW} ${bindParams(window.sql, window.params)}`, o);
      return (await this.http.rows<Record<string, unknown>>(bindParams(stats.sql, stats.params), o)).map(
        toGraphStatRow,
      );
    } finally {
      // The session's end would drop it too; this frees the memory now.
      await this.http.exec(`DROP TEMPORARY TABLE IF EXISTS ${GRAPH_WINDOW}`, o).catch(() => undefined);
    }
  }

  putGroup(group: GroupRecord): Promise<void> {
    return this.groups.put(group);
  }

  getGroup(name: string): Promise<GroupRecord | undefined> {
    return this.groups.get(name);
  }

  listGroups(): Promise<GroupRecord[]> {
    return this.groups.list();
  }

  deleteGroup(name: string): Promise<boolean> {
    return this.groups.delete(name);
  }

  putSamplingRule(rule: SamplingRuleRecord): Promise<void> {
    return this.samplingRules.put(rule);
  }

  listSamplingRules(): Promise<SamplingRuleRecord[]> {
    return this.samplingRules.list();
  }

  deleteSamplingRule(name: string): Promise<boolean> {
    return this.samplingRules.delete(name);
  }

  addSamplingStatistics(rows: SamplingStatisticsRecord[]): Promise<void> {
    return this.samplingStatistics.add(rows);
  }

  samplingStatisticsSince(sinceUs: number): Promise<SamplingStatisticsSum[]> {
    return this.samplingStatistics.since(sinceUs);
  }

  addSamplingBoostStatistics(rows: SamplingBoostStatisticsRecord[]): Promise<void> {
    return this.samplingStatistics.addBoostStatistics(rows);
  }

  samplingBoostStatisticsSince(sinceUs: number): Promise<SamplingBoostStatisticsSum[]> {
    return this.samplingStatistics.boostStatisticsSince(sinceUs);
  }

  addSamplingBoost(boost: SamplingBoostRecord): Promise<void> {
    return this.samplingStatistics.addBoost(boost);
  }

  samplingBoostsSince(sinceUs: number): Promise<SamplingBoostRecord[]> {
    return this.samplingStatistics.boostsSince(sinceUs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.retentionTimer);
    await Promise.allSettled([...this.pending]);
  }

  private select<T>(sql: string, params: SqlParam[]): Promise<T[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return this.http.rows<T>(bindParams(sql, params), this.readOptions);
  }

  /**
   * A predicate selecting the given traces' rows, restricted to the hours `trace_hours` says
   * they have rows in (so each read is an index seek per hour), or undefined when none has.
   */
  private async byTraceIds(traceIds: string[]): Promise<{ sql: string; params: SqlParam[] } | undefined> {
    if (traceIds.length === 0) return undefined;
    const ids = traceIds.map(() => '?').join(', ');
    const hours = (
      await this.select<{ h: number }>(
        `SELECT DISTINCT toUInt32(hour) AS h FROM trace_hours WHERE trace_id IN (${ids})`,
        traceIds,
      )
    ).map((r) => Number(r.h));
    if (hours.length === 0) return undefined;
    const min = Math.min(...hours);
    const max = Math.max(...hours);
    return {
      sql: `start_time >= toDateTime(?) AND start_time < toDateTime(?)
        AND toStartOfHour(start_time) IN (${hours.map(() => 'toDateTime(?)').join(', ')})
        AND trace_id IN (${ids})`,
      params: [min, max + 3600, ...hours, ...traceIds],
    };
  }
}

interface AnnotationRecord {
  trace_id: string;
  span_id: string;
  doc_id: string;
  key: string;
  str_value: string | null;
  num_value: number | null;
  bool_value: number | null;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
