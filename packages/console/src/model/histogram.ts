/** One bar of a distribution chart: values in [lo, hi). */
export interface Bin {
  lo: number;
  hi: number;
  count: number;
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
