import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { GraphStatRow, SpanRow, StoredDocument } from '@fluoro/model';
import { RecentDocuments } from '../recent-documents.js';
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
import { ChunkAppender, type ChunkValue } from './chunk-appender.js';
import { DuckDbGraph } from './duckdb-graph.js';
import { DuckDbGroups } from './duckdb-groups.js';
import { deleteOlderThan, type RetentionResult } from './duckdb-retention.js';
import { DuckDbSamplingRules } from './duckdb-sampling-rules.js';
import { DuckDbSamplingStatistics } from './duckdb-sampling-statistics.js';
import { DUCKDB_SCHEMA } from './schema.js';
import { segmentsSql } from './segments-sql.js';
import { fromSpanRecord, SPAN_COLUMNS, SPAN_EXTRA_COLUMNS } from './span-record.js';
import {
  byTraceEpochs,
  EpochRange,
  epochsOf,
  TraceEpochs,
  TraceKeyFilter,
  traceKey,
} from './trace-epochs.js';

export interface DuckDbStoreOptions {
  /** Path of the database file; ':memory:' for a throwaway store. */
  path: string;
  /** DuckDB `memory_limit`, e.g. '1GB'. Default '1GB'. */
  memoryLimit?: string;
  /** DuckDB worker threads. Default: DuckDB's (one per core). */
  threads?: number;
  /** Days of data kept (deleted at open and hourly, see duckdb-retention.ts); undefined keeps everything. */
  retentionDays?: number;
}

/** Longest trace the time-range queries account for: rows this far outside the range are read to find a trace's true start. */
const MAX_TRACE_SPAN_US = 3600e6;

/**
 * The embedded store: one DuckDB file owned by one process. Writes are serialised on one
 * connection in one transaction per batch; reads use a second connection so a slow query
 * never holds up ingest.
 */
export class DuckDbStore implements Store {
  readonly dialect = 'duckdb' as const;
  private closed = false;
  private writeChain: Promise<unknown> = Promise.resolve();
  private graph!: DuckDbGraph;
  private groupsStore: Promise<DuckDbGroups> | undefined;
  private rulesStore: Promise<DuckDbSamplingRules> | undefined;
  private statisticsStore: Promise<DuckDbSamplingStatistics> | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private retentionDays: number | undefined;
  /** The epochs given lately to traces whose id carries no usable time (trace-epochs.ts). */
  private readonly epochs = new TraceEpochs();
  /** The keys trace_times may hold, so most lookups need not ask it. */
  private readonly keyFilter = new TraceKeyFilter();
  /** The range of trace_epoch_s stored, so lookups leave out own epochs no row can have. */
  private readonly epochRange = new EpochRange();
  /** Commits so far: reads of trace_times are shared only between callers that began after the same commit. */
  private commits = 0;
  private readonly epochReads = new Map<string, Promise<Map<string, number[]>>>();
  /** The writer's appenders, kept from one write to the next with their buffers (chunk-appender.ts). */
  private readonly appenders = {
    docs: new ChunkAppender('documents'),
    spans: new ChunkAppender('spans'),
    anns: new ChunkAppender('annotations'),
    times: new ChunkAppender('trace_times'),
  };

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    private readonly reader2: DuckDBConnection,
    private readonly recent: RecentDocuments,
  ) {}

  /** Opens (and creates if needed) the store at `options.path`. */
  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    const days = options.retentionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1))
      throw new RangeError(`retentionDays must be a positive integer: ${days}`);
    const config: Record<string, string> = { memory_limit: options.memoryLimit ?? '1GB' };
    if (options.threads) config['threads'] = String(options.threads);
    const instance = await DuckDBInstance.create(options.path, config);
    const writer = await instance.connect();
    for (const ddl of DUCKDB_SCHEMA) await writer.run(ddl);
    const reader = await instance.connect();
    const reader2 = await instance.connect();
    const recent = new RecentDocuments();
    // Documents that may still be updated after a restart: every in-progress one, and the last
    // few minutes' (retries). Older duplicates are resolved at read time (newest version wins).
    const since = Date.now() * 1000 - 15 * 60e6;
    const open = await reader.runAndReadAll(
      'SELECT trace_id, id FROM documents WHERE in_progress OR received_us >= ?',
      [since],
    );
    for (const [traceId, id] of open.getRows()) recent.add(String(traceId), String(id));
    const store = new DuckDbStore(instance, writer, reader, reader2, recent);
    await store.keyFilter.load(reader);
    await store.epochRange.load(reader);
    store.graph = await DuckDbGraph.open(
      writer,
      await instance.connect(),
      (fn) => store.serialized(() => fn(writer)),
      MAX_TRACE_SPAN_US,
    );
    if (options.retentionDays !== undefined) {
      store.retentionDays = options.retentionDays;
      await store.enforceRetention();
      store.retentionTimer = setInterval(() => {
        store.enforceRetention().catch((e: Error) => console.error(`fluoro: retention failed: ${e.message}`));
      }, 3600e3);
      store.retentionTimer.unref();
    }
    return store;
  }

  /** Applies `retentionDays` now (it also runs at open and hourly), between writes. */
  enforceRetention(nowMs = Date.now()): Promise<RetentionResult> {
    const days = this.retentionDays;
    if (days === undefined) return Promise.resolve({ spans: 0, documents: 0, annotations: 0, traceTimes: 0 });
    return this.serialized(async () => {
      const r = await deleteOlderThan(this.writer, days, nowMs);
      // An epoch remembered here may have lost its trace_times row: never reuse one without it.
      this.epochs.clear();
      return r;
    });
  }

  write(batch: IngestedDocument[]): Promise<void> {
    return this.serialized(() => this.writeNow(batch));
  }

  /** Runs `fn` after every earlier write (and cache fill) has finished, before any later one. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(() => {
      if (this.closed) throw new Error('store is closed');
      return fn();
    });
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async writeNow(batch: IngestedDocument[]): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    if (batch.length === 0) return;
    const c = this.writer;
    // A batch may hold two versions of one document: only the last is kept.
    const kept = lastVersions(batch);
    const pending = new Map<string, number>();
    const epochs = kept.map((d) =>
      this.epochs.assign(d.traceId, d.rows[0]?.startUs ?? d.receivedUs, pending),
    );
    // Widened before the commit, so no read can see the rows and still leave their epoch out.
    for (const e of epochs) this.epochRange.add(e.epoch);
    await c.run('BEGIN TRANSACTION');
    try {
      const replaced = kept.filter((d) => this.recent.has(d.traceId, d.id));
      if (replaced.length > 0) {
        // The earlier version may have been stored under any epoch its trace has had.
        const stored = await epochsOf(
          c,
          [...new Set(replaced.map((d) => d.traceId))],
          this.keyFilter,
          this.epochRange,
        );
        for (const d of replaced) {
          const list = stored.get(d.traceId) ?? [];
          if (list.length === 0) continue;
          const key = `trace_epoch_s IN (${list.map(() => '?').join(', ')}) AND trace_id = ?`;
          const params = [...list, d.traceId, d.id];
          await c.run(`DELETE FROM documents WHERE ${key} AND id = ?`, params);
          await c.run(`DELETE FROM spans WHERE ${key} AND doc_id = ?`, params);
          await c.run(`DELETE FROM annotations WHERE ${key} AND doc_id = ?`, params);
        }
      }
      const { docs, spans, anns, times } = this.appenders;
      for (const a of [docs, spans, anns, times]) await a.open(c);
      let sinceYield = 0;
      for (const [i, d] of kept.entries()) {
        if (sinceYield >= ROWS_PER_YIELD) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        sinceYield += d.rows.length + 1;
        const { epoch, isNew } = epochs[i]!;
        if (isNew) {
          const key = traceKey(d.traceId);
          // Before the commit, so no read can see the rows and still skip trace_times.
          this.keyFilter.add(key);
          times.add([key, d.traceId, epoch]);
        }
        docs.add([d.traceId, epoch, d.id, d.inProgress, d.receivedUs, d.document]);
        for (const r of d.rows) {
          spans.add(spanValues(r, epoch));
          for (const a of r.annotations) {
            const v = a.value;
            anns.add([
              r.traceId,
              epoch,
              r.id,
              r.docId,
              a.key,
              typeof v === 'string' ? v : null,
              typeof v === 'number' ? v : null,
              typeof v === 'boolean' ? v : null,
            ]);
          }
        }
      }
      for (const a of [docs, spans, anns, times]) a.close();
      let minStartUs = Number.POSITIVE_INFINITY;
      for (const d of batch) for (const r of d.rows) if (r.startUs < minStartUs) minStartUs = r.startUs;
      const invalidated = await this.graph.invalidate(c, minStartUs);
      await c.run('COMMIT');
      this.commits++;
      invalidated();
      this.epochs.commit(pending);
      for (const d of batch) this.recent.add(d.traceId, d.id);
    } catch (e) {
      for (const a of Object.values(this.appenders)) a.discard();
      await c.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async getDocuments(traceIds: string[]): Promise<Map<string, StoredDocument[]>> {
    const out = new Map<string, StoredDocument[]>();
    if (traceIds.length === 0) return out;
    const by = byTraceEpochs(await this.epochsOf(traceIds));
    if (!by) return out;
    const { where, params } = by;
    // Oldest first, so a later version of a document overwrites an older one that outlived RecentDocuments.
    const r = await this.reader.runAndReadAll(
      `SELECT trace_id, id, document FROM documents WHERE ${where} ORDER BY received_us`,
      params,
    );
    const newest = new Map<string, Map<string, string>>();
    for (const [traceId, id, document] of r.getRows()) {
      const byId = newest.get(String(traceId)) ?? new Map<string, string>();
      byId.set(String(id), String(document));
      newest.set(String(traceId), byId);
    }
    for (const [traceId, byId] of newest) {
      out.set(
        traceId,
        [...byId].sort(([a], [b]) => a.localeCompare(b)).map(([id, document]) => ({ id, document })),
      );
    }
    return out;
  }

  async getSpans(traceIds: string[]): Promise<SpanRow[]> {
    if (traceIds.length === 0) return [];
    const by = byTraceEpochs(await this.epochsOf(traceIds));
    if (!by) return [];
    const { where, params } = by;
    // Two connections, so both reads run at once.
    const [spans, anns] = await Promise.all([
      this.reader.runAndReadAll(
        `SELECT ${[...SPAN_COLUMNS, ...SPAN_EXTRA_COLUMNS].join(', ')} FROM spans WHERE ${where} ORDER BY received_us`,
        params,
      ),
      this.reader2.runAndReadAll(
        `SELECT trace_id, span_id, doc_id, key, str_value, num_value, bool_value FROM annotations WHERE ${where}`,
        params,
      ),
    ]);
    // The newest version of each span wins (rows come oldest first).
    const byKey = new Map<string, SpanRow>();
    for (const record of spans.getRowObjectsJS()) {
      const r = fromSpanRecord(record);
      byKey.set(`${r.traceId}/${r.id}`, r);
    }
    for (const [traceId, spanId, docId, key, s, n, b] of anns.getRowsJS()) {
      const row = byKey.get(`${traceId}/${spanId}`);
      if (!row || row.docId !== docId || row.annotations.some((a) => a.key === key)) continue;
      row.annotations.push({ key: String(key), value: (s ?? n ?? b) as string | number | boolean });
    }
    return [...byKey.values()];
  }

  /**
   * The epochs the traces' rows are stored under (trace-epochs.ts). Concurrent reads of the
   * same traces (BatchGetTraces asks for documents and span rows at once) share one query,
   * unless a write committed in between.
   */
  private epochsOf(traceIds: string[]): Promise<Map<string, number[]>> {
    const key = `${this.commits} ${traceIds.join(' ')}`;
    let read = this.epochReads.get(key);
    if (!read) {
      read = epochsOf(this.reader, traceIds, this.keyFilter, this.epochRange);
      this.epochReads.set(key, read);
      const forget = () => this.epochReads.delete(key);
      read.then(forget, forget);
    }
    return read;
  }

  async findTraces(q: TraceQuery): Promise<TracePage> {
    const params: (string | number | boolean)[] = [
      q.startUs - MAX_TRACE_SPAN_US,
      q.endUs + MAX_TRACE_SPAN_US,
    ];
    // Per trace: its start, its end, and (for TimeRangeType Service) whether a segment ended in range.
    let having: string;
    if (q.timeRangeType === 'Event') {
      having = 'min(start_us) < ? AND coalesce(max(end_us), max(start_us)) >= ?';
      params.push(q.endUs, q.startUs);
    } else if (q.timeRangeType === 'Service') {
      having = "bool_or(kind = 'segment' AND end_us >= ? AND end_us < ?)";
      params.push(q.startUs, q.endUs);
    } else {
      having = 'min(start_us) >= ? AND min(start_us) < ?';
      params.push(q.startUs, q.endUs);
    }
    const inRange = `SELECT trace_id, min(start_us) AS start_us FROM spans
      WHERE start_us >= ? AND start_us < ? GROUP BY trace_id HAVING ${having}`;
    let matchWhere = 'TRUE';
    const matchParams: (string | number | boolean)[] = [];
    if (q.filter) {
      const f = q.filter('duckdb');
      matchWhere = f.sql;
      matchParams.push(...f.params);
    }
    let cursorWhere = 'TRUE';
    const cursorParams: (string | number)[] = [];
    if (q.after) {
      cursorWhere = '(start_us < ? OR (start_us = ? AND trace_id < ?))';
      cursorParams.push(q.after.startUs, q.after.startUs, q.after.traceId);
    }
    const r = await this.reader.runAndReadAll(
      `WITH in_range AS (${inRange}),
        matched AS (SELECT trace_id, start_us FROM in_range WHERE ${matchWhere})
       SELECT trace_id, start_us, (SELECT count(*) FROM in_range) AS scanned FROM matched
       WHERE ${cursorWhere} ORDER BY start_us DESC, trace_id DESC LIMIT ?`,
      [...params, ...matchParams, ...cursorParams, q.limit + 1],
    );
    const rows = r.getRows();
    let scanned = 0;
    if (rows.length === 0) {
      const c = await this.reader.runAndReadAll(`SELECT count(*) FROM (${inRange})`, params);
      scanned = Number(c.getRows()[0]?.[0] ?? 0);
    } else {
      scanned = Number(rows[0]?.[2] ?? 0);
    }
    return {
      traces: rows
        .slice(0, q.limit)
        .map(([traceId, startUs]) => ({ traceId: String(traceId), startUs: Number(startUs) })),
      scanned,
      more: rows.length > q.limit,
    };
  }

  async findSegments(q: SegmentQuery): Promise<SegmentPage> {
    if (this.closed) throw new Error('store is closed');
    const { sql, params } = segmentsSql(q);
    const r = await this.reader.runAndReadAll(sql, params);
    return toSegmentPage(r.getRowObjectsJS(), q.limit);
  }

  putGroup(group: GroupRecord): Promise<void> {
    return this.groups().then((g) => g.put(group));
  }

  getGroup(name: string): Promise<GroupRecord | undefined> {
    return this.groups().then((g) => g.get(name));
  }

  listGroups(): Promise<GroupRecord[]> {
    return this.groups().then((g) => g.list());
  }

  deleteGroup(name: string): Promise<boolean> {
    return this.groups().then((g) => g.delete(name));
  }

  private groups(): Promise<DuckDbGroups> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    this.groupsStore ??= this.instance.connect().then((c) => new DuckDbGroups(c));
    return this.groupsStore;
  }

  putSamplingRule(rule: SamplingRuleRecord): Promise<void> {
    return this.samplingRules().then((r) => r.put(rule));
  }

  listSamplingRules(): Promise<SamplingRuleRecord[]> {
    return this.samplingRules().then((r) => r.list());
  }

  deleteSamplingRule(name: string): Promise<boolean> {
    return this.samplingRules().then((r) => r.delete(name));
  }

  private samplingRules(): Promise<DuckDbSamplingRules> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    this.rulesStore ??= this.instance.connect().then((c) => new DuckDbSamplingRules(c));
    return this.rulesStore;
  }

  addSamplingStatistics(rows: SamplingStatisticsRecord[]): Promise<void> {
    return this.samplingStatistics().then((s) => s.add(rows));
  }

  samplingStatisticsSince(sinceUs: number): Promise<SamplingStatisticsSum[]> {
    return this.samplingStatistics().then((s) => s.since(sinceUs));
  }

  addSamplingBoostStatistics(rows: SamplingBoostStatisticsRecord[]): Promise<void> {
    return this.samplingStatistics().then((s) => s.addBoostStatistics(rows));
  }

  samplingBoostStatisticsSince(sinceUs: number): Promise<SamplingBoostStatisticsSum[]> {
    return this.samplingStatistics().then((s) => s.boostStatisticsSince(sinceUs));
  }

  addSamplingBoost(boost: SamplingBoostRecord): Promise<void> {
    return this.samplingStatistics().then((s) => s.addBoost(boost));
  }

  samplingBoostsSince(sinceUs: number): Promise<SamplingBoostRecord[]> {
    return this.samplingStatistics().then((s) => s.boostsSince(sinceUs));
  }

  private samplingStatistics(): Promise<DuckDbSamplingStatistics> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    this.statisticsStore ??= this.instance.connect().then((c) => new DuckDbSamplingStatistics(c));
    return this.statisticsStore;
  }

  graphStats(q: GraphQuery): Promise<GraphStatRow[]> {
    return this.graph.graphStats(q);
  }

  /** Minutes of the service graph kept as aggregates (see graph-cache.ts). */
  graphCachedMinutes(): Promise<number> {
    return this.graph.cachedMinutes();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.retentionTimer);
    await this.writeChain;
    this.closed = true;
    if (this.groupsStore) (await this.groupsStore).close();
    if (this.rulesStore) (await this.rulesStore).close();
    if (this.statisticsStore) (await this.statisticsStore).close();
    this.graph.close();
    await this.writer.run('CHECKPOINT').catch(() => undefined);
    this.writer.closeSync();
    this.reader.closeSync();
    this.reader2.closeSync();
    this.instance.closeSync();
  }
}

/** Rows appended between yields to the event loop, so UDP datagrams are read while a big batch is written. */
const ROWS_PER_YIELD = 2000;

function lastVersions(batch: IngestedDocument[]): IngestedDocument[] {
  const last = new Map<string, IngestedDocument>();
  for (const d of batch) last.set(`${d.traceId}/${d.id}`, d);
  return [...last.values()];
}

/** The values of one `spans` row stored under `epoch` (the document's `trace_epoch_s`, trace-epochs.ts). */
function spanValues(r: SpanRow, epoch: number): ChunkValue[] {
  return [
    r.traceId,
    epoch,
    r.id,
    r.parentId,
    r.docId,
    r.kind,
    r.name,
    r.namespace,
    r.origin,
    r.startUs,
    r.endUs,
    r.inProgress,
    r.error,
    r.fault,
    r.throttle,
    r.httpMethod,
    r.httpUrl,
    r.httpStatus,
    r.httpUserAgent,
    r.httpClientIp,
    r.user,
    r.resourceArn,
    r.instanceId,
    r.availabilityZone,
    r.accountId,
    // No exception message: NULL, as the table has always stored it (reads give []).
    r.exceptionMessages.length === 0 ? null : r.exceptionMessages,
    r.receivedUs,
    r.remoteType ?? null,
  ];
}
