import type { SamplingRateBoostRecord, SamplingRuleRecord } from '@fluoro/store';
import { invalidRequest } from '../http/api-error.js';
import { asObject, optionalString } from '../http/read-input.js';

/** Account and region in the ARNs Fluoro makes up (as for groups). */
export const SAMPLING_RULE_ARN_PREFIX = 'arn:aws:xray:local:000000000000:sampling-rule/';
export const DEFAULT_RULE_NAME = 'Default';
/** X-Ray's Default rule comes after every rule a user can create (1..9999). */
const DEFAULT_PRIORITY = 10000;
const MAX_NAME_LENGTH = 32;
const MAX_ATTRIBUTES = 5;
/**
 * The longest boost cooldown Fluoro takes: a day. X-Ray sets no upper limit; Fluoro keeps the
 * boosts it started for a day (like the statistics), so a longer cooldown could not be honoured.
 */
export const MAX_BOOST_COOLDOWN_MINUTES = 1440;

/** The string members of a rule, their record field and X-Ray's length limit. */
const STRING_MEMBERS = [
  ['ResourceARN', 'resourceArn', 500],
  ['ServiceName', 'serviceName', 64],
  ['ServiceType', 'serviceType', 64],
  ['Host', 'host', 64],
  ['HTTPMethod', 'httpMethod', 10],
  ['URLPath', 'urlPath', 128],
] as const;

type StringField = (typeof STRING_MEMBERS)[number][1];

export const samplingRuleArn = (name: string): string => `${SAMPLING_RULE_ARN_PREFIX}${name}`;

/** The Default rule with these rates, as served before anyone stored one. */
export function defaultSamplingRule(
  rates: { fixedRate: number; reservoirSize: number },
  atUs: number,
): SamplingRuleRecord {
  return {
    name: DEFAULT_RULE_NAME,
    arn: samplingRuleArn(DEFAULT_RULE_NAME),
    resourceArn: '*',
    priority: DEFAULT_PRIORITY,
    fixedRate: rates.fixedRate,
    reservoirSize: rates.reservoirSize,
    serviceName: '*',
    serviceType: '*',
    host: '*',
    httpMethod: '*',
    urlPath: '*',
    version: 1,
    attributes: {},
    createdAtUs: atUs,
    modifiedAtUs: atUs,
  };
}

/**
 * CreateSamplingRule's `SamplingRule`, checked as X-Ray checks it: every member it requires is
 * present, numbers and strings within their limits, `Version` 1. Throws a 400 naming the member.
 */
export function toNewSamplingRule(body: unknown, nowUs: number): SamplingRuleRecord {
  const o = asObject(body);
  if (o['SamplingRule'] === undefined || o['SamplingRule'] === null)
    throw invalidRequest('SamplingRule is required');
  const r = member(o, 'SamplingRule');
  const name = optionalString(r, 'RuleName');
  if (name === undefined) throw invalidRequest('SamplingRule.RuleName is required');
  checkName(name, 'SamplingRule.RuleName');
  if (name === DEFAULT_RULE_NAME)
    throw invalidRequest('SamplingRule.RuleName: Default is reserved; change it with UpdateSamplingRule');
  const strings = {} as Record<StringField, string>;
  for (const [key, field, max] of STRING_MEMBERS) {
    const v = boundedString(r, key, max, 'SamplingRule');
    if (v === undefined) throw invalidRequest(`SamplingRule.${key} is required`);
    strings[field] = v;
  }
  const version = integer(r, 'Version', 'SamplingRule');
  if (version === undefined) throw invalidRequest('SamplingRule.Version is required');
  if (version !== 1) throw invalidRequest(`SamplingRule.Version must be 1, not ${version}`);
  const rate = required(fixedRate(r, 'SamplingRule'), 'SamplingRule.FixedRate');
  const boost = samplingRateBoost(r, 'SamplingRule', rate);
  return {
    name,
    arn: samplingRuleArn(name),
    ...strings,
    priority: required(priority(r, 'SamplingRule'), 'SamplingRule.Priority'),
    fixedRate: rate,
    reservoirSize: required(reservoirSize(r, 'SamplingRule'), 'SamplingRule.ReservoirSize'),
    version,
    attributes: attributes(r, 'SamplingRule') ?? {},
    ...(boost ? { boost } : {}),
    createdAtUs: nowUs,
    modifiedAtUs: nowUs,
  };
}

/** Which rule an Update or Delete names: `RuleName` or `RuleARN` (one of them is required). */
export function ruleNameOf(o: Record<string, unknown>, where: string): string {
  const name = optionalString(o, 'RuleName');
  const arn = optionalString(o, 'RuleARN');
  if (name === undefined && arn === undefined)
    throw invalidRequest(`${where}RuleName or RuleARN is required`);
  if (arn !== undefined) {
    const fromArn = arn.startsWith(SAMPLING_RULE_ARN_PREFIX)
      ? arn.slice(SAMPLING_RULE_ARN_PREFIX.length)
      : '';
    if (fromArn === '' || (name !== undefined && name !== fromArn))
      throw invalidRequest(`${where}RuleARN does not name a sampling rule of this Fluoro: ${arn}`);
    return fromArn;
  }
  return name as string;
}

/**
 * The rule after UpdateSamplingRule's `SamplingRuleUpdate`: members given replace the rule's,
 * within the same limits as at creation. `Default` takes only FixedRate, ReservoirSize and
 * SamplingRateBoost. `"SamplingRateBoost": null` removes the rule's boost (the AWS SDKs never
 * send null, so through them a boost is changed, not removed; MaxRate = FixedRate never boosts).
 */
export function applySamplingRuleUpdate(
  rule: SamplingRuleRecord,
  u: Record<string, unknown>,
  nowUs: number,
): SamplingRuleRecord {
  const where = 'SamplingRuleUpdate';
  const next: SamplingRuleRecord = { ...rule, modifiedAtUs: nowUs };
  for (const [key, field, max] of STRING_MEMBERS) {
    const v = boundedString(u, key, max, where);
    if (v !== undefined) next[field] = v;
  }
  next.priority = priority(u, where) ?? rule.priority;
  next.fixedRate = fixedRate(u, where) ?? rule.fixedRate;
  next.reservoirSize = reservoirSize(u, where) ?? rule.reservoirSize;
  next.attributes = attributes(u, where) ?? rule.attributes;
  if (u['SamplingRateBoost'] === null) delete next.boost;
  else {
    const boost = samplingRateBoost(u, where, next.fixedRate);
    if (boost) next.boost = boost;
    else if (next.boost && next.boost.maxRate < next.fixedRate)
      throw invalidRequest(
        `${where}.FixedRate ${next.fixedRate} is above the rule's SamplingRateBoost.MaxRate ${next.boost.maxRate}: raise MaxRate with it`,
      );
  }
  if (rule.name === DEFAULT_RULE_NAME) {
    const fields: [string, keyof SamplingRuleRecord][] = [
      ...STRING_MEMBERS.map(([key, field]): [string, keyof SamplingRuleRecord] => [key, field]),
      ['Priority', 'priority'],
      ['Attributes', 'attributes'],
    ];
    const changed = fields
      .filter(([, field]) => JSON.stringify(next[field]) !== JSON.stringify(rule[field]))
      .map(([key]) => key);
    if (changed.length > 0)
      throw invalidRequest(
        `${where}: the Default rule takes only FixedRate, ReservoirSize and SamplingRateBoost, not ${changed.join(', ')}`,
      );
  }
  return next;
}

/** A rule as X-Ray's `SamplingRuleRecord` (timestamps in epoch seconds). */
export function toApiRecord(r: SamplingRuleRecord) {
  return {
    SamplingRule: {
      RuleName: r.name,
      RuleARN: r.arn,
      ResourceARN: r.resourceArn,
      Priority: r.priority,
      FixedRate: r.fixedRate,
      ReservoirSize: r.reservoirSize,
      ServiceName: r.serviceName,
      ServiceType: r.serviceType,
      Host: r.host,
      HTTPMethod: r.httpMethod,
      URLPath: r.urlPath,
      Version: r.version,
      Attributes: r.attributes,
      ...(r.boost
        ? {
            SamplingRateBoost: {
              MaxRate: r.boost.maxRate,
              CooldownWindowMinutes: r.boost.cooldownWindowMinutes,
            },
          }
        : {}),
    },
    CreatedAt: r.createdAtUs / 1e6,
    ModifiedAt: r.modifiedAtUs / 1e6,
  };
}

function member(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = o[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalidRequest(`${key} must be an object`);
  return v as Record<string, unknown>;
}

function checkName(name: string, where: string): void {
  if (name.length < 1 || name.length > MAX_NAME_LENGTH)
    throw invalidRequest(`${where} must be 1 to ${MAX_NAME_LENGTH} characters`);
}

function required<T>(v: T | undefined, where: string): T {
  if (v === undefined) throw invalidRequest(`${where} is required`);
  return v;
}

function boundedString(
  o: Record<string, unknown>,
  key: string,
  max: number,
  where: string,
): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`${where}.${key} must be a string`);
  if (v.length > max)
    throw invalidRequest(`${where}.${key} must be at most ${max} characters, not ${v.length}`);
  return v;
}

function number(o: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidRequest(`${where}.${key} must be a number`);
  return v;
}

function integer(o: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = number(o, key, where);
  if (v !== undefined && !Number.isInteger(v))
    throw invalidRequest(`${where}.${key} must be a whole number, not ${v}`);
  return v;
}

function priority(o: Record<string, unknown>, where: string): number | undefined {
  const v = integer(o, 'Priority', where);
  if (v !== undefined && (v < 1 || v > 9999))
    throw invalidRequest(`${where}.Priority must be between 1 and 9999, not ${v}`);
  return v;
}

function fixedRate(o: Record<string, unknown>, where: string): number | undefined {
  const v = number(o, 'FixedRate', where);
  if (v !== undefined && (v < 0 || v > 1))
    throw invalidRequest(`${where}.FixedRate must be between 0 and 1, not ${v}`);
  return v;
}

function reservoirSize(o: Record<string, unknown>, where: string): number | undefined {
  const v = integer(o, 'ReservoirSize', where);
  if (v !== undefined && v < 0) throw invalidRequest(`${where}.ReservoirSize must be 0 or more, not ${v}`);
  return v;
}

function attributes(o: Record<string, unknown>, where: string): Record<string, string> | undefined {
  const v = o['Attributes'];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw invalidRequest(`${where}.Attributes must be an object`);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES)
    throw invalidRequest(
      `${where}.Attributes holds at most ${MAX_ATTRIBUTES} entries, not ${entries.length}`,
    );
  for (const [k, value] of entries) {
    if (k.length < 1 || k.length > MAX_NAME_LENGTH)
      throw invalidRequest(`${where}.Attributes: keys must be 1 to ${MAX_NAME_LENGTH} characters`);
    if (typeof value !== 'string' || value.length < 1 || value.length > MAX_NAME_LENGTH)
      throw invalidRequest(`${where}.Attributes.${k} must be a string of 1 to ${MAX_NAME_LENGTH} characters`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * `SamplingRateBoost` (adaptive sampling), when given: MaxRate 0..1 and at least the rule's
 * FixedRate (a boost never lowers the rate), CooldownWindowMinutes a whole number 1..1440.
 * X-Ray documents a minimum of 0 minutes; Fluoro wants at least one, the length of a boost, so
 * boosts never overlap.
 */
function samplingRateBoost(
  o: Record<string, unknown>,
  where: string,
  ruleFixedRate: number,
): SamplingRateBoostRecord | undefined {
  const v = o['SamplingRateBoost'];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw invalidRequest(`${where}.SamplingRateBoost must be an object`);
  const b = v as Record<string, unknown>;
  const at = `${where}.SamplingRateBoost`;
  const maxRate = required(number(b, 'MaxRate', at), `${at}.MaxRate`);
  if (maxRate < 0 || maxRate > 1)
    throw invalidRequest(`${at}.MaxRate must be between 0 and 1, not ${maxRate}`);
  if (maxRate < ruleFixedRate)
    throw invalidRequest(
      `${at}.MaxRate must be at least the rule's FixedRate ${ruleFixedRate}, not ${maxRate}`,
    );
  const cooldown = required(integer(b, 'CooldownWindowMinutes', at), `${at}.CooldownWindowMinutes`);
  if (cooldown < 1 || cooldown > MAX_BOOST_COOLDOWN_MINUTES)
    throw invalidRequest(
      `${at}.CooldownWindowMinutes must be between 1 and ${MAX_BOOST_COOLDOWN_MINUTES}, not ${cooldown}`,
    );
  return { maxRate, cooldownWindowMinutes: cooldown };
}
