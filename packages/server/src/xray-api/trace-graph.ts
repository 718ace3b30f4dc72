import { toGraphStats, toServiceGraph, toXRayTraceId } from '@fluoro/model';
import type { Store } from '@fluoro/store';
import { asObject, optionalString, requiredStringArray } from '../http/read-input.js';
import { pageOf } from './service-graph.js';

/** Most trace ids one GetTraceGraph request may name. */
const MAX_TRACE_IDS = 100;

/**
 * GetTraceGraph (POST /TraceGraph): the service graph of the given traces, whole (every
 * finished entity counts, whenever it ran). Unknown ids add nothing.
 */
export function getTraceGraph(store: Store) {
  return async ({ body }: { body: unknown }) => {
    const o = asObject(body);
    const ids = requiredStringArray(o, 'TraceIds', 1, MAX_TRACE_IDS);
    const known = ids.flatMap((id) => toXRayTraceId(id) ?? []);
    const rows = await store.getSpans([...new Set(known)]);
    const services = toServiceGraph(toGraphStats(rows, { startUs: 0, endUs: Number.MAX_SAFE_INTEGER }));
    return pageOf(services, optionalString(o, 'NextToken'));
  };
}
