/**
 * Response-time histograms with a fixed, data-independent bucketing: a duration in integer
 * microseconds is rounded down to two significant digits (below 100 µs: kept as is). Stores
 * compute the same bucket in SQL (`durationBucketSql`), so histograms merge across time
 * buckets, stores and traces, and any bound with at most two significant digits in µs (5 ms,
 * 250 ms, 1.5 s, …) falls on a bucket edge, which makes re-bucketing to such bounds exact.
 * A bucket spans at most 10% of its lower edge, which bounds the error of percentiles.
 */
export function durationBucketUs(durationUs: number): number {
  const d = Math.max(0, Math.trunc(durationUs));
  if (d < 100) return d;
  let step = 1;
  while (d >= step * 100 && step < MAX_STEP_US) step *= 10;
  return Math.floor(d / step) * step;
}

/** Widest bucket: from 10^12 µs (11.6 days) up, buckets stay 10^10 µs wide. */
const MAX_STEP_US = 1e10;

/**
 * The same bucketing as `durationBucketUs`, as an SQL expression over a non-negative integer
 * expression; `intDiv(a, b)` writes integer division in the store's dialect.
 */
export function durationBucketSql(expr: string, intDiv: (a: string, b: string) => string): string {
  const parts = [`WHEN ${expr} < 100 THEN ${expr}`];
  for (let step = 10; step < MAX_STEP_US; step *= 10) {
    parts.push(`WHEN ${expr} < ${step * 100} THEN ${intDiv(expr, String(step))} * ${step}`);
  }
  return `(CASE ${parts.join(' ')} ELSE ${intDiv(expr, String(MAX_STEP_US))} * ${MAX_STEP_US} END)`;
}

/** Histogram: bucket lower edge (µs) → count. */
export type Histogram = Map<number, number>;

export function addToHistogram(h: Histogram, bucketUs: number, count: number): void {
  h.set(bucketUs, (h.get(bucketUs) ?? 0) + count);
}

/** X-Ray's `HistogramEntry[]`: bucket lower edges in seconds, ascending. */
export function toHistogramEntries(h: Histogram): { Value: number; Count: number }[] {
  return [...h].sort(([a], [b]) => a - b).map(([us, count]) => ({ Value: us / 1e6, Count: count }));
}

/**
 * The q-quantile (0 < q ≤ 1) of the durations in a histogram, in µs: the lower edge of the
 * bucket holding the ⌈q·n⌉-th smallest duration (at most 10% below the true value). Null when empty.
 */
export function quantileUs(h: Histogram, q: number): number | null {
  const sorted = [...h].sort(([a], [b]) => a - b);
  const n = sorted.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (const [us, c] of sorted) {
    seen += c;
    if (seen >= rank) return us;
  }
  return sorted.at(-1)?.[0] ?? null;
}

/**
 * Re-buckets a histogram to caller-chosen upper bounds (µs, ascending): bucket i counts the
 * durations in [bounds[i-1], bounds[i]), and a last bucket (`leUs: null`) counts the rest.
 */
export function toDistribution(
  h: Histogram,
  boundsUs: number[],
): { geUs: number; ltUs: number | null; count: number }[] {
  const out = boundsUs.map((b, i) => ({
    geUs: i === 0 ? 0 : (boundsUs[i - 1] as number),
    ltUs: b as number | null,
    count: 0,
  }));
  out.push({ geUs: boundsUs.at(-1) ?? 0, ltUs: null, count: 0 });
  for (const [us, c] of h) {
    let i = boundsUs.findIndex((b) => us < b);
    if (i === -1) i = boundsUs.length;
    const slot = out[i];
    if (slot) slot.count += c;
  }
  return out;
}
