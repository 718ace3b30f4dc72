import type { GraphStatRow } from './graph-stats.js';
import { quantileUs, toDistribution } from './histogram.js';
import { type NodeKey, nodeKeyId } from './node-key.js';
import { type Aggregate, addRow, emptyAggregate } from './service-graph.js';

/** Default response-time distribution bounds (ms) of the Fluoro API. */
export const DEFAULT_DISTRIBUTION_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Request rate, outcome rates, latency percentiles and distribution of a service or an edge. */
export interface Rates {
  requests: number;
  /** Requests per second over the queried range. */
  requestsPerS: number;
  ok: number;
  errors: number;
  throttles: number;
  faults: number;
  /** Fractions of `requests` (0..1); error counts 4xx other than 429. 0 when there were none. */
  errorRate: number;
  throttleRate: number;
  faultRate: number;
  avgMs: number | null;
  /** Lower edge of the histogram bucket holding the percentile: at most 10% under the exact value. */
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  /** Requests with a response time in [geMs, ltMs); the last bucket is open (ltMs null). */
  distribution: { geMs: number; ltMs: number | null; count: number }[];
}

export interface ServiceStats {
  services: (NodeKey & { inferred: boolean } & Rates)[];
  edges: ({ source: NodeKey; target: NodeKey } & Rates)[];
}

/**
 * The console's per-service and per-edge numbers over [startUs, endUs) from graph rows.
 * A service is measured by its own segments (an inferred node by the calls into it), an edge
 * by the caller's subsegments. Distribution bounds are exact when each has at most two
 * significant digits in microseconds (see `durationBucketUs`).
 */
export function toServiceStats(
  rows: GraphStatRow[],
  range: { startUs: number; endUs: number },
  distributionMs: number[] = DEFAULT_DISTRIBUTION_MS,
): ServiceStats {
  const own = new Map<string, { key: NodeKey; agg: Aggregate }>();
  const incoming = new Map<string, { key: NodeKey; agg: Aggregate }>();
  const edges = new Map<string, { source: NodeKey; target: NodeKey; agg: Aggregate }>();
  const slot = <T extends { agg: Aggregate }>(m: Map<string, T>, id: string, make: () => Omit<T, 'agg'>) => {
    let s = m.get(id);
    if (!s) {
      s = { ...make(), agg: emptyAggregate() } as T;
      m.set(id, s);
    }
    return s;
  };
  for (const r of rows) {
    const tid = nodeKeyId(r.target);
    if (r.kind === 'node') {
      addRow(slot(own, tid, () => ({ key: r.target })).agg, r);
    } else if (r.source) {
      const source = r.source;
      addRow(slot(incoming, tid, () => ({ key: r.target })).agg, r);
      addRow(slot(edges, `${nodeKeyId(source)}\u0001${tid}`, () => ({ source, target: r.target })).agg, r);
    }
  }
  const seconds = Math.max(1e-6, (range.endUs - range.startUs) / 1e6);
  const boundsUs = distributionMs.map((ms) => Math.round(ms * 1000));
  const rates = (a: Aggregate): Rates => {
    const c = a.counts;
    const q = (p: number) => {
      const us = quantileUs(a.histogram, p);
      return us === null ? null : us / 1000;
    };
    return {
      requests: c.count,
      requestsPerS: c.count / seconds,
      ok: c.ok,
      errors: c.error,
      throttles: c.throttle,
      faults: c.fault,
      errorRate: c.count ? c.error / c.count : 0,
      throttleRate: c.count ? c.throttle / c.count : 0,
      faultRate: c.count ? c.fault / c.count : 0,
      avgMs: c.count ? c.sumDurationUs / c.count / 1000 : null,
      p50Ms: q(0.5),
      p90Ms: q(0.9),
      p99Ms: q(0.99),
      distribution: toDistribution(a.histogram, boundsUs).map((d) => ({
        geMs: d.geUs / 1000,
        ltMs: d.ltUs === null ? null : d.ltUs / 1000,
        count: d.count,
      })),
    };
  };
  const services = new Map<string, ServiceStats['services'][number]>();
  for (const [id, s] of own) services.set(id, { ...s.key, inferred: false, ...rates(s.agg) });
  for (const [id, s] of incoming)
    if (!own.has(id)) services.set(id, { ...s.key, inferred: true, ...rates(s.agg) });
  return {
    services: [...services.values()].sort(
      (a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type),
    ),
    edges: [...edges.values()]
      .map((e) => ({ source: e.source, target: e.target, ...rates(e.agg) }))
      .sort(
        (a, b) =>
          a.source.name.localeCompare(b.source.name) ||
          a.target.name.localeCompare(b.target.name) ||
          a.target.type.localeCompare(b.target.type),
      ),
  };
}
