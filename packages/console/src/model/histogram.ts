/** One bar of a distribution chart: values in [lo, hi). */
export interface Bin {
  lo: number;
  hi: number;
  count: number;
  /** The long tail: every value from `lo` up, drawn as one last bar ("≥ lo"). */
  overflow?: boolean;
}

/**
 * Bins for a latency chart: like toBins, but when a few outliers would squash everything else
 * into the first bar (the maximum is over 10x the 95th percentile; the 90th under 40 values),
 * the axis ends at 1.5x that percentile and one last overflow bar holds the tail.
 */
export function toLatencyBins(values: number[], bins: number): Bin[] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 10 || bins < 3) return toBins(finite, bins);
  // With few values the 95th percentile is the maximum itself; look lower then.
  const p95 = percentile(finite, finite.length >= 40 ? 95 : 90);
  const max = Math.max(...finite);
  if (!(p95 > 0) || max <= 10 * p95) return toBins(finite, bins);
  const edge = p95 * 1.5;
  const body = toBins([...finite.filter((v) => v < edge)], bins - 1, true, edge);
  // toBins puts a value equal to the edge in its last bin; the edge itself belongs to the tail.
  const tail = finite.filter((v) => v >= edge).length;
  return [...body, { lo: edge, hi: max, count: tail, overflow: true }];
}

/**
 * Buckets values (seconds) into `bins` equal-width bins from 0 (or the minimum, when `fromZero`
 * is false) to the maximum (or `atLeast`, when larger); the maximum lands in the last bin.
 * Empty input gives no bins unless `atLeast` sets the range.
 */
export function toBins(values: number[], bins: number, fromZero = true, atLeast = 0): Bin[] {
  const finite = values.filter((v) => Number.isFinite(v));
  if ((finite.length === 0 && atLeast <= 0) || bins < 1) return [];
  // `atLeast` widens the range so several series share one x-axis.
  let max = atLeast > 0 ? atLeast : Number.NEGATIVE_INFINITY;
  let min = finite.length > 0 ? Number.POSITIVE_INFINITY : 0;
  for (const v of finite) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const lo = fromZero ? Math.min(0, min) : min;
  const width = max > lo ? (max - lo) / bins : 1;
  const out: Bin[] = Array.from({ length: bins }, (_, i) => ({
    lo: lo + i * width,
    hi: lo + (i + 1) * width,
    count: 0,
  }));
  for (const v of finite) {
    const i = Math.min(bins - 1, Math.floor((v - lo) / width));
    out[i]!.count++;
  }
  return out;
}

/** Bins from X-Ray HistogramEntry values ({Value: seconds, Count}). */
export function binsFromHistogram(entries: { Value?: number; Count?: number }[], bins: number): Bin[] {
  const values: number[] = [];
  const counts: number[] = [];
  for (const e of entries) {
    if (typeof e.Value === 'number' && typeof e.Count === 'number') {
      values.push(e.Value);
      counts.push(e.Count);
    }
  }
  const out = toBins(values, bins);
  if (out.length === 0) return out;
  for (const b of out) b.count = 0;
  const width = out[0]!.hi - out[0]!.lo;
  const lo = out[0]!.lo;
  values.forEach((v, i) => {
    const k = Math.min(out.length - 1, Math.floor((v - lo) / width));
    out[k]!.count += counts[i]!;
  });
  return out;
}

/** The p-th percentile (0..100) of values by nearest rank; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
