export { ClickHouseStore, type ClickHouseStoreOptions } from './clickhouse/clickhouse-store.js';
export { ClickHouseError, StoreUnavailableError } from './clickhouse/errors.js';
export { DuckDbStore, type DuckDbStoreOptions } from './duckdb/duckdb-store.js';
export type {
  Dialect,
  GraphQuery,
  GroupRecord,
  IngestedDocument,
  SamplingRuleRecord,
  SqlPredicate,
  Store,
  TimeRangeType,
  TraceCursor,
  TracePage,
  TraceQuery,
} from './store.js';
