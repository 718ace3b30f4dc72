import type { Outcome } from './outcome.js';
import type { TimelineRow } from './timeline.js';

/** A node of one trace's own map: a service (segment), a called resource, or the client. */
export interface TraceMapNode {
  /** `kind:name`, unique; edges refer to nodes by it. */
  key: string;
  name: string;
  kind: 'client' | 'service' | 'remote';
  /** The worst outcome among the node's segments (or calls, for a resource). */
  outcome: Outcome;
  /** Segments (or calls) of the node in this trace. */
  count: number;
}

export interface TraceMapEdge {
  from: string;
  to: string;
  count: number;
}

const RANK: Record<Outcome, number> = { ok: 0, pending: 1, error: 2, throttle: 3, fault: 4 };

/**
 * The map of one trace, by the service graph's rule (ADR 0004): each service that sent a
 * segment, each remote call (namespace `remote` or `aws`) that no instrumented service answered
 * (also when BatchGetTraces gave it as an inferred segment), and the client in front of every
 * segment with no parent; edges from caller to callee. A segment under another service's
 * segment (a job given the request's trace header) is called by that service; under a segment
 * of its own service it is no call.
 */
export function toTraceMap(rows: TimelineRow[]): { nodes: TraceMapNode[]; edges: TraceMapEdge[] } {
  const nodes = new Map<string, TraceMapNode>();
  const edges = new Map<string, TraceMapEdge>();
  const node = (name: string, kind: TraceMapNode['kind'], outcome: Outcome) => {
    const key = `${kind}:${name}`;
    const n = nodes.get(key) ?? { key, name, kind, outcome, count: 0 };
    n.count++;
    if (RANK[outcome] > RANK[n.outcome]) n.outcome = outcome;
    nodes.set(key, n);
    return key;
  };
  const edge = (from: string, to: string) => {
    const key = `${from}->${to}`;
    const e = edges.get(key) ?? { from, to, count: 0 };
    e.count++;
    edges.set(key, e);
  };
  const calledSegment = new Set<number>();
  for (const r of rows) if (r.kind === 'segment' && r.parentIndex >= 0) calledSegment.add(r.parentIndex);
  for (const r of rows) {
    if (r.kind === 'segment') {
      const to = node(r.service, r.entity['inferred'] === true ? 'remote' : 'service', r.outcome);
      const parent = r.parentIndex >= 0 ? rows[r.parentIndex] : undefined;
      if (!parent) {
        if (!r.orphan) edge(node('client', 'client', 'ok'), to);
      } else if (parent.kind === 'subsegment' || parent.service !== r.service)
        edge(`service:${parent.service}`, to);
    } else if ((r.namespace === 'remote' || r.namespace === 'aws') && !calledSegment.has(r.index)) {
      edge(`service:${r.service}`, node(r.name, 'remote', r.outcome));
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}
