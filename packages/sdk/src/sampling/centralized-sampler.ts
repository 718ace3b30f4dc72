import { request as httpRequest } from 'node:http';
import { newClientId } from '../ids.js';
import type { Logger } from '../logger.js';
import { wildcardMatch } from './glob.js';
import {
  type AnomalyCounter,
  Reservoir,
  type Sampler,
  type SamplingDecision,
  type SamplingRequest,
} from './sampler.js';

// Captured at load time: the outgoing-HTTP instrumentation patches `http.request`, and the
// sampler's own calls must never be traced.
const rawRequest = httpRequest;

/** A rule as `GetSamplingRules` returns it (the fields the SDK uses). */
export interface SamplingRuleDocument {
  RuleName?: string;
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host: string;
  HTTPMethod: string;
  URLPath: string;
  ResourceARN: string;
  Version: number;
  Attributes?: Record<string, string>;
  /** Adaptive sampling: the rule may be boosted (SamplingTargets' SamplingBoost) up to MaxRate. */
  SamplingRateBoost?: { MaxRate: number; CooldownWindowMinutes: number };
}

/** Polling intervals and the fallback used while no rules are known. */
export interface CentralizedSamplerOptions {
  host: string;
  port: number;
  fallback: Sampler;
  logger: Logger;
  /** Rule refresh period; X-Ray's default is 5 minutes. */
  rulesIntervalMs?: number;
  /** Statistics/target period; X-Ray's default is 10 seconds (the server may change it). */
  targetsIntervalMs?: number;
  /** The ServiceName of the SamplingBoostStatisticsDocuments (the recorder's segment name). */
  serviceName?: string;
  /** The clock reports and targets are read by (epoch ms); tests move it. */
  nowMs?: () => number;
}

const RULES_INTERVAL_MS = 5 * 60_000;
const TARGETS_INTERVAL_MS = 10_000;
/** Rules not refreshed for this long are dropped in favour of the local fallback. */
const RULE_CACHE_TTL_MS = 60 * 60_000;
const REQUEST_TIMEOUT_MS = 2_000;

class CentralRule implements AnomalyCounter {
  fixedRate: number;
  /** Adaptive sampling: the rate SamplingTargets set instead of fixedRate, and until when (ms). */
  boostRate = 0;
  boostExpiresMs = 0;
  /** Quota assigned by the server (per second) and when it expires (ms). */
  quota: Reservoir | undefined;
  quotaExpiresMs = 0;
  readonly borrow = new Reservoir(1);
  requests = 0;
  sampled = 0;
  borrows = 0;
  /** Traces another service decided under this rule that continued here (adaptive sampling). */
  continued = 0;
  // Counted by the segments this rule decided, or that continue its traces, when anomalies.
  anomalies = 0;
  sampledAnomalies = 0;

  readonly doc: SamplingRuleDocument;
  readonly boostable: boolean;

  constructor(doc: SamplingRuleDocument) {
    // Missing match fields mean "any", so a sparse rule never throws while matching.
    this.doc = {
      ...doc,
      ServiceName: doc.ServiceName ?? '*',
      ServiceType: doc.ServiceType ?? '*',
      Host: doc.Host ?? '*',
      HTTPMethod: doc.HTTPMethod ?? '*',
      URLPath: doc.URLPath ?? '*',
      ReservoirSize: doc.ReservoirSize ?? 0,
    };
    this.fixedRate = doc.FixedRate;
    this.boostable = doc.SamplingRateBoost !== undefined && doc.SamplingRateBoost !== null;
  }

  get name(): string {
    return this.doc.RuleName ?? '';
  }

  matches(r: SamplingRequest): boolean {
    const d = this.doc;
    return (
      wildcardMatch(d.ServiceName, r.serviceName) &&
      wildcardMatch(d.ServiceType, r.serviceType ?? '') &&
      wildcardMatch(d.Host, r.host ?? '') &&
      wildcardMatch(d.HTTPMethod, r.method ?? '') &&
      wildcardMatch(d.URLPath, r.path ?? '')
    );
  }

  decide(nowMs: number): boolean {
    this.requests++;
    let take = false;
    if (this.quota && nowMs < this.quotaExpiresMs) take = this.quota.take(nowMs);
    else if (this.doc.ReservoirSize > 0 && this.borrow.take(nowMs)) {
      // No quota yet (or expired): borrow one trace per second, as X-Ray's SDKs do.
      this.borrows++;
      take = true;
    }
    if (take || Math.random() < (nowMs < this.boostExpiresMs ? this.boostRate : this.fixedRate)) {
      this.sampled++;
      return true;
    }
    return false;
  }
}

/**
 * X-Ray centralized sampling: rules from `POST /GetSamplingRules`, reservoir quotas from
 * `POST /SamplingTargets`, both on the daemon's TCP address. Falls back to local rules until
 * rules arrive or when they are more than an hour old. Network failures are logged once.
 */
export class CentralizedSampler implements Sampler {
  private rules: CentralRule[] = [];
  private rulesFetchedMs = 0;
  private readonly clientId = newClientId();
  private timers: NodeJS.Timeout[] = [];
  private failing = false;
  private stopped = false;

  constructor(private readonly options: CentralizedSamplerOptions) {}

  private now(): number {
    return this.options.nowMs ? this.options.nowMs() : Date.now();
  }

  shouldSample(request: SamplingRequest, nowMs: number = Date.now()): SamplingDecision {
    if (this.rules.length === 0 || nowMs - this.rulesFetchedMs > RULE_CACHE_TTL_MS) {
      return this.options.fallback.shouldSample(request, nowMs);
    }
    for (const rule of this.rules) {
      if (rule.matches(request)) return { sampled: rule.decide(nowMs), ruleName: rule.name, counter: rule };
    }
    return this.options.fallback.shouldSample(request, nowMs);
  }

  continuedTrace(ruleName: string): AnomalyCounter | undefined {
    for (const rule of this.rules) {
      if (rule.name !== ruleName) continue;
      if (!rule.boostable) return undefined;
      rule.continued++;
      return rule;
    }
    return undefined;
  }

  /** Names of the rules in use, in priority order (empty until the first fetch succeeds). */
  ruleNames(): string[] {
    return this.rules.map((r) => r.name);
  }

  start(): void {
    if (this.timers.length > 0 || this.stopped) return;
    const rulesEvery = this.options.rulesIntervalMs ?? RULES_INTERVAL_MS;
    const targetsEvery = this.options.targetsIntervalMs ?? TARGETS_INTERVAL_MS;
    void this.refreshRules();
    this.timers.push(
      setInterval(() => void this.refreshRules(), rulesEvery + Math.random() * 5_000).unref(),
      setInterval(() => void this.refreshTargets(), targetsEvery + Math.random() * 100).unref(),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Fetches rules now (also used by tests and by `start`). Resolves true on success. */
  async refreshRules(): Promise<boolean> {
    const body = await this.post('/GetSamplingRules', {});
    const records = (body?.['SamplingRuleRecords'] as { SamplingRule?: SamplingRuleDocument }[]) ?? undefined;
    if (!Array.isArray(records)) return false;
    const previous = new Map(this.rules.map((r) => [r.name, r]));
    const rules: CentralRule[] = [];
    for (const record of records) {
      const doc = record?.SamplingRule;
      if (!doc || !isUsable(doc)) continue;
      const rule = new CentralRule(doc);
      const old = previous.get(rule.name);
      if (old) {
        rule.quota = old.quota;
        rule.quotaExpiresMs = old.quotaExpiresMs;
        rule.boostRate = old.boostRate;
        rule.boostExpiresMs = old.boostExpiresMs;
        // Counts since the last report still belong to the rule of that name.
        rule.requests = old.requests;
        rule.sampled = old.sampled;
        rule.borrows = old.borrows;
        rule.anomalies = old.anomalies;
        rule.sampledAnomalies = old.sampledAnomalies;
      }
      rules.push(rule);
    }
    rules.sort((a, b) => a.doc.Priority - b.doc.Priority || a.name.localeCompare(b.name));
    this.rules = rules;
    this.rulesFetchedMs = Date.now();
    return true;
  }

  /** Reports statistics and applies the returned quotas. Resolves true on success. */
  async refreshTargets(): Promise<boolean> {
    if (this.rules.length === 0) return false;
    const nowMs = this.now();
    const timestamp = nowMs / 1000;
    const boostDocs: Record<string, unknown>[] = [];
    const docs = this.rules.map((r) => {
      const doc = {
        RuleName: r.name,
        ClientID: this.clientId,
        RequestCount: r.requests,
        SampledCount: r.sampled,
        BorrowCount: r.borrows,
        Timestamp: timestamp,
      };
      // Anomaly counts go only to rules that can be boosted: no other rule uses them.
      if (r.boostable)
        boostDocs.push({
          RuleName: r.name,
          ServiceName: (this.options.serviceName ?? '').slice(0, 64),
          Timestamp: timestamp,
          AnomalyCount: r.anomalies,
          TotalCount: r.requests + r.continued,
          SampledAnomalyCount: Math.min(r.sampledAnomalies, r.anomalies),
        });
      r.requests = 0;
      r.sampled = 0;
      r.borrows = 0;
      r.continued = 0;
      r.anomalies = 0;
      r.sampledAnomalies = 0;
      return doc;
    });
    const body = await this.post('/SamplingTargets', {
      SamplingStatisticsDocuments: docs,
      ...(boostDocs.length > 0 ? { SamplingBoostStatisticsDocuments: boostDocs } : {}),
    });
    const targets = body?.['SamplingTargetDocuments'];
    if (!Array.isArray(targets)) return false;
    const byName = new Map(this.rules.map((r) => [r.name, r]));
    for (const t of targets as Record<string, unknown>[]) {
      const rule = byName.get(String(t['RuleName']));
      if (!rule) continue;
      if (typeof t['FixedRate'] === 'number') rule.fixedRate = t['FixedRate'];
      if (typeof t['ReservoirQuota'] === 'number') {
        rule.quota = new Reservoir(t['ReservoirQuota']);
        rule.quotaExpiresMs = toEpochMs(t['ReservoirQuotaTTL']) ?? nowMs + TARGETS_INTERVAL_MS;
      }
      // A target says whether the rule is boosted: one without a SamplingBoost ends a boost.
      const boost = t['SamplingBoost'] as { BoostRate?: unknown; BoostRateTTL?: unknown } | undefined;
      const boostRate = boost?.BoostRate;
      const boostUntil = toEpochMs(boost?.BoostRateTTL);
      if (typeof boostRate === 'number' && boostRate >= 0 && boostRate <= 1 && boostUntil !== undefined) {
        rule.boostRate = boostRate;
        rule.boostExpiresMs = boostUntil;
      } else rule.boostExpiresMs = 0;
    }
    const modified = toEpochMs(body?.['LastRuleModification']);
    if (modified !== undefined && modified > this.rulesFetchedMs) await this.refreshRules();
    return true;
  }

  private post(path: string, payload: unknown): Promise<Record<string, unknown> | undefined> {
    const { host, port, logger } = this.options;
    return new Promise((resolve) => {
      const data = JSON.stringify(payload);
      const fail = (why: string) => {
        if (!this.failing)
          logger.warn(`sampling: ${path} on ${host}:${port} failed (${why}); using local rules`);
        this.failing = true;
        resolve(undefined);
      };
      try {
        const req = rawRequest(
          {
            host,
            port,
            path,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
            timeout: REQUEST_TIMEOUT_MS,
            agent: false,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', (e) => fail(e.message));
            res.on('end', () => {
              if ((res.statusCode ?? 0) >= 300) return fail(`HTTP ${res.statusCode}`);
              try {
                const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
                this.failing = false;
                resolve(parsed);
              } catch {
                fail('response is not JSON');
              }
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', (e) => fail(e.message));
        req.on('socket', (s) => s.unref());
        req.end(data);
      } catch (e) {
        fail((e as Error).message);
      }
    });
  }
}

/** The SDKs use only rules for any resource, without attributes, of version 1. */
function isUsable(doc: SamplingRuleDocument): boolean {
  return (
    doc.Version === 1 &&
    doc.ResourceARN === '*' &&
    (!doc.Attributes || Object.keys(doc.Attributes).length === 0) &&
    typeof doc.FixedRate === 'number' &&
    typeof doc.Priority === 'number'
  );
}

/** The API sends timestamps as epoch seconds; tolerate ISO strings too. */
function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string') {
    const n = Date.parse(value);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}
