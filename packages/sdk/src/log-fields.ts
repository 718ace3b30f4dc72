import { recorder } from './recorder.js';

/**
 * What `traceLogFields()` adds to a log line: which trace (and which segment or subsegment of
 * it) the line was written in. Snake case, as log pipelines and AWS Powertools' `xray_trace_id`
 * spell their fields.
 */
export interface TraceLogFields {
  /** The X-Ray trace id, e.g. `1-5759e988-bd862e3fe1be46a994272793`. */
  trace_id?: string;
  /** The current segment's or subsegment's id (16 hex digits); only when `sampled`. */
  segment_id?: string;
  /** False when the trace is not recorded: its id still ties log lines (and callees) together. */
  sampled?: boolean;
}

/**
 * The current trace's ids as log fields, for a logger to add to every line: pino's
 * `mixin: traceLogFields`, or winston's `defaultMeta` made a getter (not a format: winston may
 * run formats later, in another request's context; docs/sdk.md).
 *
 * - In a sampled trace: `{ trace_id, segment_id, sampled: true }`, `segment_id` being the
 *   subsegment of the innermost `capture()` the line was written in, else the segment.
 * - In an unsampled trace: `{ trace_id, sampled: false }` (nothing is recorded, so there is no
 *   segment to name). The id is the one the request's callees are sent.
 * - Outside any trace: `{}`. Logging outside a request is normal, so the context-missing
 *   strategy never applies.
 *
 * Returns a new object on every call: pino merges a line's own fields into the object its
 * mixin returns. Never throws; costs nothing unless called.
 */
export function traceLogFields(): TraceLogFields {
  const entity = recorder.storage.getStore();
  if (entity === undefined) return {};
  if (entity.sampled) return { trace_id: entity.traceId, segment_id: entity.id, sampled: true };
  // Reading the id of an unsampled trace started here makes it now instead of at the first
  // downstream call: the same id, memoised, so what callees are sent does not change.
  return { trace_id: entity.traceId, sampled: false };
}
