import type { RangeSpec } from '../model/time-range.js';

/** The time range kept in the URL: `last=15m`, or `from` and `to` in epoch milliseconds. */
export function rangeFromParams(p: URLSearchParams): RangeSpec {
  const from = Number(p.get('from'));
  const to = Number(p.get('to'));
  if (p.get('from') && p.get('to') && Number.isFinite(from) && Number.isFinite(to))
    return { fromMs: from, toMs: to };
  return { last: p.get('last') ?? undefined } as RangeSpec;
}

export function rangeToParams(r: RangeSpec): Record<string, string | number | undefined> {
  return r.fromMs !== undefined && r.toMs !== undefined
    ? { from: r.fromMs, to: r.toMs, last: undefined }
    : { last: r.last, from: undefined, to: undefined };
}
