import type { SpanRow } from '../span-row.js';
import type { TraceTree } from '../trace-tree.js';
import { type NodeKey, nodeKeyId } from './node-key.js';

/**
 * One call from a service to a downstream. Every graph (GetServiceGraph, GetTraceGraph, the
 * time series and statistics, and the stores' SQL twins) draws its edges from these.
 */
export interface Call {
  /**
   * The caller's subsegment, which measures the call (network included); undefined when the
   * callee's segment names the caller's segment itself as parent, so the caller recorded
   * nothing of the call (a job, queue consumer or function started with the request's trace
   * header): such a call is measured by the callee's segment.
   */
  via: SpanRow | undefined;
  /** What the edge's statistics count (duration, outcome, start): `via`, else the callee's segment. */
  measured: SpanRow;
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
 * The calls in one trace. The rule: a segment whose `parent_id` names an entity of the trace
 * that belongs to another service is called by that service.
 *
 * - Parent a subsegment (the usual remote call): the subsegment is the call and measures it.
 *   Every `aws`/`remote` subsegment is a call too; where no segment names it as parent, it goes
 *   to a node inferred from the subsegment. A subsegment is one call: when several segments name
 *   it (a retry), the earliest is its callee. (A segment named by its own service's subsegment
 *   still makes an edge, as a service calling itself over the network does.)
 * - Parent another service's segment (API Gateway → Lambda, a queue consumer, a job started
 *   with the request's trace header): a call with no caller-side measurement (`via` undefined),
 *   measured by the callee's segment. A parent segment of the same service is no call.
 *
 * Subsegments whose owning segment has not arrived are left out.
 */
export function toCalls(tree: TraceTree): Call[] {
  const callees = new Map<string, SpanRow>();
  const out: Call[] = [];
  for (const r of tree.rows) {
    if (r.kind !== 'segment' || r.parentId === null) continue;
    const parent = tree.byId.get(r.parentId);
    if (parent?.kind === 'segment') {
      const to = serviceOf(r);
      if (nodeKeyId(serviceOf(parent)) !== nodeKeyId(to))
        out.push({ via: undefined, measured: r, from: parent, callee: r, to });
      continue;
    }
    if (parent?.kind !== 'subsegment') continue;
    const prev = callees.get(r.parentId);
    // A retried call can carry the same parent id twice: the earliest callee is the one.
    if (!prev || r.startUs < prev.startUs || (r.startUs === prev.startUs && r.id < prev.id))
      callees.set(r.parentId, r);
  }
  for (const r of tree.rows) {
    if (r.kind !== 'subsegment') continue;
    const callee = callees.get(r.id);
    if (!callee && r.namespace !== 'aws' && r.namespace !== 'remote') continue;
    const from = tree.ownerOf(r);
    if (!from) continue;
    out.push({ via: r, measured: r, from, callee, to: callee ? serviceOf(callee) : asCalled(r) });
  }
  return out;
}
