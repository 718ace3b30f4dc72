export type {
  BoolKeyword,
  FilterAst,
  FilterNode,
  NumberKeyword,
  NumberOp,
  RootCauseCategory,
  RootCauseLevel,
  Scope,
  ServiceTarget,
  StringKeyword,
  StringOp,
} from './ast.js';
export { compileFilter, needsPostFilter, type TimeWindow } from './compile-sql.js';
export { evaluateFilter } from './evaluate.js';
export { FilterSyntaxError } from './filter-syntax-error.js';
export {
  type FilteredQuery,
  findMatchingTraces,
  type MatchingPage,
  SUGGESTED_MAX_CANDIDATES,
  type TraceSource,
} from './find-matching-traces.js';
export { type SavedGroup, toGroupLookup } from './group-lookup.js';
export { type GroupLookup, type ParseOptions, parseFilter } from './parser.js';
export {
  computeRootCauses,
  type RootCause,
  type RootCauseEntity,
  type RootCauseException,
  type RootCauseService,
  type RootCauses,
} from './root-causes.js';
export { MAX_REGEX_LENGTH } from './safe-regex.js';
export type { Dialect, SqlPredicate } from './sql-fragment.js';
export { type TraceView, toTraceView } from './trace-view.js';
