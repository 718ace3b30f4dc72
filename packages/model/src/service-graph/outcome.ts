import type { SpanRow } from '../span-row.js';

/** How one request ended, as X-Ray's statistics count it: each request is exactly one of these. */
export type Outcome = 'ok' | 'error' | 'throttle' | 'fault';

/**
 * The outcome of a segment or a call: a fault (5xx or the fault flag) wins over a throttle
 * (429 or the throttle flag), which is also an error; other 4xx or the error flag is an error.
 */
export function toOutcome(r: Pick<SpanRow, 'fault' | 'error' | 'throttle' | 'httpStatus'>): Outcome {
  const s = r.httpStatus;
  if (r.fault || (s !== null && s >= 500 && s < 600)) return 'fault';
  if (r.throttle || s === 429) return 'throttle';
  if (r.error || (s !== null && s >= 400 && s < 500)) return 'error';
  return 'ok';
}

/** Request counts and summed duration: additive, so rows merge by adding. */
export interface Counts {
  count: number;
  ok: number;
  /** 4xx other than throttles. */
  error: number;
  throttle: number;
  fault: number;
  /** Sum of durations, integer microseconds. */
  sumDurationUs: number;
}

export function emptyCounts(): Counts {
  return { count: 0, ok: 0, error: 0, throttle: 0, fault: 0, sumDurationUs: 0 };
}

/** Adds `b` into `a` (mutates and returns `a`). */
export function addCounts(a: Counts, b: Counts): Counts {
  a.count += b.count;
  a.ok += b.ok;
  a.error += b.error;
  a.throttle += b.throttle;
  a.fault += b.fault;
  a.sumDurationUs += b.sumDurationUs;
  return a;
}

/** X-Ray's `ServiceStatistics` / `EdgeStatistics` (TotalResponseTime in seconds). */
export interface XRayStatistics {
  OkCount: number;
  ErrorStatistics: { ThrottleCount: number; OtherCount: number; TotalCount: number };
  FaultStatistics: { OtherCount: number; TotalCount: number };
  TotalCount: number;
  TotalResponseTime: number;
}

export function toXRayStatistics(c: Counts): XRayStatistics {
  return {
    OkCount: c.ok,
    ErrorStatistics: { ThrottleCount: c.throttle, OtherCount: c.error, TotalCount: c.error + c.throttle },
    FaultStatistics: { OtherCount: c.fault, TotalCount: c.fault },
    TotalCount: c.count,
    TotalResponseTime: c.sumDurationUs / 1e6,
  };
}
