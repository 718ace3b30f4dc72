import {
  MAX_DOCUMENT_BYTES,
  nowUs,
  parseDocument,
  type Rejection,
  toSpanRows,
  type Validation,
  validateDocument,
} from '@fluoro/model';
import type { IngestedDocument } from '@fluoro/store';
import type { IngestStats } from './ingest-stats.js';

/**
 * Turns one document's text into an IngestedDocument, or counts and returns its rejection.
 * Shared by the UDP receiver and PutTraceSegments so both validate identically.
 */
export function acceptDocument(text: string, stats: IngestStats): IngestedDocument | Rejection {
  stats.received++;
  return accepted(parseDocument(text), text, stats);
}

/**
 * The same for a document Fluoro built itself (from an OpenTelemetry or Zipkin span): validated
 * as an object, so its text is not parsed back.
 */
export function acceptBuiltDocument(doc: object, stats: IngestStats): IngestedDocument | Rejection {
  stats.received++;
  const text = JSON.stringify(doc);
  // Only an oversize document is checked as text (parseDocument rejects it before parsing).
  const oversize = text.length * 3 > MAX_DOCUMENT_BYTES && Buffer.byteLength(text) > MAX_DOCUMENT_BYTES;
  return accepted(oversize ? parseDocument(text) : validateDocument(doc), text, stats);
}

function accepted(v: Validation, text: string, stats: IngestStats): IngestedDocument | Rejection {
  if (!v.ok) {
    stats.reject(v.reason, v.message);
    return v;
  }
  const receivedUs = nowUs();
  return {
    traceId: v.doc.trace_id,
    id: v.doc.id,
    document: text,
    inProgress: v.doc.in_progress === true,
    receivedUs,
    rows: toSpanRows(v.doc, receivedUs),
  };
}
