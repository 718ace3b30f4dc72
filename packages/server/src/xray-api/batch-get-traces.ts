import {
  assembleEntities,
  inferredSegments,
  type SpanRow,
  type StoredDocument,
  toXRayTraceId,
} from '@fluoro/model';
import type { Store } from '@fluoro/store';
import { asObject, requiredStringArray } from '../http/read-input.js';

/**
 * BatchGetTraces (POST /Traces): 1 to 5 trace ids (X-Ray or W3C form); each found trace comes
 * back with its segment documents, independent subsegments merged into their parents, plus the
 * inferred segments X-Ray generates for `aws`/`remote` calls whose callee sent no segment
 * (`inferredSegments`), all sorted by start time.
 */
export function batchGetTraces(store: Store) {
  return async ({ body }: { body: unknown }) => {
    const requested = requiredStringArray(asObject(body), 'TraceIds', 1, 5);
    const ids = requested.map((r) => ({ requested: r, id: toXRayTraceId(r) }));
    const valid = [...new Set(ids.flatMap((i) => (i.id ? [i.id] : [])))];
    const [docs, spans] = await Promise.all([store.getDocuments(valid), store.getSpans(valid)]);
    const byTrace = new Map<string, SpanRow[]>();
    for (const r of spans) {
      const list = byTrace.get(r.traceId);
      if (list) list.push(r);
      else byTrace.set(r.traceId, [r]);
    }
    const traces = [];
    const unprocessed: string[] = [];
    for (const { requested: r, id } of ids) {
      const d = id ? docs.get(id) : undefined;
      if (!id || !d) {
        unprocessed.push(r);
        continue;
      }
      traces.push({
        Id: id,
        Duration: durationSeconds(byTrace.get(id) ?? []),
        LimitExceeded: false,
        Segments: withInferred(d, id),
      });
    }
    return { Traces: traces, UnprocessedTraceIds: unprocessed };
  };
}

/** The trace's documents as X-Ray returns them: the assembled segments and the inferred ones. */
function withInferred(docs: StoredDocument[], traceId: string): { Id: string; Document: string }[] {
  const tops = assembleEntities(docs);
  // A stable sort: an inferred segment starting with a real one comes after it.
  return [...tops, ...inferredSegments(tops, traceId)]
    .sort((a, b) => a.start_time - b.start_time)
    .map((e) => ({ Id: e.id, Document: JSON.stringify(e) }));
}

/** Earliest start to latest end over every row, in seconds. */
function durationSeconds(rows: SpanRow[]): number {
  if (rows.length === 0) return 0;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    start = Math.min(start, r.startUs);
    end = Math.max(end, r.endUs ?? r.startUs);
  }
  return (end - start) / 1e6;
}
