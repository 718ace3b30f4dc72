/**
 * X-Ray segment documents as they travel on the wire (UDP datagrams, PutTraceSegments).
 * Field names follow the X-Ray segment document schema; times are float epoch seconds.
 */

export interface HttpBlock {
  request?: {
    method?: string;
    url?: string;
    user_agent?: string;
    client_ip?: string;
    x_forwarded_for?: boolean;
    traced?: boolean;
  };
  response?: { status?: number; content_length?: number };
}

export interface StackFrame {
  path?: string;
  line?: number;
  label?: string;
}

export interface XRayException {
  id: string;
  message?: string;
  type?: string;
  remote?: boolean;
  truncated?: number;
  skipped?: number;
  cause?: string;
  stack?: StackFrame[];
}

/** Either the id of an exception recorded elsewhere in the trace, or the exceptions themselves. */
export type Cause =
  | string
  | { id?: string; working_directory?: string; paths?: string[]; exceptions?: XRayException[] };

export type AnnotationValue = string | number | boolean;

export interface Entity {
  id: string;
  name: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  http?: HttpBlock;
  aws?: Record<string, unknown>;
  error?: boolean;
  throttle?: boolean;
  fault?: boolean;
  cause?: Cause;
  annotations?: Record<string, AnnotationValue>;
  metadata?: Record<string, unknown>;
  subsegments?: Subsegment[];
}

export interface Segment extends Entity {
  trace_id: string;
  parent_id?: string;
  service?: { version?: string; [k: string]: unknown };
  user?: string;
  origin?: string;
  resource_arn?: string;
  inferred?: boolean;
}

export interface Subsegment extends Entity {
  namespace?: string;
  type?: 'subsegment';
  trace_id?: string;
  parent_id?: string;
  precursor_ids?: string[];
  traced?: boolean;
  sql?: Record<string, unknown>;
}

/** A top-level document: a segment, or a subsegment sent on its own (`type: "subsegment"`). */
export type SegmentDocument =
  | Segment
  | (Subsegment & { type: 'subsegment'; trace_id: string; parent_id: string });

/** True when the document is a subsegment sent independently of its parent. */
export function isIndependentSubsegment(doc: SegmentDocument): doc is Subsegment & {
  type: 'subsegment';
  trace_id: string;
  parent_id: string;
} {
  return (doc as Subsegment).type === 'subsegment';
}
