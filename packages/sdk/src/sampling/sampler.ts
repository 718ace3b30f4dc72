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

/** A sampling decision and the rule that made it. */
export interface SamplingDecision {
  sampled: boolean;
  /** Name of the matched centralized rule (recorded as `aws.xray.rule_name`). */
  ruleName?: string | undefined;
}

/** Decides whether a new trace is recorded. Must be cheap and must never throw. */
export interface Sampler {
  /** `nowMs` (epoch milliseconds) defaults to the current time; tests pass it to pin the second. */
  shouldSample(request: SamplingRequest, nowMs?: number): SamplingDecision;
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
