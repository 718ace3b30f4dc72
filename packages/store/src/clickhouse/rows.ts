/**
 * IngestedDocuments as ClickHouse rows, and rows read back as SpanRows. Pure: no I/O.
 * Every row of a document carries the document's `received_us`, the version that
 * ReplacingMergeTree keeps and reads compare against.
 */
import { type AnnotationValue, type SpanRow, traceIdEpochSeconds } from '@fluoro/model';
import type { IngestedDocument } from '../store.js';

const HOUR_US = 3_600_000_000;

export interface BatchRows {
  documents: Record<string, unknown>[];
  spans: Record<string, unknown>[];
  annotations: Record<string, unknown>[];
  /** (trace id, hour in epoch seconds) pairs, each once. */
  traceHours: { trace_id: string; hour: number }[];
}

/** The rows to insert for a batch; of two versions of one document in a batch, the last wins. */
export function toBatchRows(batch: IngestedDocument[]): BatchRows {
  const last = new Map<string, IngestedDocument>();
  for (const d of batch) last.set(`${d.traceId}/${d.id}`, d);
  const out: BatchRows = { documents: [], spans: [], annotations: [], traceHours: [] };
  const hours = new Set<string>();
  const addHour = (traceId: string, startUs: number) => {
    const hour = Math.floor(startUs / HOUR_US) * 3600;
    const key = `${traceId}/${hour}`;
    if (hours.has(key)) return;
    hours.add(key);
    out.traceHours.push({ trace_id: traceId, hour });
  };
  for (const d of last.values()) {
    const epoch = traceIdEpochSeconds(d.traceId);
    const startUs = d.rows[0]?.startUs ?? epoch * 1e6;
    addHour(d.traceId, startUs);
    out.documents.push({
      trace_id: d.traceId,
      trace_epoch_s: epoch,
      id: d.id,
      in_progress: d.inProgress ? 1 : 0,
      received_us: d.receivedUs,
      document: d.document,
      start_us: startUs,
    });
    for (const r of d.rows) {
      addHour(r.traceId, r.startUs);
      out.spans.push(toSpanRecord(r, d.receivedUs));
      for (const a of r.annotations) {
        out.annotations.push({
          trace_id: r.traceId,
          trace_epoch_s: r.traceEpochS,
          span_id: r.id,
          doc_id: r.docId,
          key: a.key,
          str_value: typeof a.value === 'string' ? a.value : null,
          num_value: typeof a.value === 'number' ? a.value : null,
          bool_value: typeof a.value === 'boolean' ? (a.value ? 1 : 0) : null,
          start_us: r.startUs,
          received_us: d.receivedUs,
        });
      }
    }
  }
  return out;
}

function toSpanRecord(r: SpanRow, receivedUs: number): Record<string, unknown> {
  return {
    trace_id: r.traceId,
    trace_epoch_s: r.traceEpochS,
    id: r.id,
    parent_id: r.parentId,
    doc_id: r.docId,
    kind: r.kind,
    name: r.name,
    namespace: r.namespace,
    origin: r.origin,
    start_us: r.startUs,
    end_us: r.endUs,
    in_progress: r.inProgress ? 1 : 0,
    error: r.error ? 1 : 0,
    fault: r.fault ? 1 : 0,
    throttle: r.throttle ? 1 : 0,
    http_method: r.httpMethod,
    http_url: r.httpUrl,
    http_status: r.httpStatus,
    http_user_agent: r.httpUserAgent,
    http_client_ip: r.httpClientIp,
    user_name: r.user,
    resource_arn: r.resourceArn,
    instance_id: r.instanceId,
    availability_zone: r.availabilityZone,
    account_id: r.accountId,
    exception_messages: r.exceptionMessages,
    received_us: receivedUs,
    remote_type: r.remoteType ?? null,
  };
}

/** An `annotations` row's value: whichever typed column is set (UInt8 0/1 back to boolean). */
export function annotationValue(r: {
  str_value: string | null;
  num_value: number | null;
  bool_value: number | null;
}): AnnotationValue {
  if (r.str_value !== null) return r.str_value;
  if (r.num_value !== null) return Number(r.num_value);
  return r.bool_value === 1;
}
