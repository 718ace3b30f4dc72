import type { TimelineRow } from './timeline.js';

/** Time spent in one service (or downstream resource), self time only, in seconds. */
export interface ServiceTime {
  name: string;
  selfS: number;
  /** Share of the summed self time of the whole trace, 0..1. */
  share: number;
}

/**
 * Self time per service: each row's duration minus the union of its children's intervals.
 * Calls to remote resources (namespace `aws` or `remote`) count for the resource they call,
 * so a slow DynamoDB or HTTP dependency shows as its own slice. Largest first.
 */
export function toServiceTimes(rows: TimelineRow[]): ServiceTime[] {
  const children = new Map<number, [number, number][]>();
  for (const r of rows) {
    if (r.parentIndex < 0) continue;
    const list = children.get(r.parentIndex) ?? [];
    list.push([r.startS, r.endS]);
    children.set(r.parentIndex, list);
  }
  const totals = new Map<string, number>();
  for (const r of rows) {
    const dur = Math.max(0, r.endS - r.startS);
    const covered = unionWithin(children.get(r.index) ?? [], r.startS, r.endS);
    const self = Math.max(0, dur - covered);
    const key = r.namespace === 'aws' || r.namespace === 'remote' ? r.name : r.service;
    totals.set(key, (totals.get(key) ?? 0) + self);
  }
  const sum = [...totals.values()].reduce((a, b) => a + b, 0);
  return [...totals]
    .map(([name, selfS]) => ({ name, selfS, share: sum > 0 ? selfS / sum : 0 }))
    .sort((a, b) => b.selfS - a.selfS || a.name.localeCompare(b.name));
}

/** Length of the union of intervals, each clipped to [lo, hi]. */
export function unionWithin(intervals: [number, number][], lo: number, hi: number): number {
  const clipped = intervals
    .map(([a, b]): [number, number] => [Math.max(a, lo), Math.min(b, hi)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curA = Number.NaN;
  let curB = Number.NaN;
  for (const [a, b] of clipped) {
    if (Number.isNaN(curA) || a > curB) {
      if (!Number.isNaN(curA)) total += curB - curA;
      curA = a;
      curB = b;
    } else if (b > curB) curB = b;
  }
  if (!Number.isNaN(curA)) total += curB - curA;
  return total;
}
