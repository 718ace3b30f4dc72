import { asObject } from '../http/read-input.js';

export interface DefaultSamplingRule {
  /** Fraction of requests traced after the reservoir, 0..1. Fluoro's default 1; X-Ray's 0.05. */
  fixedRate: number;
  /** Requests per second traced before the fixed rate applies. Fluoro's default 1; X-Ray's 1. */
  reservoirSize: number;
}

/**
 * Fluoro's `Default` rule traces every request: Fluoro has no per-trace bill, and "every API
 * request" is what a developer running it locally expects to see. X-Ray's own default (the first
 * request each second, then 5%) is `--sampling-rate 0.05 --sampling-reservoir 1`.
 */
export const FLUORO_DEFAULT_SAMPLING: DefaultSamplingRule = { fixedRate: 1, reservoirSize: 1 };

/** Seconds between the SDKs' statistics reports, as X-Ray tells them. */
const TARGET_INTERVAL_S = 10;

/**
 * The sampling service the SDKs poll on the daemon address (GetSamplingRules, SamplingTargets).
 * It serves X-Ray's built-in `Default` rule; one Fluoro process hands every client the whole
 * reservoir. Rule management (Create/Update/DeleteSamplingRule) is not built yet.
 */
export function samplingApi(rule: DefaultSamplingRule, startedAtS: number) {
  const record = {
    SamplingRule: {
      RuleName: 'Default',
      RuleARN: 'arn:aws:xray:local:000000000000:sampling-rule/Default',
      ResourceARN: '*',
      Priority: 10000,
      FixedRate: rule.fixedRate,
      ReservoirSize: rule.reservoirSize,
      ServiceName: '*',
      ServiceType: '*',
      Host: '*',
      HTTPMethod: '*',
      URLPath: '*',
      Version: 1,
      Attributes: {},
    },
    CreatedAt: startedAtS,
    ModifiedAt: startedAtS,
  };
  return {
    getSamplingRules: () => ({ SamplingRuleRecords: [record] }),
    getSamplingTargets: ({ body }: { body: unknown }) => {
      const docs = asObject(body)['SamplingStatisticsDocuments'];
      const names = Array.isArray(docs)
        ? [
            ...new Set(
              docs.map((d) => (d as { RuleName?: unknown }).RuleName).filter((n) => typeof n === 'string'),
            ),
          ]
        : [];
      const now = Date.now() / 1000;
      return {
        SamplingTargetDocuments: names
          .filter((n) => n === 'Default')
          .map((RuleName) => ({
            RuleName,
            FixedRate: rule.fixedRate,
            ReservoirQuota: rule.reservoirSize,
            ReservoirQuotaTTL: now + 5 * 60,
            Interval: TARGET_INTERVAL_S,
          })),
        LastRuleModification: startedAtS,
        UnprocessedStatistics: names
          .filter((n) => n !== 'Default')
          .map((RuleName) => ({ RuleName, ErrorCode: 'ResourceNotFoundException', Message: 'no such rule' })),
      };
    },
  };
}
