import { traceIdEpochSeconds } from './ids.js';
import { toRemoteType } from './service-graph/remote-type.js';
import { secondsToUs } from './time.js';
import type { AnnotationValue, Entity, Segment, SegmentDocument, Subsegment } from './wire.js';

/**
 * One segment or subsegment flattened for queries. Every store keeps these rows (plus the raw
 * document); queries, filters and summaries read only them. Times are integer epoch microseconds.
 */
export interface SpanRow {
  traceId: string;
  /** Epoch seconds written in the trace id: the trace's start, known before any segment ends. */
  traceEpochS: number;
  id: string;
  /**
   * For a segment: its `parent_id` (the caller's subsegment) or null at the trace root.
   * For a subsegment: the id of the entity that contains it.
   */
  parentId: string | null;
  /** The id of the top-level document the row came in (replacing that document replaces its rows). */
  docId: string;
  kind: 'segment' | 'subsegment';
  name: string;
  /** `aws`, `remote`, `local` or '' for subsegments; '' for segments. */
  namespace: string;
  origin: string;
  startUs: number;
  /** null while in progress. */
  endUs: number | null;
  inProgress: boolean;
  error: boolean;
  fault: boolean;
  throttle: boolean;
  httpMethod: string | null;
  httpUrl: string | null;
  httpStatus: number | null;
  httpUserAgent: string | null;
  httpClientIp: string | null;
  user: string | null;
  resourceArn: string | null;
  instanceId: string | null;
  availabilityZone: string | null;
  accountId: string | null;
  /** Exception messages recorded in the entity's own cause, for the `message` filter. */
  exceptionMessages: string[];
  annotations: AnnotationRow[];
  receivedUs: number;
  /**
   * For `aws`/`remote` subsegments: the type of the node inferred for the downstream they call
   * (`toRemoteType`), e.g. `AWS::DynamoDB::Table`, `Database::SQL`, `remote`; null otherwise.
   * Optional so that stores written before it existed still type-check; absent reads as null.
   */
  remoteType?: string | null;
}

export interface AnnotationRow {
  key: string;
  value: AnnotationValue;
}

/** Flattens one validated top-level document into span rows: the document's entity, then its subsegments depth-first. */
export function toSpanRows(doc: SegmentDocument, receivedUs: number): SpanRow[] {
  const rows: SpanRow[] = [];
  const traceId = doc.trace_id;
  const ctx = { traceId, traceEpochS: traceIdEpochSeconds(traceId), docId: doc.id, receivedUs };
  const top = doc as Segment & Subsegment;
  const independent = top.type === 'subsegment';
  const visit = (
    e: Entity & Partial<Segment & Subsegment>,
    parentId: string | null,
    kind: SpanRow['kind'],
  ): void => {
    rows.push(toRow(e, parentId, kind, ctx));
    for (const s of e.subsegments ?? []) visit(s, e.id, 'subsegment');
  };
  visit(top, top.parent_id ?? null, independent ? 'subsegment' : 'segment');
  return rows;
}

function toRow(
  e: Entity & Partial<Segment & Subsegment>,
  parentId: string | null,
  kind: SpanRow['kind'],
  ctx: { traceId: string; traceEpochS: number; docId: string; receivedUs: number },
): SpanRow {
  const req = e.http?.request;
  const aws = (e.aws ?? {}) as Record<string, unknown>;
  const ec2 = (aws['ec2'] ?? {}) as Record<string, unknown>;
  const inProgress = e.in_progress === true;
  return {
    traceId: ctx.traceId,
    traceEpochS: ctx.traceEpochS,
    id: e.id,
    parentId,
    docId: ctx.docId,
    kind,
    name: e.name,
    namespace: kind === 'subsegment' ? (e.namespace ?? '') : '',
    // X-Ray defines user, origin and resource_arn on segments, where validation checks them;
    // on a subsegment they are free JSON, and only a string may reach a string column.
    origin: str(e.origin) ?? '',
    startUs: secondsToUs(e.start_time),
    endUs: inProgress || e.end_time === undefined ? null : secondsToUs(e.end_time),
    inProgress,
    error: e.error === true,
    fault: e.fault === true,
    throttle: e.throttle === true,
    httpMethod: req?.method ?? null,
    httpUrl: req?.url ?? null,
    httpStatus: e.http?.response?.status ?? null,
    httpUserAgent: req?.user_agent ?? null,
    httpClientIp: req?.client_ip ?? null,
    user: str(e.user),
    resourceArn: str(e.resource_arn),
    instanceId: str(ec2['instance_id']),
    availabilityZone: str(ec2['availability_zone']),
    accountId: str(aws['account_id']),
    exceptionMessages: exceptionMessages(e),
    annotations: Object.entries(e.annotations ?? {}).map(([key, value]) => ({ key, value })),
    receivedUs: ctx.receivedUs,
    remoteType: kind === 'subsegment' ? toRemoteType(e as Subsegment) : null,
  };
}

function exceptionMessages(e: Entity): string[] {
  const c = e.cause;
  if (c === undefined || typeof c === 'string') return [];
  return (c.exceptions ?? []).flatMap((x) => (typeof x.message === 'string' ? [x.message] : []));
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
