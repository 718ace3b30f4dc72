/**
 * The keywords of X-Ray's filter-expression language (`../shared/reference` §4.2), lower-case,
 * by value type. The parser (`@fluoro/query`) checks them against its AST types; the console
 * completes them. Browser-safe.
 */
export const FILTER_BOOL_KEYWORDS = [
  'ok',
  'error',
  'throttle',
  'fault',
  'partial',
  'inferred',
  'root',
  'first',
  'last',
  'remote',
] as const;

export const FILTER_NUMBER_KEYWORDS = [
  'responsetime',
  'duration',
  'http.status',
  'index',
  'coverage',
] as const;

export const FILTER_STRING_KEYWORDS = [
  'http.url',
  'http.method',
  'http.useragent',
  'http.clientip',
  'user',
  'name',
  'type',
  'message',
  'availabilityzone',
  'instance.id',
  'resource.arn',
] as const;

/** Keywords that only mean something inside `rootcause.* { }`. */
export const ROOTCAUSE_ONLY_KEYWORDS = ['first', 'last', 'remote', 'index', 'coverage'] as const;

/** Keywords that only make sense at the top level of an expression. */
export const TRACE_ONLY_KEYWORDS = [
  'service',
  'edge',
  'group.name',
  'group.arn',
  'rootcause.json',
  'trace.id',
] as const;

/** What a user types at the top level of a filter: the console completes these. */
export const TOP_LEVEL_KEYWORDS: readonly string[] = [
  ...[...FILTER_BOOL_KEYWORDS, ...FILTER_NUMBER_KEYWORDS, ...FILTER_STRING_KEYWORDS].filter(
    (k) => !(ROOTCAUSE_ONLY_KEYWORDS as readonly string[]).includes(k) && k !== 'message',
  ),
  'trace.id',
  'group.name',
  'group.arn',
];
