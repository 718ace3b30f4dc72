import type { SpanRow } from '../span-row.js';
import type { TraceTree } from '../trace-tree.js';
import type { NodeKey } from './node-key.js';

/** One call from a service to a downstream, as the caller recorded it. */
export interface Call {
  /** The caller's subsegment: it measures the call (network included). */
  via: SpanRow;
  /** The segment of the calling service. */
  from: SpanRow;
  /** The callee's segment when the callee is instrumented. */
  callee: SpanRow | undefined;
  /** The callee's node: the instrumented service, or the node inferred from `via`. */
  to: NodeKey;
}

/** A segment's service: its name and origin. */
export function serviceOf(segment: SpanRow): NodeKey {
  return { name: segment.name, type: segment.origin };
}

/** How a subsegment names what it calls: its name and inferred type. */
export function asCalled(sub: SpanRow): NodeKey {
  return { name: sub.name, type: sub.remoteType ?? 'remote' };
}

/**
 * The calls in one trace: every `aws`/`remote` subsegment, and every subsegment an instrumented
 * service's segment names as its parent. Where a segment names the subsegment as its parent the
 * call goes to that segment's service; otherwise to a node inferred from the subsegment.
 * Subsegments whose owning segment has not arrived are left out.
 */
export function toCalls(tree: TraceTree): Call[] {
  const callees = new Map<string, SpanRow>();
  for (const r of tree.rows) {
    if (r.kind !== 'segment' || r.parentId === null) continue;
    if (tree.byId.get(r.parentId)?.kind !== 'subsegment') continue;
    const prev = callees.get(r.parentId);
    // A retried call can carry the same parent id twice: the earliest callee is the one.
    if (!prev || r.startUs < prev.startUs || (r.startUs === prev.startUs && r.id < prev.id))
      callees.set(r.parentId, r);
  }
  const out: Call[] = [];
  for (const r of tree.rows) {
    if (r.kind !== 'subsegment') continue;
    const callee = callees.get(r.id);
    if (!callee && r.namespace !== 'aws' && r.namespace !== 'remote') continue;
    const from = tree.ownerOf(r);
    if (!from) continue;
    out.push({ via: r, from, callee, to: callee ? serviceOf(callee) : asCalled(r) });
  }
  return out;
}
