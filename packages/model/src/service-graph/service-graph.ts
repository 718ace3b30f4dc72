import type { GraphStatRow } from './graph-stats.js';
import { addToHistogram, type Histogram, toHistogramEntries } from './histogram.js';
import { type NodeKey, nodeKeyId } from './node-key.js';
import { addCounts, type Counts, emptyCounts, toXRayStatistics, type XRayStatistics } from './outcome.js';

/** X-Ray's `HistogramEntry`: a duration bucket's lower edge in seconds and how many fell in it. */
export interface HistogramEntry {
  Value: number;
  Count: number;
}

/** X-Ray's `Edge` (the members Fluoro fills); times in epoch seconds. */
export interface XRayEdge {
  ReferenceId: number;
  StartTime: number;
  EndTime: number;
  SummaryStatistics: XRayStatistics;
  ResponseTimeHistogram: HistogramEntry[];
  Aliases: { Name: string; Names: string[]; Type?: string }[];
}

/** X-Ray's `Service` (a node of GetServiceGraph / GetTraceGraph). */
export interface XRayService {
  ReferenceId: number;
  Name: string;
  Names: string[];
  Root: boolean;
  Type?: string;
  /** `active` for instrumented services, `unknown` for the client and inferred nodes. */
  State: 'active' | 'unknown';
  StartTime: number;
  EndTime: number;
  Edges: XRayEdge[];
  SummaryStatistics?: XRayStatistics;
  DurationHistogram?: HistogramEntry[];
  ResponseTimeHistogram?: HistogramEntry[];
}

/** Running totals for one node or edge: counts, histogram and time extent. */
export interface Aggregate {
  counts: Counts;
  histogram: Histogram;
  minStartUs: number;
  maxEndUs: number;
}

export function emptyAggregate(): Aggregate {
  return { counts: emptyCounts(), histogram: new Map(), minStartUs: Infinity, maxEndUs: -Infinity };
}

export function addRow(a: Aggregate, r: GraphStatRow): void {
  addCounts(a.counts, r);
  addToHistogram(a.histogram, r.durationBucketUs, r.count);
  a.minStartUs = Math.min(a.minStartUs, r.minStartUs);
  a.maxEndUs = Math.max(a.maxEndUs, r.maxEndUs);
}

interface NodeAcc {
  key: NodeKey;
  own: Aggregate;
  /** Calls into the node (an inferred node's statistics come from its callers' subsegments). */
  incoming: Aggregate;
  instrumented: boolean;
  root: boolean;
  client: boolean;
  edges: Map<string, { target: NodeKey; agg: Aggregate; aliases: Map<string, NodeKey> }>;
}

/**
 * Assembles GetServiceGraph's `Services` from graph rows (all time buckets merged). Nodes are
 * ordered client first, then by name and type, and numbered in that order (`ReferenceId`).
 * A service's statistics and histograms come from its own segments; an inferred node's from
 * the calls into it; the client node has edges only. Edge statistics come from the callers.
 */
export function toServiceGraph(rows: GraphStatRow[]): XRayService[] {
  const nodes = new Map<string, NodeAcc>();
  const node = (key: NodeKey): NodeAcc => {
    const id = nodeKeyId(key);
    let n = nodes.get(id);
    if (!n) {
      n = {
        key,
        own: emptyAggregate(),
        incoming: emptyAggregate(),
        instrumented: false,
        root: false,
        client: false,
        edges: new Map(),
      };
      nodes.set(id, n);
    }
    return n;
  };
  for (const r of rows) {
    const target = node(r.target);
    if (r.kind === 'node') {
      target.instrumented = true;
      addRow(target.own, r);
      continue;
    }
    if (!r.source) continue;
    const source = node(r.source);
    addRow(target.incoming, r);
    if (r.source.type === 'client') {
      source.client = true;
      target.root = true;
    }
    const eid = nodeKeyId(r.target);
    let e = source.edges.get(eid);
    if (!e) {
      e = { target: r.target, agg: emptyAggregate(), aliases: new Map() };
      source.edges.set(eid, e);
    }
    addRow(e.agg, r);
    if (r.alias && r.alias.name !== r.target.name) e.aliases.set(nodeKeyId(r.alias), r.alias);
  }
  const ordered = [...nodes.values()].sort(
    (a, b) =>
      Number(b.client) - Number(a.client) ||
      a.key.name.localeCompare(b.key.name) ||
      a.key.type.localeCompare(b.key.type),
  );
  const refOf = new Map(ordered.map((n, i) => [nodeKeyId(n.key), i]));
  return ordered.map((n, i) => {
    const stats = n.instrumented ? n.own : n.client ? undefined : n.incoming;
    const extent = n.instrumented
      ? n.own
      : n.client
        ? mergeExtents([...n.edges.values()].map((e) => e.agg))
        : n.incoming;
    const histogram = stats ? toHistogramEntries(stats.histogram) : undefined;
    return {
      ReferenceId: i,
      Name: n.key.name,
      Names: [n.key.name],
      Root: n.root,
      ...(n.key.type ? { Type: n.key.type } : {}),
      State: n.instrumented ? 'active' : 'unknown',
      StartTime: extent.minStartUs / 1e6,
      EndTime: extent.maxEndUs / 1e6,
      Edges: [...n.edges.values()]
        .map((e) => ({
          ReferenceId: refOf.get(nodeKeyId(e.target)) ?? -1,
          StartTime: e.agg.minStartUs / 1e6,
          EndTime: e.agg.maxEndUs / 1e6,
          SummaryStatistics: toXRayStatistics(e.agg.counts),
          ResponseTimeHistogram: toHistogramEntries(e.agg.histogram),
          Aliases: [...e.aliases.values()]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((a) => ({ Name: a.name, Names: [a.name], ...(a.type ? { Type: a.type } : {}) })),
        }))
        .sort((a, b) => a.ReferenceId - b.ReferenceId),
      ...(stats && histogram
        ? {
            SummaryStatistics: toXRayStatistics(stats.counts),
            DurationHistogram: histogram,
            ResponseTimeHistogram: histogram,
          }
        : {}),
    } satisfies XRayService;
  });
}

function mergeExtents(aggs: Aggregate[]): { minStartUs: number; maxEndUs: number } {
  return {
    minStartUs: Math.min(...aggs.map((a) => a.minStartUs)),
    maxEndUs: Math.max(...aggs.map((a) => a.maxEndUs)),
  };
}
