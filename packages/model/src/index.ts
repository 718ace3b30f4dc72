export { type DatagramResult, decodeDatagram } from './datagram.js';
export { ENTITY_ID, toXRayTraceId, traceIdEpochSeconds, W3C_TRACE_ID, XRAY_TRACE_ID } from './ids.js';
export { inferredSegments } from './inferred-segments.js';
export { nanosToMicros, type OtlpTraceRequest, otlpSpans, SpanFormatError } from './otel/otlp.js';
export {
  type AttributeValue,
  annotationKey,
  type SpanInput,
  type SpanKind,
  type SpanRejection,
  spanToDocument,
} from './otel/span-to-document.js';
export { type ZipkinSpan, zipkinSpans } from './otel/zipkin.js';
export { asCalled, type Call, serviceOf, toCalls } from './service-graph/calls.js';
export {
  type EntitySelector,
  EntitySelectorError,
  matchesNode,
  type NodeRef,
  parseEntitySelector,
} from './service-graph/entity-selector.js';
export {
  type GraphStatRow,
  type GraphStatsQuery,
  graphStatKey,
  mergeGraphStats,
  toGraphStats,
} from './service-graph/graph-stats.js';
export {
  durationBucketSql,
  durationBucketUs,
  type Histogram,
  quantileUs,
  toDistribution,
  toHistogramEntries,
} from './service-graph/histogram.js';
export { coveredUs, type Interval, uncoveredUs, unionIntervals } from './service-graph/intervals.js';
export { CLIENT_NODE, type NodeKey, nodeKeyId } from './service-graph/node-key.js';
export {
  type Counts,
  type Outcome,
  toOutcome,
  toXRayStatistics,
  type XRayStatistics,
} from './service-graph/outcome.js';
export { toRemoteType } from './service-graph/remote-type.js';
export {
  type HistogramEntry,
  toServiceGraph,
  type XRayEdge,
  type XRayService,
} from './service-graph/service-graph.js';
export {
  DEFAULT_DISTRIBUTION_MS,
  type Rates,
  type ServiceStats,
  toServiceStats,
} from './service-graph/service-stats.js';
export { type ServiceTime, type TraceServiceTimes, toServiceTimes } from './service-graph/service-times.js';
export { type TimeSeriesPoint, toTimeSeries } from './service-graph/time-series.js';
export { type AnnotationRow, type SpanRow, toSpanRows } from './span-row.js';
export { nowUs, secondsToUs, usToSeconds } from './time.js';
export {
  assembleEntities,
  assembleSegments,
  type StoredDocument,
  type TopEntity,
} from './trace-documents.js';
export {
  type AnnotationValueJson,
  type ServiceId,
  type TraceSummary,
  toAnnotationJson,
  toTraceSummary,
} from './trace-summary.js';
export { type TraceTree, toTraceTree } from './trace-tree.js';
export {
  MAX_DOCUMENT_BYTES,
  MAX_NAME_LENGTH,
  parseDocument,
  type Rejection,
  type RejectReason,
  type Validation,
  validateDocument,
} from './validate.js';
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
export { isIndependentSubsegment } from './wire.js';
