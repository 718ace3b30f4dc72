export { type DatagramResult, decodeDatagram } from './datagram.js';
export { ENTITY_ID, toXRayTraceId, traceIdEpochSeconds, W3C_TRACE_ID, XRAY_TRACE_ID } from './ids.js';
export { type AnnotationRow, type SpanRow, toSpanRows } from './span-row.js';
export { nowUs, secondsToUs, usToSeconds } from './time.js';
export { assembleSegments, type StoredDocument } from './trace-documents.js';
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
