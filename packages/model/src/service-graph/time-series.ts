import { type EntitySelector, matchesNode } from './entity-selector.js';
import type { GraphStatRow } from './graph-stats.js';
import { toHistogramEntries } from './histogram.js';
import { toXRayStatistics, type XRayStatistics } from './outcome.js';
import { type Aggregate, addRow, emptyAggregate, type HistogramEntry } from './service-graph.js';

/** One bucket of GetTimeSeriesServiceStatistics; Timestamp in epoch seconds. */
export interface TimeSeriesPoint {
  Timestamp: number;
  EdgeSummaryStatistics?: XRayStatistics;
  ServiceSummaryStatistics?: XRayStatistics;
  ResponseTimeHistogram: HistogramEntry[];
}

/**
 * The time series for one entity from graph rows bucketed by period (`GraphStatsQuery.periodUs`),
 * one point per bucket that has data, oldest first.
 *
 * - `service`: ServiceSummaryStatistics from its segments (for an inferred node: the calls into
 *   it), EdgeSummaryStatistics from the calls into it; the histogram is the service's.
 * - `edge`: EdgeSummaryStatistics and histogram of the calls from source to target.
 * - `all` (no selector): every edge's calls (client edges included) and every service's
 *   segments; the histogram is the edges'.
 */
export function toTimeSeries(rows: GraphStatRow[], selector: EntitySelector): TimeSeriesPoint[] {
  const buckets = new Map<number, { edge: Aggregate; service: Aggregate }>();
  const bucket = (us: number) => {
    let b = buckets.get(us);
    if (!b) {
      b = { edge: emptyAggregate(), service: emptyAggregate() };
      buckets.set(us, b);
    }
    return b;
  };
  const inferredTarget =
    selector.kind === 'service' &&
    !rows.some((r) => r.kind === 'node' && matchesNode(selector.node, r.target));
  for (const r of rows) {
    if (selector.kind === 'all') {
      addRow(bucket(r.bucketUs)[r.kind === 'node' ? 'service' : 'edge'], r);
    } else if (selector.kind === 'edge') {
      if (
        r.kind === 'edge' &&
        r.source &&
        matchesNode(selector.source, r.source) &&
        matchesNode(selector.target, r.target)
      )
        addRow(bucket(r.bucketUs).edge, r);
    } else if (matchesNode(selector.node, r.target)) {
      const b = bucket(r.bucketUs);
      if (r.kind === 'edge') addRow(b.edge, r);
      if (r.kind === 'node' || (inferredTarget && r.kind === 'edge')) addRow(b.service, r);
    }
  }
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .map(([us, b]) => {
      const histogram = selector.kind === 'service' ? b.service.histogram : b.edge.histogram;
      return {
        Timestamp: us / 1e6,
        ...(b.edge.counts.count > 0 ? { EdgeSummaryStatistics: toXRayStatistics(b.edge.counts) } : {}),
        ...(b.service.counts.count > 0
          ? { ServiceSummaryStatistics: toXRayStatistics(b.service.counts) }
          : {}),
        ResponseTimeHistogram: toHistogramEntries(histogram),
      };
    });
}
