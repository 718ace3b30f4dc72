export { DuckDbStore, type DuckDbStoreOptions } from './duckdb/duckdb-store.js';
export type {
  Dialect,
  IngestedDocument,
  SqlPredicate,
  Store,
  TimeRangeType,
  TraceCursor,
  TracePage,
  TraceQuery,
} from './store.js';
