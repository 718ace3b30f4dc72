import type { TraceSummary } from '@fluoro/model/browser';
import { percentile } from './histogram.js';

/** One bucket of the time-series chart. */
export interface SeriesPoint {
  startMs: number;
  count: number;
  errorRate: number;
  faultRate: number;
  throttleRate: number;
  p50S: number;
  p90S: number;
  p99S: number;
}

/** Splits summaries into `buckets` equal time buckets over [startMs, endMs) by trace start. */
export function toSeries(
  summaries: TraceSummary[],
  startMs: number,
  endMs: number,
  buckets: number,
): SeriesPoint[] {
  const width = (endMs - startMs) / buckets;
  const groups: TraceSummary[][] = Array.from({ length: buckets }, () => []);
  for (const s of summaries) {
    const i = Math.floor((s.StartTime * 1000 - startMs) / width);
    if (i >= 0 && i < buckets) groups[i]!.push(s);
  }
  return groups.map((g, i) => {
    const times = g.map((s) => s.ResponseTime ?? s.Duration);
    const n = g.length;
    return {
      startMs: startMs + i * width,
      count: n,
      errorRate: n ? g.filter((s) => s.HasError).length / n : 0,
      faultRate: n ? g.filter((s) => s.HasFault).length / n : 0,
      throttleRate: n ? g.filter((s) => s.HasThrottle).length / n : 0,
      p50S: percentile(times, 50),
      p90S: percentile(times, 90),
      p99S: percentile(times, 99),
    };
  });
}

/** A row of a breakdown table: a value and its count in sets A and B. */
export interface BreakdownRow {
  value: string;
  a: number;
  b: number;
}

/** Counts of a field's values in two sets (B may be empty), most frequent in A first. */
export function breakdown(
  a: TraceSummary[],
  b: TraceSummary[],
  field: (s: TraceSummary) => string[],
  limit = 10,
): BreakdownRow[] {
  const rows = new Map<string, BreakdownRow>();
  const add = (set: TraceSummary[], side: 'a' | 'b') => {
    for (const s of set)
      for (const v of new Set(field(s))) {
        const r = rows.get(v) ?? { value: v, a: 0, b: 0 };
        r[side]++;
        rows.set(v, r);
      }
  };
  add(a, 'a');
  add(b, 'b');
  return [...rows.values()]
    .sort((x, y) => y.a - x.a || y.b - x.b || x.value.localeCompare(y.value))
    .slice(0, limit);
}

interface RootCauseLike {
  Services?: {
    Name?: string;
    EntityPath?: { Name?: string; Exceptions?: { Name?: string; Message?: string }[] }[];
  }[];
}

/** The root-cause kinds a summary can carry (X-Ray's GetTraceSummaries). */
export type RootCauseKind = 'fault' | 'error' | 'responsetime';

const FIELD: Record<RootCauseKind, string> = {
  fault: 'FaultRootCauses',
  error: 'ErrorRootCauses',
  responsetime: 'ResponseTimeRootCauses',
};

/**
 * A summary's root causes of one kind, each as "service: entity > entity (exception: message)",
 * with the service name to filter on.
 */
export function rootCauses(s: TraceSummary, kind: RootCauseKind): { label: string; service: string }[] {
  const list = (s as unknown as Record<string, RootCauseLike[] | undefined>)[FIELD[kind]] ?? [];
  const out: { label: string; service: string }[] = [];
  for (const rc of list)
    for (const svc of rc.Services ?? []) {
      const path = (svc.EntityPath ?? []).map((e) => e.Name ?? '?');
      const ex = (svc.EntityPath ?? []).flatMap((e) => e.Exceptions ?? []).at(-1);
      const name = svc.Name ?? '?';
      out.push({
        service: name,
        label: `${name}: ${path.join(' > ')}${ex ? ` (${ex.Name ?? 'exception'}: ${ex.Message ?? ''})` : ''}`,
      });
    }
  return out;
}
