/** How one segment or subsegment ended, as the X-Ray console colours it. */
export type Outcome = 'ok' | 'error' | 'fault' | 'throttle' | 'pending';

interface OutcomeFields {
  error?: boolean;
  fault?: boolean;
  throttle?: boolean;
  in_progress?: boolean;
  http?: { response?: { status?: number } };
}

/** throttle (429) before fault (5xx) before error (4xx); in-progress entities are pending. */
export function toOutcome(e: OutcomeFields): Outcome {
  const status = e.http?.response?.status;
  if (e.throttle || status === 429) return 'throttle';
  if (e.fault || (status !== undefined && status >= 500)) return 'fault';
  if (e.error || (status !== undefined && status >= 400 && status < 500)) return 'error';
  if (e.in_progress) return 'pending';
  return 'ok';
}

/** Outcome of a trace summary (X-Ray's HasFault / HasError / HasThrottle). */
export function summaryOutcome(s: {
  HasFault?: boolean;
  HasError?: boolean;
  HasThrottle?: boolean;
}): Outcome {
  if (s.HasThrottle) return 'throttle';
  if (s.HasFault) return 'fault';
  if (s.HasError) return 'error';
  return 'ok';
}
