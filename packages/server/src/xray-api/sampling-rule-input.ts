import type { SamplingRuleRecord } from '@fluoro/store';
import { invalidRequest } from '../http/api-error.js';
import { asObject, optionalString } from '../http/read-input.js';

/** Account and region in the ARNs Fluoro makes up (as for groups). */
export const SAMPLING_RULE_ARN_PREFIX = 'arn:aws:xray:local:000000000000:sampling-rule/';
export const DEFAULT_RULE_NAME = 'Default';
/** X-Ray's Default rule comes after every rule a user can create (1..9999). */
const DEFAULT_PRIORITY = 10000;
const MAX_NAME_LENGTH = 32;
const MAX_ATTRIBUTES = 5;

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
  rejectBoost(r, 'SamplingRule');
  return {
    name,
    arn: samplingRuleArn(name),
    ...strings,
    priority: required(priority(r, 'SamplingRule'), 'SamplingRule.Priority'),
    fixedRate: required(fixedRate(r, 'SamplingRule'), 'SamplingRule.FixedRate'),
    reservoirSize: required(reservoirSize(r, 'SamplingRule'), 'SamplingRule.ReservoirSize'),
    version,
    attributes: attributes(r, 'SamplingRule') ?? {},
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
 * within the same limits as at creation. `Default` takes only FixedRate and ReservoirSize.
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
  rejectBoost(u, where);
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
        `${where}: the Default rule takes only FixedRate and ReservoirSize, not ${changed.join(', ')}`,
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

/** Adaptive sampling's boost is not built: refuse it rather than store a rule that ignores it. */
function rejectBoost(o: Record<string, unknown>, where: string): void {
  if (o['SamplingRateBoost'] !== undefined && o['SamplingRateBoost'] !== null)
    throw invalidRequest(`${where}.SamplingRateBoost is not supported by Fluoro`);
}
