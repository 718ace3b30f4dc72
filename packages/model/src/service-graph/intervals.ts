/** A half-open time interval [startUs, endUs) in integer microseconds. */
export type Interval = readonly [startUs: number, endUs: number];

/** Merges overlapping and touching intervals; the result is sorted and disjoint. */
export function unionIntervals(list: Interval[]): Interval[] {
  const sorted = list.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Total length of the union of the intervals (overlaps counted once). */
export function coveredUs(list: Interval[]): number {
  return unionIntervals(list).reduce((sum, [s, e]) => sum + (e - s), 0);
}

/** Length of `base`'s union that no interval of `minus` covers. */
export function uncoveredUs(base: Interval[], minus: Interval[]): number {
  const a = unionIntervals(base);
  const b = unionIntervals(minus);
  let total = 0;
  let j = 0;
  for (const [s, e] of a) {
    let cur = s;
    while (j < b.length && (b[j] as Interval)[1] <= cur) j++;
    for (let k = j; k < b.length && cur < e; k++) {
      const [bs, be] = b[k] as Interval;
      if (bs >= e) break;
      if (bs > cur) total += bs - cur;
      cur = Math.max(cur, be);
    }
    if (cur < e) total += e - cur;
  }
  return total;
}
