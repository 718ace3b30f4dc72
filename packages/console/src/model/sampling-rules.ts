/**
 * Sampling rules as the Settings page shows and edits them: X-Ray's shapes, their order, and
 * the form's text fields to and from the API's members (pure, no I/O).
 */

/** X-Ray's SamplingRule: which requests a rule matches (`*` and `?` wildcards) and how many it traces. */
export interface SamplingRule {
  RuleName: string;
  RuleARN?: string;
  ResourceARN: string;
  /** 1 (matched first) to 9999; `Default` is 10000. */
  Priority: number;
  /** Share of requests traced once the reservoir is used up, 0 to 1. */
  FixedRate: number;
  /** Requests traced per second before FixedRate applies, for all clients together. */
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host: string;
  HTTPMethod: string;
  URLPath: string;
  Version: number;
  Attributes?: Record<string, string>;
  /** Adaptive sampling: a temporary rate of up to MaxRate when the rule's services see errors. */
  SamplingRateBoost?: SamplingRateBoost;
}

/** X-Ray's SamplingRateBoost: at most MaxRate (FixedRate to 1), one boost per cooldown window. */
export interface SamplingRateBoost {
  MaxRate: number;
  CooldownWindowMinutes: number;
}

/** X-Ray's SamplingRuleRecord (times in epoch seconds). */
export interface SamplingRuleRecord {
  SamplingRule: SamplingRule;
  CreatedAt?: number;
  ModifiedAt?: number;
}

/** The fallback rule every server has: matches everything, cannot be renamed or deleted. */
export const DEFAULT_RULE_NAME = 'Default';

/** A rule being created or edited, as the form's inputs hold it (the rate in percent). */
export interface RuleForm {
  name: string;
  priority: string;
  ratePercent: string;
  reservoir: string;
  serviceName: string;
  serviceType: string;
  host: string;
  httpMethod: string;
  urlPath: string;
  resourceArn: string;
  /** The boost's MaxRate in percent; empty for no boost. */
  boostPercent: string;
  /** The boost's cooldown window in minutes. */
  boostCooldown: string;
}

/** A new rule's starting values: match everything, trace 1 a second and 5% of the rest (X-Ray's own Default). */
export const NEW_RULE_FORM: RuleForm = {
  name: '',
  priority: '1000',
  ratePercent: '5',
  reservoir: '1',
  serviceName: '*',
  serviceType: '*',
  host: '*',
  httpMethod: '*',
  urlPath: '*',
  resourceArn: '*',
  boostPercent: '',
  boostCooldown: '10',
};

/** Rules in the order the SDKs try them: lowest priority first, ties by name, `Default` last. */
export function orderRules(records: readonly SamplingRuleRecord[]): SamplingRuleRecord[] {
  const rank = (r: SamplingRule) => (r.RuleName === DEFAULT_RULE_NAME ? 1 : 0);
  return [...records].sort(
    (a, b) =>
      rank(a.SamplingRule) - rank(b.SamplingRule) ||
      a.SamplingRule.Priority - b.SamplingRule.Priority ||
      (a.SamplingRule.RuleName < b.SamplingRule.RuleName
        ? -1
        : a.SamplingRule.RuleName > b.SamplingRule.RuleName
          ? 1
          : 0),
  );
}

/**
 * Whether the X-Ray SDKs ignore this rule: they skip rules for a particular resource
 * (ResourceARN not `*`) and rules with attributes, which they cannot match.
 */
export function skippedBySdks(r: SamplingRule): boolean {
  return r.ResourceARN !== '*' || Object.keys(r.Attributes ?? {}).length > 0;
}

/** A rule's boost for people: "up to 50%, every 10 min", or "—" for none. */
export function formatBoost(r: SamplingRule): string {
  const b = r.SamplingRateBoost;
  return b ? `up to ${formatRate(b.MaxRate)}, every ${b.CooldownWindowMinutes} min` : '—';
}

/** A FixedRate (0–1) as a percentage for people: 0.05 → "5%", 0.333333 → "33.33%". */
export function formatRate(fixedRate: number): string {
  return `${Number((fixedRate * 100).toFixed(2))}%`;
}

// Rounded to 12 significant digits so 0.07 shows as 7, not 7.000000000000001, and back.
const toPercent = (rate: number): number => Number((rate * 100).toPrecision(12));
const toRate = (percent: number): number => Number((percent / 100).toPrecision(12));

/** The form's values for an existing rule. */
export function toRuleForm(r: SamplingRule): RuleForm {
  return {
    name: r.RuleName,
    priority: String(r.Priority),
    ratePercent: String(toPercent(r.FixedRate)),
    reservoir: String(r.ReservoirSize),
    serviceName: r.ServiceName,
    serviceType: r.ServiceType,
    host: r.Host,
    httpMethod: r.HTTPMethod,
    urlPath: r.URLPath,
    resourceArn: r.ResourceARN,
    boostPercent: r.SamplingRateBoost ? String(toPercent(r.SamplingRateBoost.MaxRate)) : '',
    boostCooldown: String(r.SamplingRateBoost?.CooldownWindowMinutes ?? NEW_RULE_FORM.boostCooldown),
  };
}

/** What the form turned into: the API's members, or what the user must fix first. */
export type FormResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Reads the numbers the browser cannot send as text. Ranges are the server's to check (its
 * message names the member), except the rate's, which the form takes in percent.
 */
function numbers(f: RuleForm): FormResult<{
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  SamplingRateBoost: SamplingRateBoost | null;
}> {
  const read = (text: string, label: string): number | string => {
    const v = text.trim() === '' ? Number.NaN : Number(text);
    return Number.isFinite(v) ? v : `${label} must be a number`;
  };
  const priority = read(f.priority, 'Priority');
  const percent = read(f.ratePercent, 'Fixed rate (%)');
  const reservoir = read(f.reservoir, 'Reservoir');
  const boosted = f.boostPercent.trim() !== '';
  const boostPercent = boosted ? read(f.boostPercent, 'Boost up to (%)') : 0;
  const cooldown = boosted ? read(f.boostCooldown, 'Boost cooldown (minutes)') : 0;
  for (const v of [priority, percent, reservoir, boostPercent, cooldown])
    if (typeof v === 'string') return { ok: false, error: v };
  for (const [label, v] of [
    ['Fixed rate (%)', percent],
    ['Boost up to (%)', boostPercent],
  ] as const)
    if ((v as number) < 0 || (v as number) > 100)
      return { ok: false, error: `${label} must be between 0 and 100, not ${v}` };
  return {
    ok: true,
    value: {
      Priority: priority as number,
      FixedRate: toRate(percent as number),
      ReservoirSize: reservoir as number,
      // Null removes a boost (Fluoro takes it; the AWS SDKs cannot send it).
      SamplingRateBoost: boosted
        ? { MaxRate: toRate(boostPercent as number), CooldownWindowMinutes: cooldown as number }
        : null,
    },
  };
}

/** The members saying which requests a rule matches, as typed. */
const matchMembers = (f: RuleForm) => ({
  ResourceARN: f.resourceArn,
  ServiceName: f.serviceName,
  ServiceType: f.serviceType,
  Host: f.host,
  HTTPMethod: f.httpMethod,
  URLPath: f.urlPath,
});

/** CreateSamplingRule's `SamplingRule` from the form (Version 1, no attributes). */
export function toNewRule(f: RuleForm): FormResult<SamplingRule> {
  const n = numbers(f);
  if (!n.ok) return n;
  const { SamplingRateBoost, ...rest } = n.value;
  return {
    ok: true,
    value: {
      RuleName: f.name,
      ...matchMembers(f),
      ...rest,
      Version: 1,
      ...(SamplingRateBoost ? { SamplingRateBoost } : {}),
    },
  };
}

/** UpdateSamplingRule's `SamplingRuleUpdate`: a rule's members, a boost of null removing one. */
export type RuleUpdate = Partial<Omit<SamplingRule, 'SamplingRateBoost'>> & {
  RuleName: string;
  SamplingRateBoost?: SamplingRateBoost | null;
};

/**
 * UpdateSamplingRule's `SamplingRuleUpdate` from the form: `Default` sends its rate, reservoir
 * and boost only (all the server takes for it); other rules every member but the name, so
 * their attributes, which the form does not show, are kept. An empty boost sends null.
 */
export function toRuleUpdate(f: RuleForm): FormResult<RuleUpdate> {
  const n = numbers(f);
  if (!n.ok) return n;
  const { FixedRate, ReservoirSize, SamplingRateBoost } = n.value;
  if (f.name === DEFAULT_RULE_NAME)
    return { ok: true, value: { RuleName: f.name, FixedRate, ReservoirSize, SamplingRateBoost } };
  return { ok: true, value: { RuleName: f.name, ...matchMembers(f), ...n.value } };
}
