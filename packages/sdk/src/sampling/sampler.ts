/** What a sampling rule can match on. */
export interface SamplingRequest {
  /** Host header (without port). */
  host?: string | undefined;
  /** HTTP method. */
  method?: string | undefined;
  /** URL path without the query string. */
  path?: string | undefined;
  /** The segment name. */
  serviceName: string;
  /** The segment's `origin` (e.g. `AWS::EC2::Instance`), if any. */
  serviceType?: string | undefined;
}

/**
 * Where a request's anomaly is counted for adaptive sampling: the segment that ends as one (a 5xx
 * or a failure with no status: `isAnomaly` in entity.ts) adds one.
 */
export interface AnomalyCounter {
  /** Anomalous requests, sampled or not. */
  anomalies: number;
  /** Anomalous requests that were sampled (recorded). */
  sampledAnomalies: number;
  /**
   * Whether the rule can be boosted, so its anomalies are worth watching for: only then does a
   * Node response that was not sampled get a listener for its status.
   */
  readonly boostable: boolean;
}

/** A sampling decision and the rule that made it. */
export interface SamplingDecision {
  sampled: boolean;
  /** Name of the matched centralized rule (recorded as `aws.xray.rule_name`). */
  ruleName?: string | undefined;
  /** The matched centralized rule's anomaly counts (adaptive sampling), if it keeps them. */
  counter?: AnomalyCounter | undefined;
}

/** Decides whether a new trace is recorded. Must be cheap and must never throw. */
export interface Sampler {
  /** `nowMs` (epoch milliseconds) defaults to the current time; tests pass it to pin the second. */
  shouldSample(request: SamplingRequest, nowMs?: number): SamplingDecision;
  /**
   * A trace whose sampling another service decided under `ruleName` (named in `tracestate`)
   * continues here: counts it for that rule and returns the rule's anomaly counter, when this
   * sampler has the rule and it can be boosted.
   */
  continuedTrace?(ruleName: string): AnomalyCounter | undefined;
  /** Starts background work (polling), if any. Called once, outside any trace context. */
  start?(): void;
  /** Stops background work. Safe to call twice. */
  stop?(): void;
}

/** A per-second budget: at most `perSecond` takes in each wall-clock second. */
export class Reservoir {
  private second = -1;
  private used = 0;
  constructor(public perSecond: number) {}

  /** Takes one unit from the current second's budget; false when it is spent. */
  take(nowMs: number = Date.now()): boolean {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.used = 0;
    }
    if (this.used >= this.perSecond) return false;
    this.used++;
    return true;
  }
}
