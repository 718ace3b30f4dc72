import type {
  SamplingBoostRecord,
  SamplingBoostStatisticsRecord,
  SamplingBoostStatisticsSum,
  SamplingRuleRecord,
  SamplingStatisticsRecord,
  Store,
} from '@fluoro/store';
import { ApiError, invalidRequest } from '../http/api-error.js';
import { asObject, optionalString } from '../http/read-input.js';
import { quotaAmong, ReservoirShares } from './reservoir-shares.js';
import { BOOST_WINDOW_S, boostStatisticsOf, currentBoost, type UnprocessedBoost } from './sampling-boost.js';
import {
  applySamplingRuleUpdate,
  DEFAULT_RULE_NAME,
  defaultSamplingRule,
  ruleNameOf,
  toApiRecord,
  toNewSamplingRule,
} from './sampling-rule-input.js';

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
/** SamplingTargets answers from rules read from the store at most this long ago. */
const RULES_MAX_AGE_MS = TARGET_INTERVAL_S * 1000;
/** A client shares a rule's reservoir this long after its last report (two report intervals). */
const CLIENT_ACTIVE_MS = 2 * TARGET_INTERVAL_S * 1000;
/** How long a quota handed out stays valid if the client hears nothing more. */
const QUOTA_TTL_S = 5 * 60;
/**
 * GetSamplingStatisticSummaries sums the reports received in this window before the call:
 * six report intervals, so every client has reported several times and one late or missed
 * report moves the numbers little.
 */
export const STATISTICS_WINDOW_S = 60;
/** GetSamplingRules page size. */
const PAGE_SIZE = 100;
/**
 * Rules a user may create besides `Default`, X-Ray's quota. The SDKs fetch one page of rules
 * and report at most 25 rules' statistics per SamplingTargets call (X-Ray's limit on
 * `SamplingStatisticsDocuments`), so more rules than this would not all work in them.
 */
export const MAX_SAMPLING_RULES = 25;

type Body = { body: unknown };

export interface SamplingApiOptions {
  /** The clock SamplingTargets reads (epoch ms): tests move it to cross boost TTLs and cooldowns. */
  nowMs?: () => number;
}

/**
 * X-Ray's sampling API over the store's rules: what the SDKs poll on the daemon address
 * (GetSamplingRules, SamplingTargets) and rule management (Create/Update/DeleteSamplingRule).
 * `Default` is always served: the stored one, else Fluoro's default rates. `defaultRates` are
 * rates given explicitly at start (`fluoro up --sampling-rate/--sampling-reservoir`): they
 * replace the stored Default's and are stored. Rejects when the store cannot be read at start.
 */
export async function samplingApi(
  store: Store,
  defaultRates: Partial<DefaultSamplingRule> = {},
  options: SamplingApiOptions = {},
) {
  const clock = options.nowMs ?? Date.now;
  const startedUs = Date.now() * 1000;
  // The boosts this process started: handed out even when the store cannot be read, and
  // never started twice by two calls that both read the store before either wrote.
  const startedBoosts = new Map<string, SamplingBoostRecord>();
  const shares = new ReservoirShares(CLIENT_ACTIVE_MS);
  let cached: { rules: SamplingRuleRecord[]; readAtMs: number; seq: number } | undefined;
  let reads = 0;
  let signature = '';
  // When this process last saw the rules change (a delete leaves no ModifiedAt behind); at start
  // it is the start, so SDK clients that fetched rules from elsewhere fetch them again once.
  let changedAtUs = startedUs;
  let statisticsFailing = false;

  /** Reads the rules from the store (Default added when none is stored) and caches them. */
  const load = async (): Promise<SamplingRuleRecord[]> => {
    const seq = ++reads;
    const stored = await store.listSamplingRules();
    const rules = stored.some((r) => r.name === DEFAULT_RULE_NAME)
      ? [...stored]
      : [...stored, defaultSamplingRule(FLUORO_DEFAULT_SAMPLING, startedUs)];
    // The order NextToken pages by, whatever the store's collation.
    rules.sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Reads that finish out of order must not put older rules back.
    if (cached && cached.seq > seq) return rules;
    const next = JSON.stringify(rules.map((r) => [r.name, r.modifiedAtUs]));
    if (signature !== '' && next !== signature) changedAtUs = Math.max(changedAtUs, Date.now() * 1000);
    signature = next;
    cached = { rules, readAtMs: Date.now(), seq };
    return rules;
  };
  /** The rules, read from the store unless the last read is younger than `maxAgeMs`. */
  const rules = async (maxAgeMs: number): Promise<SamplingRuleRecord[]> => {
    if (cached && Date.now() - cached.readAtMs < maxAgeMs) return cached.rules;
    try {
      return await load();
    } catch (e) {
      // The SDKs keep sampling by the last rules Fluoro could read rather than none.
      if (!cached) throw e;
      return cached.rules;
    }
  };
  const find = async (name: string): Promise<SamplingRuleRecord> => {
    const rule = (await load()).find((r) => r.name === name);
    if (!rule) throw invalidRequest(`Sampling rule not found: ${name}`);
    return rule;
  };
  const save = async (rule: SamplingRuleRecord) => {
    await store.putSamplingRule(rule);
    changedAtUs = Math.max(changedAtUs, rule.modifiedAtUs);
    await load();
    return { SamplingRuleRecord: toApiRecord(rule) };
  };

  // Rates given at start win over the stored Default, and are stored for the next start.
  const current = (await load()).find((r) => r.name === DEFAULT_RULE_NAME) as SamplingRuleRecord;
  const wanted = {
    ...current,
    ...(defaultRates.fixedRate !== undefined ? { fixedRate: defaultRates.fixedRate } : {}),
    ...(defaultRates.reservoirSize !== undefined ? { reservoirSize: defaultRates.reservoirSize } : {}),
  };
  if (wanted.fixedRate !== current.fixedRate || wanted.reservoirSize !== current.reservoirSize) {
    await store.putSamplingRule({ ...wanted, modifiedAtUs: Date.now() * 1000 });
    await load();
  }

  return {
    getSamplingRules: async ({ body }: Body) => {
      const token = optionalString(asObject(body), 'NextToken');
      const all = await rules(0);
      const after = token === undefined ? undefined : fromToken(token);
      const rest = after
        ? all.filter((r) => r.priority > after[0] || (r.priority === after[0] && r.name > after[1]))
        : all;
      const page = rest.slice(0, PAGE_SIZE);
      const last = page[page.length - 1];
      return {
        SamplingRuleRecords: page.map(toApiRecord),
        ...(rest.length > PAGE_SIZE && last ? { NextToken: toToken(last) } : {}),
      };
    },
    getSamplingTargets: async ({ body }: Body) => {
      const docs = asObject(body)['SamplingStatisticsDocuments'];
      const boostDocs = asObject(body)['SamplingBoostStatisticsDocuments'];
      const byName = new Map((await rules(RULES_MAX_AGE_MS)).map((r) => [r.name, r]));
      const nowMs = clock();
      const boostStatistics: SamplingBoostStatisticsRecord[] = [];
      const unprocessedBoosts: UnprocessedBoost[] = [];
      for (const d of Array.isArray(boostDocs) ? boostDocs : []) {
        const checked = boostStatisticsOf(d, nowMs * 1000);
        if ('ErrorCode' in checked) unprocessedBoosts.push(checked);
        else if (!byName.has(checked.ruleName))
          unprocessedBoosts.push({
            RuleName: checked.ruleName,
            ErrorCode: 'ResourceNotFoundException',
            Message: `no sampling rule named ${checked.ruleName}`,
          });
        else boostStatistics.push(checked);
      }
      const matched = new Map<string, { rule: SamplingRuleRecord; clientId: string }>();
      const unknown = new Set<string>();
      const statistics: SamplingStatisticsRecord[] = [];
      for (const d of Array.isArray(docs) ? docs : []) {
        const { RuleName: name, ClientID: clientId } = (d ?? {}) as {
          RuleName?: unknown;
          ClientID?: unknown;
        };
        if (typeof name !== 'string' || matched.has(name)) continue;
        const rule = byName.get(name);
        if (!rule) {
          unknown.add(name);
          continue;
        }
        const counts = statisticsOf(d);
        if (counts && typeof clientId === 'string')
          statistics.push({ ruleName: name, clientId, receivedUs: nowMs * 1000, ...counts });
        matched.set(name, { rule, clientId: String(clientId) });
      }
      // Which clients reported each rule lately, to every collector over this store: a rule's
      // reservoir is split among all of them, not handed whole to the clients of each process.
      let reporting: Map<string, string[]> | undefined;
      // The SDK needs its targets more than Fluoro needs the counts: a store that cannot take
      // them costs the numbers of this report and a split among this process's clients only.
      // Adaptive sampling: the last boost and the recent anomaly counts of the boosted rules.
      const boosted = [...matched.values()].flatMap(({ rule }) => (rule.boost ? [rule] : []));
      let lastBoosts = new Map<string, SamplingBoostRecord>();
      let anomalies = new Map<string, SamplingBoostStatisticsSum>();
      try {
        await store.addSamplingStatistics(statistics);
        if (boostStatistics.length > 0) await store.addSamplingBoostStatistics(boostStatistics);
        const longestCooldownMin = Math.max(0, ...boosted.map((r) => r.boost?.cooldownWindowMinutes ?? 0));
        const [recent, boosts, counts] = await Promise.all([
          store.samplingStatisticsSince((nowMs - CLIENT_ACTIVE_MS) * 1000),
          boosted.length > 0 ? store.samplingBoostsSince((nowMs - longestCooldownMin * 60e3) * 1000) : [],
          boosted.length > 0
            ? store.samplingBoostStatisticsSince((nowMs - BOOST_WINDOW_S * 1000) * 1000)
            : [],
        ]);
        reporting = new Map(recent.map((s) => [s.ruleName, s.clients]));
        lastBoosts = new Map(boosts.map((b) => [b.ruleName, b]));
        anomalies = new Map(counts.map((c) => [c.ruleName, c]));
        statisticsFailing = false;
      } catch (e) {
        if (!statisticsFailing)
          console.error(
            `fluoro: storing sampling statistics failed (until it works again): ${(e as Error).message}`,
          );
        statisticsFailing = true;
      }
      const boostOf = async (rule: SamplingRuleRecord) => {
        const stored = lastBoosts.get(rule.name);
        const mine = startedBoosts.get(rule.name);
        const last = mine && (!stored || mine.startedUs > stored.startedUs) ? mine : stored;
        // Without the store's counts a process could start a boost another already started.
        const counts = reporting ? anomalies.get(rule.name) : undefined;
        const now = currentBoost(rule, last, counts, nowMs * 1000);
        if (now?.started) {
          startedBoosts.set(rule.name, now.boost);
          await store.addSamplingBoost(now.boost).catch((e: Error) => {
            console.error(`fluoro: storing a sampling boost failed: ${e.message}`);
          });
        }
        return now && { BoostRate: now.boost.rate, BoostRateTTL: now.boost.expiresUs / 1e6 };
      };
      const targets = [];
      for (const [name, { rule, clientId }] of matched) {
        const local = shares.quota(name, clientId, rule.reservoirSize, nowMs);
        const clients = reporting?.get(name);
        const all = clients?.includes(clientId) ? clients : clients && [...clients, clientId].sort();
        const boost = rule.boost ? await boostOf(rule) : undefined;
        targets.push({
          RuleName: name,
          FixedRate: rule.fixedRate,
          ReservoirQuota: all ? quotaAmong(all, clientId, rule.reservoirSize) : local,
          ReservoirQuotaTTL: nowMs / 1000 + QUOTA_TTL_S,
          Interval: TARGET_INTERVAL_S,
          ...(boost ? { SamplingBoost: boost } : {}),
        });
      }
      const lastModifiedUs = Math.max(changedAtUs, ...[...byName.values()].map((r) => r.modifiedAtUs));
      return {
        SamplingTargetDocuments: targets,
        // Rounded up: the SDKs compare it with the whole second they last fetched rules in, so
        // a change in that same second would otherwise never make them fetch again.
        LastRuleModification: Math.ceil(lastModifiedUs / 1e6),
        UnprocessedStatistics: [...unknown].map((RuleName) => ({
          RuleName,
          ErrorCode: 'ResourceNotFoundException',
          Message: `no sampling rule named ${RuleName}`,
        })),
        ...(Array.isArray(boostDocs) ? { UnprocessedBoostStatistics: unprocessedBoosts } : {}),
      };
    },
    getSamplingStatisticSummaries: async ({ body }: Body) => {
      // Every rule fits one page, so no NextToken is ever returned and none is valid.
      if (optionalString(asObject(body), 'NextToken') !== undefined)
        throw invalidRequest('NextToken is not a token this operation returned');
      const sinceUs = (Date.now() - STATISTICS_WINDOW_S * 1000) * 1000;
      const [sums, current] = await Promise.all([store.samplingStatisticsSince(sinceUs), rules(0)]);
      // A rule deleted within the window no longer has a summary.
      const names = new Set(current.map((r) => r.name));
      return {
        SamplingStatisticSummaries: sums
          .filter((s) => names.has(s.ruleName))
          .map((s) => ({
            RuleName: s.ruleName,
            Timestamp: sinceUs / 1e6,
            RequestCount: s.requestCount,
            SampledCount: s.sampledCount,
            BorrowCount: s.borrowCount,
          })),
      };
    },
    createSamplingRule: async ({ body }: Body) => {
      const rule = toNewSamplingRule(body, Date.now() * 1000);
      const existing = await load();
      if (existing.some((r) => r.name === rule.name))
        throw invalidRequest(`SamplingRule.RuleName: a sampling rule named ${rule.name} already exists`);
      if (existing.filter((r) => r.name !== DEFAULT_RULE_NAME).length >= MAX_SAMPLING_RULES)
        throw new ApiError(
          400,
          'RuleLimitExceededException',
          `at most ${MAX_SAMPLING_RULES} sampling rules besides Default, as in X-Ray: delete one first`,
        );
      return save(rule);
    },
    updateSamplingRule: async ({ body }: Body) => {
      const o = asObject(body);
      const u = o['SamplingRuleUpdate'];
      if (typeof u !== 'object' || u === null || Array.isArray(u))
        throw invalidRequest('SamplingRuleUpdate is required and must be an object');
      const update = u as Record<string, unknown>;
      const rule = await find(ruleNameOf(update, 'SamplingRuleUpdate.'));
      return save(applySamplingRuleUpdate(rule, update, Date.now() * 1000));
    },
    deleteSamplingRule: async ({ body }: Body) => {
      const name = ruleNameOf(asObject(body), '');
      if (name === DEFAULT_RULE_NAME) throw invalidRequest('the Default sampling rule cannot be deleted');
      const rule = await find(name);
      if (!(await store.deleteSamplingRule(name))) throw invalidRequest(`Sampling rule not found: ${name}`);
      shares.forget(name);
      changedAtUs = Math.max(changedAtUs, Date.now() * 1000);
      await load();
      return { SamplingRuleRecord: toApiRecord(rule) };
    },
  };
}

/**
 * The counts of a SamplingStatisticsDocument, or undefined when one is missing or not a
 * non-negative integer (BorrowCount may be absent: X-Ray makes it optional).
 */
function statisticsOf(
  d: unknown,
): { requestCount: number; sampledCount: number; borrowCount: number } | undefined {
  const o = d as Record<string, unknown>;
  const count = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined);
  const requestCount = count(o['RequestCount']);
  const sampledCount = count(o['SampledCount']);
  const borrowCount = o['BorrowCount'] === undefined ? 0 : count(o['BorrowCount']);
  if (requestCount === undefined || sampledCount === undefined || borrowCount === undefined) return undefined;
  return { requestCount, sampledCount, borrowCount };
}

function toToken(r: SamplingRuleRecord): string {
  return Buffer.from(JSON.stringify([r.priority, r.name])).toString('base64url');
}

function fromToken(token: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // answered below
  }
  throw invalidRequest('NextToken is not a token this operation returned');
}
