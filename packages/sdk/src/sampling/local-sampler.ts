import { wildcardMatch } from './glob.js';
import { Reservoir, type Sampler, type SamplingDecision, type SamplingRequest } from './sampler.js';

/** One local rule, in X-Ray's sampling-rules file format (version 2; version 1 uses `service_name`). */
export interface LocalSamplingRule {
  description?: string;
  host?: string;
  /** Version 1 files match the segment name instead of the host. */
  service_name?: string;
  http_method?: string;
  url_path?: string;
  /** Requests per second always sampled. */
  fixed_target: number;
  /** Fraction (0..1) of requests beyond `fixed_target` sampled. */
  rate: number;
}

/** X-Ray's local sampling-rules document. */
export interface LocalSamplingRules {
  version: 1 | 2;
  rules?: LocalSamplingRule[];
  default: { fixed_target: number; rate: number };
}

/** X-Ray's built-in default: the first request each second, then 5 %. */
export const DEFAULT_LOCAL_RULES: LocalSamplingRules = {
  version: 2,
  rules: [],
  default: { fixed_target: 1, rate: 0.05 },
};

interface CompiledRule {
  rule: LocalSamplingRule;
  reservoir: Reservoir;
}

/** Applies local rules in order (first match wins), then the default. */
export class LocalSampler implements Sampler {
  private readonly rules: CompiledRule[];
  private readonly fallback: CompiledRule;
  private readonly version: 1 | 2;

  constructor(rules: LocalSamplingRules = DEFAULT_LOCAL_RULES) {
    this.version = rules.version === 1 ? 1 : 2;
    this.rules = (rules.rules ?? []).map((rule) => ({ rule, reservoir: new Reservoir(rule.fixed_target) }));
    const d = rules.default ?? DEFAULT_LOCAL_RULES.default;
    this.fallback = { rule: { ...d }, reservoir: new Reservoir(d.fixed_target) };
  }

  shouldSample(request: SamplingRequest, nowMs: number = Date.now()): SamplingDecision {
    for (const compiled of this.rules) {
      if (this.matches(compiled.rule, request)) return { sampled: decide(compiled, nowMs) };
    }
    return { sampled: decide(this.fallback, nowMs) };
  }

  private matches(rule: LocalSamplingRule, r: SamplingRequest): boolean {
    const first = this.version === 1 ? (rule.service_name ?? '*') : (rule.host ?? '*');
    const firstValue = this.version === 1 ? r.serviceName : (r.host ?? '');
    return (
      wildcardMatch(first, firstValue) &&
      wildcardMatch(rule.http_method ?? '*', r.method ?? '') &&
      wildcardMatch(rule.url_path ?? '*', r.path ?? '')
    );
  }
}

function decide(compiled: CompiledRule, nowMs: number): boolean {
  if (compiled.reservoir.take(nowMs)) return true;
  const rate = compiled.rule.rate;
  return rate >= 1 || (rate > 0 && Math.random() < rate);
}
