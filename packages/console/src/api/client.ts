import type { TraceSummary } from '@fluoro/model/browser';
import type { RuleUpdate, SamplingRule, SamplingRuleRecord } from '../model/sampling-rules.js';
import type { XRayService } from '../model/service-graph.js';
import { type AuthRole, authHeaders, noteAuthStatus } from './auth.js';

/** An answer other than 2xx from Fluoro's API, with X-Ray's error name and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * POSTs JSON to an X-Ray operation path on the server that served the console, with the auth
 * token when one is held; a 401/403 also asks the user to sign in (but for a read-only token's
 * 403 AccessDeniedException, whose message the caller shows).
 */
export async function post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  noteAuthStatus(res.status, res.headers.get('x-amzn-errortype'));
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!res.ok) {
    const message =
      (json as { message?: string; Message?: string }).message ?? (json as { Message?: string }).Message;
    throw new ApiError(
      res.status,
      res.headers.get('x-amzn-errortype') ?? 'Error',
      message ?? `HTTP ${res.status}`,
    );
  }
  return json as T;
}

export interface SummariesPage {
  TraceSummaries: TraceSummary[];
  TracesProcessedCount?: number;
  ApproximateTime?: number;
  NextToken?: string;
}

/** GetTraceSummaries: one page, newest first. Times in epoch milliseconds. */
export function getTraceSummaries(
  q: { startMs: number; endMs: number; filter?: string; nextToken?: string },
  signal?: AbortSignal,
): Promise<SummariesPage> {
  return post<SummariesPage>(
    '/TraceSummaries',
    {
      StartTime: q.startMs / 1000,
      EndTime: q.endMs / 1000,
      ...(q.filter?.trim() ? { FilterExpression: q.filter } : {}),
      ...(q.nextToken ? { NextToken: q.nextToken } : {}),
    },
    signal,
  );
}

export interface TraceResult {
  Id: string;
  Duration?: number;
  LimitExceeded?: boolean;
  Segments: { Id: string; Document: string }[];
}

/** BatchGetTraces for one trace; undefined when the server does not have it. */
export async function getTrace(id: string, signal?: AbortSignal): Promise<TraceResult | undefined> {
  const r = await post<{ Traces?: TraceResult[] }>('/Traces', { TraceIds: [id] }, signal);
  return r.Traces?.[0];
}

/** GetServiceGraph over a range, following NextToken. Times in epoch milliseconds. */
export async function getServiceGraph(
  startMs: number,
  endMs: number,
  signal?: AbortSignal,
  groupName?: string,
): Promise<XRayService[]> {
  const out: XRayService[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await post<{ Services?: XRayService[]; NextToken?: string }>(
      '/ServiceGraph',
      {
        StartTime: startMs / 1000,
        EndTime: endMs / 1000,
        ...(groupName ? { GroupName: groupName } : {}),
        ...(token ? { NextToken: token } : {}),
      },
      signal,
    );
    out.push(...(r.Services ?? []));
    token = r.NextToken;
    if (!token) break;
  }
  return out;
}

/**
 * Up to `max` summaries matching a filter, following pages (for charts and analytics, which
 * work on what they fetched and say how many that was).
 */
export async function collectSummaries(
  q: { startMs: number; endMs: number; filter?: string },
  max: number,
  signal?: AbortSignal,
): Promise<{ summaries: TraceSummary[]; scanned: number; complete: boolean }> {
  const summaries: TraceSummary[] = [];
  let scanned = 0;
  let token: string | undefined;
  for (;;) {
    const page = await getTraceSummaries({ ...q, ...(token ? { nextToken: token } : {}) }, signal);
    summaries.push(...page.TraceSummaries);
    scanned += page.TracesProcessedCount ?? 0;
    token = page.NextToken;
    if (!token) return { summaries, scanned, complete: true };
    if (summaries.length >= max) return { summaries, scanned, complete: false };
  }
}

/** X-Ray's GroupSummary. */
export interface Group {
  GroupName: string;
  GroupARN?: string;
  FilterExpression?: string;
  InsightsConfiguration?: { InsightsEnabled?: boolean; NotificationsEnabled?: boolean };
}

/**
 * GetGroups, every page; undefined when the server has no group API (a 404), so pages can
 * hide group controls instead of failing.
 */
export async function getGroups(signal?: AbortSignal): Promise<Group[] | undefined> {
  const out: Group[] = [];
  let token: string | undefined;
  try {
    for (let page = 0; page < 50; page++) {
      const r = await post<{ Groups?: Group[]; NextToken?: string }>(
        '/Groups',
        token ? { NextToken: token } : {},
        signal,
      );
      out.push(...(r.Groups ?? []));
      token = r.NextToken;
      if (!token) break;
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
  return out;
}

/** CreateGroup or UpdateGroup (by name). */
export function saveGroup(
  g: { GroupName: string; FilterExpression: string },
  isNew: boolean,
): Promise<unknown> {
  return post(isNew ? '/CreateGroup' : '/UpdateGroup', g);
}

export function deleteGroup(name: string): Promise<unknown> {
  return post('/DeleteGroup', { GroupName: name });
}

/** GetSamplingRules, every page, in the server's order (lowest priority first, Default last). */
export async function getSamplingRules(signal?: AbortSignal): Promise<SamplingRuleRecord[]> {
  const out: SamplingRuleRecord[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const r = await post<{ SamplingRuleRecords?: SamplingRuleRecord[]; NextToken?: string }>(
      '/GetSamplingRules',
      token ? { NextToken: token } : {},
      signal,
    );
    out.push(...(r.SamplingRuleRecords ?? []));
    token = r.NextToken;
    if (!token) break;
  }
  return out;
}

/** CreateSamplingRule; rejects with the server's ApiError (a 400 naming the member) when refused. */
export function createSamplingRule(rule: SamplingRule): Promise<SamplingRuleRecord> {
  return post<{ SamplingRuleRecord: SamplingRuleRecord }>('/CreateSamplingRule', {
    SamplingRule: rule,
  }).then((r) => r.SamplingRuleRecord);
}

/** UpdateSamplingRule: the members given replace the named rule's. */
export function updateSamplingRule(update: RuleUpdate): Promise<SamplingRuleRecord> {
  return post<{ SamplingRuleRecord: SamplingRuleRecord }>('/UpdateSamplingRule', {
    SamplingRuleUpdate: update,
  }).then((r) => r.SamplingRuleRecord);
}

/** One rule's reports summed over clients (X-Ray's SamplingStatisticSummary). */
export interface SamplingStatisticSummary {
  RuleName: string;
  /** The window's start, epoch seconds (Fluoro sums the last minute of reports). */
  Timestamp: number;
  RequestCount: number;
  SampledCount: number;
  BorrowCount: number;
}

/** GetSamplingStatisticSummaries: the rules SDKs reported for in the last minute (one page). */
export function getSamplingStatisticSummaries(signal?: AbortSignal): Promise<SamplingStatisticSummary[]> {
  return post<{ SamplingStatisticSummaries?: SamplingStatisticSummary[] }>(
    '/SamplingStatisticSummaries',
    {},
    signal,
  ).then((r) => r.SamplingStatisticSummaries ?? []);
}

export function deleteSamplingRule(name: string): Promise<unknown> {
  return post('/DeleteSamplingRule', { RuleName: name });
}

/** Fluoro's GET /api/service-times: self time per service of one trace (microseconds). */
export interface ServiceTimesResult {
  traceId: string;
  durationUs: number;
  services: { name: string; type: string; inferred: boolean; selfUs: number; totalUs: number }[];
}

/** The server's time-in-service for a trace; undefined when the server has no such endpoint. */
export async function getServiceTimes(
  traceId: string,
  signal?: AbortSignal,
): Promise<ServiceTimesResult | undefined> {
  const res = await fetch(`/api/service-times?traceId=${encodeURIComponent(traceId)}`, {
    headers: authHeaders(),
    ...(signal ? { signal } : {}),
  });
  noteAuthStatus(res.status);
  if (!res.ok) return undefined;
  return (await res.json()) as ServiceTimesResult;
}

/**
 * What the server lets the held token do (`GET /api/auth`): `full`, or `read-only` (queries
 * only: no sampling-rule or group changes). Undefined when the server does not say (an older one).
 */
export async function getAuthRole(signal?: AbortSignal): Promise<AuthRole | undefined> {
  const res = await fetch('/api/auth', { headers: authHeaders(), ...(signal ? { signal } : {}) });
  noteAuthStatus(res.status, res.headers.get('x-amzn-errortype'));
  if (!res.ok) return undefined;
  const { role } = (await res.json()) as { role?: unknown };
  return role === 'full' || role === 'read-only' ? role : undefined;
}

/**
 * Whether the server takes `token`, asked at a protected endpoint without keeping it.
 * Resolves the token's role when it does, or a message saying why not.
 */
export async function checkToken(token: string): Promise<{ role: AuthRole | undefined } | { error: string }> {
  let res: Response;
  try {
    res = await fetch('/api/auth', { headers: { authorization: `Bearer ${token}` } });
  } catch (e) {
    return { error: `Cannot reach Fluoro: ${(e as Error).message}` };
  }
  if (res.status === 401 || res.status === 403)
    return { error: 'That is not the token this Fluoro was started with.' };
  if (!res.ok) return { error: `Fluoro answered HTTP ${res.status}.` };
  const { role } = (await res.json()) as { role?: unknown };
  return { role: role === 'full' || role === 'read-only' ? role : undefined };
}

/** One invocation of a service (a segment) as `GET /api/segments` lists it. */
export interface SegmentRow {
  traceId: string;
  id: string;
  name: string;
  startUs: number;
  /** null while in progress. */
  durationUs: number | null;
  inProgress: boolean;
  outcome: 'ok' | 'error' | 'fault' | 'throttle';
  httpMethod: string | null;
  httpUrl: string | null;
  httpStatus: number | null;
  /** The segment's annotations. */
  annotations: Record<string, string | number | boolean>;
}

export interface SegmentsPage {
  segments: SegmentRow[];
  /** Pass as `before` for the next (older) page; absent when none remain. */
  next?: string;
}

/** One page of a service's segments, newest first (`GET /api/segments`). Times in epoch milliseconds. */
export async function getSegments(
  q: {
    service: string;
    startMs: number;
    endMs: number;
    outcome?: string;
    /** Seconds: only invocations that took at least this long. */
    minDuration?: string;
    before?: string;
    limit?: number;
  },
  signal?: AbortSignal,
): Promise<SegmentsPage> {
  const href = `/api/segments?${new URLSearchParams({
    service: q.service,
    start: String(q.startMs / 1000),
    end: String(q.endMs / 1000),
    ...(q.limit ? { limit: String(q.limit) } : {}),
    ...(q.outcome ? { outcome: q.outcome } : {}),
    ...(q.minDuration ? { minDuration: q.minDuration } : {}),
    ...(q.before ? { before: q.before } : {}),
  })}`;
  const res = await fetch(href, { headers: authHeaders(), ...(signal ? { signal } : {}) });
  noteAuthStatus(res.status, res.headers.get('x-amzn-errortype'));
  // An error's body may be no JSON; an answer's must be (reading it fails when the search is
  // aborted, which must reach the caller as such, not as an empty page).
  const json = (await res.json().catch((e: unknown) => {
    if (res.ok) throw e;
    return {};
  })) as SegmentsPage & { message?: string };
  if (!res.ok)
    throw new ApiError(
      res.status,
      res.headers.get('x-amzn-errortype') ?? 'Error',
      json.message ?? `HTTP ${res.status}`,
    );
  return json;
}
