export { ClickHouseStore, type ClickHouseStoreOptions } from './clickhouse/clickhouse-store.js';
export { ClickHouseError, StoreUnavailableError } from './clickhouse/errors.js';
export { DuckDbStore, type DuckDbStoreOptions } from './duckdb/duckdb-store.js';
export { MAX_SEGMENT_PAGE } from './segment-page.js';
export type {
  Dialect,
  GraphQuery,
  GroupRecord,
  IngestedDocument,
  SamplingBoostRecord,
  SamplingBoostStatisticsRecord,
  SamplingBoostStatisticsSum,
  SamplingRateBoostRecord,
  SamplingRuleRecord,
  SamplingStatisticsRecord,
  SamplingStatisticsSum,
  SegmentCursor,
  SegmentOutcome,
  SegmentPage,
  SegmentQuery,
  SegmentSummary,
  SqlPredicate,
  Store,
  TimeRangeType,
  TraceCursor,
  TracePage,
  TraceQuery,
} from './store.js';
export { SAMPLING_STATISTICS_KEPT_US } from './store.js';
