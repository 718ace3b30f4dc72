import { type SpanRow, traceIdEpochSeconds } from '@fluoro/model';

/** The `spans` columns in table order (the appender writes them in this order too). */
export const SPAN_COLUMNS = [
  'trace_id',
  'trace_epoch_s',
  'id',
  'parent_id',
  'doc_id',
  'kind',
  'name',
  'namespace',
  'origin',
  'start_us',
  'end_us',
  'in_progress',
  'error',
  'fault',
  'throttle',
  'http_method',
  'http_url',
  'http_status',
  'http_user_agent',
  'http_client_ip',
  'user_name',
  'resource_arn',
  'instance_id',
  'availability_zone',
  'account_id',
  'exception_messages',
  'received_us',
] as const;

/**
 * Columns DuckDB keeps after SPAN_COLUMNS, in table order. Not (yet) in the ClickHouse table,
 * which shares SPAN_COLUMNS: once ClickHouse has them they move into SPAN_COLUMNS.
 */
export const SPAN_EXTRA_COLUMNS = ['remote_type'] as const;

type SpanRecord = Record<string, unknown>;

/** A `spans` row read back (snake_case columns) as a SpanRow; annotations are added by the caller. */
export function fromSpanRecord(r: SpanRecord): SpanRow {
  const s = (k: string): string | null => (r[k] === null || r[k] === undefined ? null : String(r[k]));
  const n = (k: string): number | null => (r[k] === null || r[k] === undefined ? null : Number(r[k]));
  return {
    traceId: String(r['trace_id']),
    // The id's epoch, as toSpanRows gave it: DuckDB may store another time in trace_epoch_s
    // for ids without one (duckdb/trace-epochs.ts).
    traceEpochS: traceIdEpochSeconds(String(r['trace_id'])),
    id: String(r['id']),
    parentId: s('parent_id'),
    docId: String(r['doc_id']),
    kind: r['kind'] === 'segment' ? 'segment' : 'subsegment',
    name: String(r['name']),
    namespace: String(r['namespace'] ?? ''),
    origin: String(r['origin'] ?? ''),
    startUs: Number(r['start_us']),
    endUs: n('end_us'),
    inProgress: Boolean(r['in_progress']),
    error: Boolean(r['error']),
    fault: Boolean(r['fault']),
    throttle: Boolean(r['throttle']),
    httpMethod: s('http_method'),
    httpUrl: s('http_url'),
    httpStatus: n('http_status'),
    httpUserAgent: s('http_user_agent'),
    httpClientIp: s('http_client_ip'),
    user: s('user_name'),
    resourceArn: s('resource_arn'),
    instanceId: s('instance_id'),
    availabilityZone: s('availability_zone'),
    accountId: s('account_id'),
    exceptionMessages: Array.isArray(r['exception_messages'])
      ? (r['exception_messages'] as unknown[]).map(String)
      : [],
    annotations: [],
    receivedUs: Number(r['received_us']),
    remoteType: s('remote_type'),
  };
}
