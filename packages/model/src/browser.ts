/**
 * The part of the model that runs in a browser (no node: modules, no Buffer): identifier
 * formats and the wire and summary types. The console imports this entry, never the index.
 */

export {
  FILTER_BOOL_KEYWORDS,
  FILTER_NUMBER_KEYWORDS,
  FILTER_STRING_KEYWORDS,
  ROOTCAUSE_ONLY_KEYWORDS,
  TOP_LEVEL_KEYWORDS,
  TRACE_ONLY_KEYWORDS,
} from './filter-keywords.js';
export { ENTITY_ID, toXRayTraceId, traceIdEpochSeconds, W3C_TRACE_ID, XRAY_TRACE_ID } from './ids.js';
export type { NodeKey } from './service-graph/node-key.js';
export type { XRayStatistics } from './service-graph/outcome.js';
export type { HistogramEntry, XRayEdge, XRayService } from './service-graph/service-graph.js';
export type { Rates, ServiceStats } from './service-graph/service-stats.js';
export type { ServiceTime, TraceServiceTimes } from './service-graph/service-times.js';
export type { AnnotationValueJson, ServiceId, TraceSummary } from './trace-summary.js';
export type {
  AnnotationValue,
  Cause,
  Entity,
  HttpBlock,
  Segment,
  SegmentDocument,
  StackFrame,
  Subsegment,
  XRayException,
} from './wire.js';
