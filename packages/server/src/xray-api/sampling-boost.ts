import type {
  SamplingBoostRecord,
  SamplingBoostStatisticsRecord,
  SamplingBoostStatisticsSum,
  SamplingRuleRecord,
} from '@fluoro/store';

/**
 * Adaptive sampling's boost, as Fluoro decides it (ADR 0008). X-Ray documents what a boost is
 * (a temporary rate of at most `MaxRate`, "the minimum boost needed to capture error traces",
 * none "if your baseline rate captures enough data", boosts of up to a minute, one per cooldown
 * window) but not its formula; this is Fluoro's, written to be simple to predict:
 *
 * - Anomalies are what the SDKs report in SamplingBoostStatisticsDocuments, summed per rule over
 *   every service and client for the last `BOOST_WINDOW_S` (from the store, so every collector
 *   sees all of them).
 * - "Enough" is `BOOST_TARGET_ANOMALIES` anomalous traces kept in that window. When the reports
 *   say as many were sampled, or there was no anomaly, there is no boost.
 * - Otherwise the rate is the smallest that would have kept that many of the window's
 *   anomalies, `BOOST_TARGET_ANOMALIES / AnomalyCount`, capped at `MaxRate`; a rate not above
 *   the rule's FixedRate is no boost.
 * - A boost lasts `BOOST_TTL_S`, and none starts within `CooldownWindowMinutes` of the rule's
 *   previous one (measured from its start). While it lasts every client gets the same boost.
 */
export const BOOST_WINDOW_S = 60;
export const BOOST_TARGET_ANOMALIES = 10;
export const BOOST_TTL_S = 60;

/** One invalid SamplingBoostStatisticsDocument, as X-Ray's UnprocessedStatistics. */
export interface UnprocessedBoost {
  RuleName?: string;
  ErrorCode: string;
  Message: string;
}

/**
 * Checks one SamplingBoostStatisticsDocument against X-Ray's shape: RuleName 1..32 characters,
 * ServiceName at most 64, a Timestamp, counts that are whole numbers ≥ 0 and
 * SampledAnomalyCount ≤ AnomalyCount. Returns the record, or why it is refused.
 */
export function boostStatisticsOf(
  d: unknown,
  receivedUs: number,
): SamplingBoostStatisticsRecord | UnprocessedBoost {
  if (typeof d !== 'object' || d === null || Array.isArray(d))
    return {
      ErrorCode: 'InvalidRequestException',
      Message: 'a SamplingBoostStatisticsDocument must be an object',
    };
  const o = d as Record<string, unknown>;
  const name = o['RuleName'];
  const invalid = (Message: string): UnprocessedBoost => ({
    ...(typeof name === 'string' ? { RuleName: name } : {}),
    ErrorCode: 'InvalidRequestException',
    Message,
  });
  if (typeof name !== 'string' || name.length < 1 || name.length > 32)
    return invalid('RuleName must be a string of 1 to 32 characters');
  const service = o['ServiceName'];
  if (typeof service !== 'string' || service.length > 64)
    return invalid('ServiceName must be a string of at most 64 characters');
  const ts = o['Timestamp'];
  if (
    !(typeof ts === 'number' && Number.isFinite(ts)) &&
    !(typeof ts === 'string' && !Number.isNaN(Date.parse(ts)))
  )
    return invalid('Timestamp is required (epoch seconds)');
  const counts: number[] = [];
  for (const key of ['AnomalyCount', 'TotalCount', 'SampledAnomalyCount']) {
    const v = o[key];
    if (!Number.isSafeInteger(v) || (v as number) < 0)
      return invalid(`${key} must be a whole number, 0 or more`);
    counts.push(v as number);
  }
  const [anomalyCount = 0, totalCount = 0, sampledAnomalyCount = 0] = counts;
  if (sampledAnomalyCount > anomalyCount)
    return invalid(`SampledAnomalyCount ${sampledAnomalyCount} is more than AnomalyCount ${anomalyCount}`);
  return { ruleName: name, serviceName: service, receivedUs, anomalyCount, totalCount, sampledAnomalyCount };
}

/** The rate a new boost of `rule` would set after these anomaly counts, or undefined for none. */
export function boostRate(
  rule: SamplingRuleRecord,
  counts: SamplingBoostStatisticsSum | undefined,
): number | undefined {
  if (!rule.boost || !counts || counts.anomalyCount === 0) return undefined;
  if (counts.sampledAnomalyCount >= BOOST_TARGET_ANOMALIES) return undefined;
  const rate = Math.min(rule.boost.maxRate, BOOST_TARGET_ANOMALIES / counts.anomalyCount);
  return rate > rule.fixedRate ? rate : undefined;
}

/**
 * The boost `rule` has at `nowUs`: the last one while it lasts (its rate capped by the rule's
 * current MaxRate, in case that was lowered since), else a new one when the cooldown since the
 * last has passed and the counts call for it (`start`), else none.
 */
export function currentBoost(
  rule: SamplingRuleRecord,
  last: SamplingBoostRecord | undefined,
  counts: SamplingBoostStatisticsSum | undefined,
  nowUs: number,
): { boost: SamplingBoostRecord; started: boolean } | undefined {
  const config = rule.boost;
  if (!config) return undefined;
  if (last && nowUs < last.expiresUs) {
    const rate = Math.min(last.rate, config.maxRate);
    return rate > rule.fixedRate ? { boost: { ...last, rate }, started: false } : undefined;
  }
  if (last && nowUs - last.startedUs < config.cooldownWindowMinutes * 60e6) return undefined;
  const rate = boostRate(rule, counts);
  if (rate === undefined) return undefined;
  return {
    boost: { ruleName: rule.name, startedUs: nowUs, rate, expiresUs: nowUs + BOOST_TTL_S * 1e6 },
    started: true,
  };
}
