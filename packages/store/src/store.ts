import type { GraphStatRow, GraphStatsQuery, SpanRow, StoredDocument } from '@fluoro/model';

/** One validated top-level document and its span rows, ready to be written. */
export interface IngestedDocument {
  traceId: string;
  id: string;
  /** The JSON text exactly as received. */
  document: string;
  inProgress: boolean;
  receivedUs: number;
  rows: SpanRow[];
}

/** SQL flavours the filter compiler targets. */
export type Dialect = 'duckdb' | 'clickhouse';

/**
 * A compiled filter: a boolean SQL predicate over the trace id column `trace_id` of the
 * candidate traces (usually `trace_id IN (SELECT trace_id FROM spans WHERE ...)`), with its
 * positional parameters (`?`). User text only ever travels in `params`.
 */
export interface SqlPredicate {
  sql: string;
  params: (string | number | boolean)[];
}

export type TimeRangeType = 'TraceId' | 'Event' | 'Service';

export interface TraceQuery {
  startUs: number;
  endUs: number;
  timeRangeType: TimeRangeType;
  /** Newest first; the page holds at most this many traces. */
  limit: number;
  /** Resume after this trace (exclusive), from the previous page's last entry. */
  after?: TraceCursor;
  /** Restricts the traces to those matching a filter expression, compiled for the store's dialect. */
  filter?: (dialect: Dialect) => SqlPredicate;
}

export interface TraceCursor {
  startUs: number;
  traceId: string;
}

export interface TracePage {
  /** Matching traces, newest trace start first, ties broken by trace id descending. */
  traces: TraceCursor[];
  /** Traces in the time range looked at, matched or not (X-Ray's TracesProcessedCount). */
  scanned: number;
  /** Whether more matching traces follow this page. */
  more: boolean;
}

/** What a segment's flags and HTTP status say happened, as the service graph counts it (`toOutcome`, @fluoro/model). */
export type SegmentOutcome = 'ok' | 'error' | 'fault' | 'throttle';

/** Where a page of segments resumes: the last row of the previous page (exclusive). */
export interface SegmentCursor {
  startUs: number;
  traceId: string;
  id: string;
}

/** The segments (not subsegments, not inferred) of one service that started in [startUs, endUs). */
export interface SegmentQuery {
  /** The segment name, i.e. the service's name, matched exactly. */
  service: string;
  startUs: number;
  endUs: number;
  /** Newest first; the page holds at most this many segments. */
  limit: number;
  /** Only segments with this outcome (`toOutcome`: fault, then throttle, then error, else ok). */
  outcome?: SegmentOutcome;
  /** Only segments that ended and took at least this long (end − start, µs): the slow ones. */
  minDurationUs?: number;
  /** Resume after this segment, from the previous page's last row. */
  before?: SegmentCursor;
}

/** One invocation of a service: a segment's identity, timing and outcome. */
export interface SegmentSummary {
  traceId: string;
  id: string;
  name: string;
  startUs: number;
  /** end − start in µs; null while the segment is in progress. */
  durationUs: number | null;
  inProgress: boolean;
  outcome: SegmentOutcome;
  error: boolean;
  fault: boolean;
  throttle: boolean;
  httpMethod: string | null;
  httpUrl: string | null;
  httpStatus: number | null;
}

export interface SegmentPage {
  /** Newest start first, ties by trace id, then segment id, descending. The newest version of each segment only. */
  segments: SegmentSummary[];
  /** Whether more matching segments follow this page. */
  more: boolean;
}

/** The service graph's aggregates over a time range, optionally for the traces a filter matches. */
export interface GraphQuery extends GraphStatsQuery {
  /** Restricts to traces matching a filter expression (a group's), compiled for the store's dialect. */
  filter?: (dialect: Dialect) => SqlPredicate;
}

/**
 * Where traces live. Every implementation passes the conformance suite in
 * `conformance.test-helpers.ts`; nothing above this interface knows which one it talks to.
 */
export interface Store {
  readonly dialect: Dialect;
  /**
   * Writes documents durably. A document whose (trace id, id) was written before replaces the
   * earlier version and its rows (in-progress → complete, or a retried batch).
   * Rejects when the store is unreachable; the caller keeps the batch and retries.
   */
  write(batch: IngestedDocument[]): Promise<void>;
  /** The newest version of every document of each trace; traces with none are absent from the map. */
  getDocuments(traceIds: string[]): Promise<Map<string, StoredDocument[]>>;
  /** The span rows of the given traces (newest document versions only). */
  getSpans(traceIds: string[]): Promise<SpanRow[]>;
  /** Finds traces in a time range, newest first, a page at a time. */
  findTraces(query: TraceQuery): Promise<TracePage>;
  /** One service's segments in a time range, newest first, a page at a time (every invocation, not only trace roots). */
  findSegments(query: SegmentQuery): Promise<SegmentPage>;
  /**
   * The service graph's aggregates for entities that started in the range, computed by the
   * store (in SQL): exactly what `toGraphStats` (@fluoro/model) computes from the same traces'
   * span rows, merged by key. Optional: without it the server loads the traces' rows and runs
   * `toGraphStats` itself, which is correct but slow over large ranges.
   */
  graphStats?(query: GraphQuery): Promise<GraphStatRow[]>;
  /** Creates the group, or replaces the one with the same name. */
  putGroup(group: GroupRecord): Promise<void>;
  /** The group with this name, or undefined when there is none. */
  getGroup(name: string): Promise<GroupRecord | undefined>;
  /** Every group, ordered by name. */
  listGroups(): Promise<GroupRecord[]>;
  /** Deletes the group with this name; resolves false when there was none. */
  deleteGroup(name: string): Promise<boolean>;
  /** Creates the sampling rule, or replaces the one with the same name. */
  putSamplingRule(rule: SamplingRuleRecord): Promise<void>;
  /** Every sampling rule, ordered by priority, then name. Several processes sharing a store see the same rules. */
  listSamplingRules(): Promise<SamplingRuleRecord[]>;
  /** Deletes the sampling rule with this name; resolves false when there was none. */
  deleteSamplingRule(name: string): Promise<boolean>;
  /**
   * Appends the statistics SDK clients reported for their rules (GetSamplingTargets). Rows
   * received more than a day ago may be deleted (each store prunes them as it goes).
   */
  addSamplingStatistics(rows: SamplingStatisticsRecord[]): Promise<void>;
  /**
   * Per rule, the sums of the statistics received at or after `sinceUs`, ordered by rule name;
   * rules with no such row are absent. Several processes sharing a store see the same sums.
   */
  samplingStatisticsSince(sinceUs: number): Promise<SamplingStatisticsSum[]>;
  /**
   * Appends the anomaly counts SDK clients reported for their rules (GetSamplingTargets'
   * SamplingBoostStatisticsDocuments). Pruned after a day, like the statistics.
   */
  addSamplingBoostStatistics(rows: SamplingBoostStatisticsRecord[]): Promise<void>;
  /**
   * Per rule, the sums of the anomaly counts received at or after `sinceUs`, over services and
   * clients, ordered by rule name; rules with no such row are absent.
   */
  samplingBoostStatisticsSince(sinceUs: number): Promise<SamplingBoostStatisticsSum[]>;
  /** Records a sampling boost SamplingTargets started. Pruned after a day, like the statistics. */
  addSamplingBoost(boost: SamplingBoostRecord): Promise<void>;
  /**
   * Per rule, the boost that started last, among those started at or after `sinceUs`, ordered
   * by rule name. Several processes sharing a store see the same boosts.
   */
  samplingBoostsSince(sinceUs: number): Promise<SamplingBoostRecord[]>;
  /** Flushes and releases the store; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A group (X-Ray's CreateGroup … DeleteGroup): a named, saved filter expression that
 * `group.name = "…"` / `group.arn = "…"` expand and that the APIs taking `GroupName` apply.
 */
export interface GroupRecord {
  name: string;
  /** Assigned by the caller at creation, e.g. `arn:aws:xray:local:000000000000:group/<name>/<id>`. */
  arn: string;
  /** The saved filter expression; '' when the group has none (it then matches every trace). */
  filterExpression: string;
  insightsEnabled: boolean;
  notificationsEnabled: boolean;
}

/**
 * A sampling rule (X-Ray's CreateSamplingRule … DeleteSamplingRule), served to the SDKs by
 * GetSamplingRules. The store keeps what it is given; the X-Ray API validates it first.
 * `Default` is stored like any other rule once it has been changed.
 */
export interface SamplingRuleRecord {
  name: string;
  /** Assigned by the caller, e.g. `arn:aws:xray:local:000000000000:sampling-rule/<name>`. */
  arn: string;
  resourceArn: string;
  /** 1..9999; lower is matched first (`Default` is 10000). */
  priority: number;
  /** Fraction of requests sampled after the reservoir, 0..1. */
  fixedRate: number;
  /** Requests per second sampled before the fixed rate applies. */
  reservoirSize: number;
  serviceName: string;
  serviceType: string;
  host: string;
  httpMethod: string;
  urlPath: string;
  /** The rule format's version (X-Ray's `Version`; 1). */
  version: number;
  /** X-Ray's `Attributes` (the SDKs skip rules that have any). */
  attributes: Record<string, string>;
  /** X-Ray's `SamplingRateBoost` (adaptive sampling); absent when the rule has none. */
  boost?: SamplingRateBoostRecord;
  createdAtUs: number;
  modifiedAtUs: number;
}

/** How far and how often a rule's rate may be raised while its services see anomalies. */
export interface SamplingRateBoostRecord {
  /** The highest rate a boost may set, `fixedRate`..1. */
  maxRate: number;
  /** At most one boost starts in this many minutes (1..1440). */
  cooldownWindowMinutes: number;
}

/** One SamplingBoostStatisticsDocument: requests and anomalies (errors, faults) of a rule in one service. */
export interface SamplingBoostStatisticsRecord {
  ruleName: string;
  serviceName: string;
  /** When Fluoro received the report (its own clock), epoch µs. */
  receivedUs: number;
  anomalyCount: number;
  totalCount: number;
  sampledAnomalyCount: number;
}

/** A rule's anomaly counts summed over services, clients and reports. */
export interface SamplingBoostStatisticsSum {
  ruleName: string;
  anomalyCount: number;
  totalCount: number;
  sampledAnomalyCount: number;
}

/** A boost SamplingTargets started: every client of the rule samples at `rate` until `expiresUs`. */
export interface SamplingBoostRecord {
  ruleName: string;
  startedUs: number;
  rate: number;
  expiresUs: number;
}

/** What one SDK client reported for one rule over its last interval (X-Ray's SamplingStatisticsDocument). */
export interface SamplingStatisticsRecord {
  ruleName: string;
  clientId: string;
  /** When Fluoro received the report (its own clock, not the client's), epoch µs. */
  receivedUs: number;
  requestCount: number;
  sampledCount: number;
  borrowCount: number;
}

/** A rule's statistics summed over clients and reports. */
export interface SamplingStatisticsSum {
  ruleName: string;
  requestCount: number;
  sampledCount: number;
  borrowCount: number;
  /** The clients that reported, sorted: SamplingTargets splits a rule's reservoir among them. */
  clients: string[];
}

/** Statistics rows older than this are deleted (the API reads only the last minute). */
export const SAMPLING_STATISTICS_KEPT_US = 86_400e6;
