import { nowUs, parseDocument, type Rejection, toSpanRows } from '@fluoro/model';
import type { IngestedDocument } from '@fluoro/store';
import type { IngestStats } from './ingest-stats.js';

/**
 * Turns one document's text into an IngestedDocument, or counts and returns its rejection.
 * Shared by the UDP receiver and PutTraceSegments so both validate identically.
 */
export function acceptDocument(text: string, stats: IngestStats): IngestedDocument | Rejection {
  stats.received++;
  const v = parseDocument(text);
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
