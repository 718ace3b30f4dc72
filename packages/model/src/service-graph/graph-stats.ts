import type { SpanRow } from '../span-row.js';
import { toTraceTree } from '../trace-tree.js';
import { asCalled, serviceOf, toCalls } from './calls.js';
import { durationBucketUs } from './histogram.js';
import { CLIENT_NODE, type NodeKey } from './node-key.js';
import { type Counts, toOutcome } from './outcome.js';

/**
 * One aggregate of the service graph: what `toGraphStats` computes from span rows and what a
 * store computes in SQL (`Store.graphStats`), so both feed the same assembly. Rows are additive:
 * two rows with the same key merge by adding their counts.
 *
 * - `node` rows count a service's own segments (source is null).
 * - `edge` rows count calls from `source` to `target`, measured by the caller's subsegment (its
 *   duration includes the network); an edge from the client node is measured by the root segment,
 *   and an edge to a segment whose parent is the caller's segment (nothing measured on the
 *   caller's side) by that segment.
 */
export interface GraphStatRow extends Counts {
  kind: 'node' | 'edge';
  /** Start of the time bucket the measured entity started in (epoch µs); the range start when not bucketed. */
  bucketUs: number;
  source: NodeKey | null;
  target: NodeKey;
  /** Whether the target is inferred from the caller's subsegment (it sent no segment of its own). */
  inferred: boolean;
  /**
   * For an edge to an instrumented service: how the caller named it (its subsegment's name and
   * inferred type), which X-Ray reports as the edge's `Aliases`. Null otherwise.
   */
  alias: NodeKey | null;
  /** `durationBucketUs` of the measured durations counted in this row. */
  durationBucketUs: number;
  /** Earliest start and latest end of the counted entities, epoch µs. */
  minStartUs: number;
  maxEndUs: number;
}

export interface GraphStatsQuery {
  /** Entities (segments, calls) that started in [startUs, endUs) are counted. */
  startUs: number;
  endUs: number;
  /** Time-series bucket width in µs; undefined or 0: one bucket starting at `startUs`. */
  periodUs?: number;
}

/**
 * Computes the graph's aggregates from the span rows of any number of traces (pure; the
 * reference every store's SQL is tested against). Only finished entities are counted.
 *
 * - Every segment is a node of its service (name + origin); a segment with no parent is also
 *   called by the client node.
 * - Every call `toCalls` finds is an edge from the caller's service: every `aws`/`remote`
 *   subsegment, and every subsegment that an instrumented service's segment names as its
 *   parent, measured by the subsegment. When a segment names the subsegment as parent the call
 *   goes to that segment's service (X-Ray replaces the inferred node with the real one, and the
 *   subsegment's name is the edge's alias); otherwise to a node inferred from the subsegment.
 * - A segment whose parent is another service's segment is called by that service, measured by
 *   its own segment (duration, outcome, start), with no alias; it is not called by the client.
 */
export function toGraphStats(rows: SpanRow[], q: GraphStatsQuery): GraphStatRow[] {
  const byTrace = new Map<string, SpanRow[]>();
  for (const r of rows) {
    const list = byTrace.get(r.traceId);
    if (list) list.push(r);
    else byTrace.set(r.traceId, [r]);
  }
  const out = new Map<string, GraphStatRow>();
  const add = (
    row: Omit<GraphStatRow, keyof Counts | 'minStartUs' | 'maxEndUs' | 'bucketUs' | 'durationBucketUs'>,
    measured: SpanRow,
  ) => {
    if (measured.endUs === null || measured.startUs < q.startUs || measured.startUs >= q.endUs) return;
    const durationUs = measured.endUs - measured.startUs;
    const bucketUs = q.periodUs ? measured.startUs - (measured.startUs % q.periodUs) : q.startUs;
    const full: GraphStatRow = {
      ...row,
      bucketUs,
      durationBucketUs: durationBucketUs(durationUs),
      count: 0,
      ok: 0,
      error: 0,
      throttle: 0,
      fault: 0,
      sumDurationUs: 0,
      minStartUs: measured.startUs,
      maxEndUs: measured.endUs,
    };
    const key = graphStatKey(full);
    const into = out.get(key) ?? full;
    out.set(key, into);
    into.count += 1;
    into[toOutcome(measured)] += 1;
    into.sumDurationUs += durationUs;
    into.minStartUs = Math.min(into.minStartUs, measured.startUs);
    into.maxEndUs = Math.max(into.maxEndUs, measured.endUs);
  };
  for (const traceRows of byTrace.values()) {
    const tree = toTraceTree(traceRows);
    for (const r of tree.rows) {
      if (r.kind !== 'segment') continue;
      const self = serviceOf(r);
      add({ kind: 'node', source: null, target: self, inferred: false, alias: null }, r);
      if (r.parentId === null)
        add({ kind: 'edge', source: CLIENT_NODE, target: self, inferred: false, alias: null }, r);
    }
    for (const c of toCalls(tree)) {
      const source = serviceOf(c.from);
      add(
        c.callee
          ? { kind: 'edge', source, target: c.to, inferred: false, alias: c.via ? asCalled(c.via) : null }
          : { kind: 'edge', source, target: c.to, inferred: true, alias: null },
        c.measured,
      );
    }
  }
  return [...out.values()];
}

/** Merges rows with equal keys (rows are additive): e.g. the parts of a range computed apart. */
export function mergeGraphStats(rows: GraphStatRow[]): GraphStatRow[] {
  const out = new Map<string, GraphStatRow>();
  for (const r of rows) {
    const key = graphStatKey(r);
    const prev = out.get(key);
    if (!prev) {
      out.set(key, { ...r });
      continue;
    }
    prev.count += r.count;
    prev.ok += r.ok;
    prev.error += r.error;
    prev.throttle += r.throttle;
    prev.fault += r.fault;
    prev.sumDurationUs += r.sumDurationUs;
    prev.minStartUs = Math.min(prev.minStartUs, r.minStartUs);
    prev.maxEndUs = Math.max(prev.maxEndUs, r.maxEndUs);
  }
  return [...out.values()];
}

/** The identity of a graph row: rows with equal keys merge. */
export function graphStatKey(r: GraphStatRow): string {
  return JSON.stringify([
    r.kind,
    r.bucketUs,
    r.source?.name ?? null,
    r.source?.type ?? null,
    r.target.name,
    r.target.type,
    r.inferred,
    r.alias?.name ?? null,
    r.alias?.type ?? null,
    r.durationBucketUs,
  ]);
}
