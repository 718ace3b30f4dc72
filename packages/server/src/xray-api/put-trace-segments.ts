import { ApiError, invalidRequest } from '../http/api-error.js';
import { asObject } from '../http/read-input.js';
import { acceptDocument } from '../ingest/accept-document.js';
import type { BatchWriter } from '../ingest/batch-writer.js';
import type { IngestStats } from '../ingest/ingest-stats.js';

interface Unprocessed {
  Id?: string;
  ErrorCode: string;
  Message: string;
}

/**
 * PutTraceSegments (POST /TraceSegments), as the X-Ray daemon and SDKs call it: each document
 * is validated on its own; the bad ones come back in UnprocessedTraceSegments and the good ones
 * beside them are kept. A full write queue answers 429 ThrottledException before reading any.
 */
export function putTraceSegments(writer: BatchWriter, stats: IngestStats, maxQueued: number) {
  return ({ body }: { body: unknown }) => {
    const docs = asObject(body)['TraceSegmentDocuments'];
    if (!Array.isArray(docs)) throw invalidRequest('TraceSegmentDocuments must be a list of strings');
    if (writer.queued + docs.length > maxQueued) {
      throw new ApiError(429, 'ThrottledException', 'the write queue is full; retry later');
    }
    const unprocessed: Unprocessed[] = [];
    for (const text of docs) {
      if (typeof text !== 'string') {
        stats.received++;
        stats.reject('not_json', 'a TraceSegmentDocuments entry is not a string');
        unprocessed.push({ ErrorCode: 'InvalidSegment', Message: 'document must be a JSON string' });
        continue;
      }
      const doc = acceptDocument(text, stats);
      if (!('rows' in doc)) {
        unprocessed.push({
          ...(doc.id ? { Id: doc.id } : {}),
          ErrorCode: doc.errorCode,
          Message: doc.message,
        });
      } else if (!writer.offer(doc)) {
        unprocessed.push({ Id: doc.id, ErrorCode: 'ThrottledException', Message: 'the write queue is full' });
      }
    }
    return { UnprocessedTraceSegments: unprocessed };
  };
}
