import type { SpanRow } from './span-row.js';
import { toTraceTree } from './trace-tree.js';
import type { AnnotationValue } from './wire.js';

/** X-Ray's `ServiceId`. */
export interface ServiceId {
  Name: string;
  Names: string[];
  Type?: string;
  AccountId?: string;
}

/** X-Ray's `TraceSummary` (the fields Fluoro fills), times in epoch seconds. */
export interface TraceSummary {
  Id: string;
  StartTime: number;
  Duration: number;
  ResponseTime?: number;
  HasFault: boolean;
  HasError: boolean;
  HasThrottle: boolean;
  IsPartial: boolean;
  Http?: {
    HttpURL?: string;
    HttpStatus?: number;
    HttpMethod?: string;
    UserAgent?: string;
    ClientIp?: string;
  };
  Annotations: Record<string, { AnnotationValue: AnnotationValueJson; ServiceIds: ServiceId[] }[]>;
  Users: { UserName: string; ServiceIds: ServiceId[] }[];
  ServiceIds: ServiceId[];
  ResourceARNs: { ARN: string }[];
  InstanceIds: { Id: string }[];
  AvailabilityZones: { Name: string }[];
  EntryPoint?: ServiceId;
  Revision: number;
  MatchedEventTime: number;
}

export type AnnotationValueJson =
  | { StringValue: string }
  | { NumberValue: number }
  | { BooleanValue: boolean };

/** Computes a trace's summary from all its span rows, as X-Ray's GetTraceSummaries reports it. */
export function toTraceSummary(rows: SpanRow[]): TraceSummary {
  const tree = toTraceTree(rows);
  const { root } = tree;
  const all = tree.rows;
  const startUs = Math.min(...all.map((r) => r.startUs));
  const ends = all.map((r) => r.endUs).filter((e): e is number => e !== null);
  const endUs = ends.length > 0 ? Math.max(...ends) : startUs;
  const services = new Map<string, ServiceId>();
  const serviceOf = (r: SpanRow): ServiceId | undefined => {
    const seg = tree.ownerOf(r);
    if (!seg) return undefined;
    const key = `${seg.name}\u0000${seg.origin}`;
    let s = services.get(key);
    if (!s) {
      s = { Name: seg.name, Names: [seg.name], ...(seg.origin ? { Type: seg.origin } : {}) };
      if (seg.accountId) s.AccountId = seg.accountId;
      services.set(key, s);
    }
    return s;
  };
  const annotations = new Map<string, Map<string, { value: AnnotationValue; services: Set<ServiceId> }>>();
  const users = new Map<string, Set<ServiceId>>();
  const arns = new Set<string>();
  const instances = new Set<string>();
  const zones = new Set<string>();
  for (const r of all) {
    const svc = serviceOf(r);
    for (const a of r.annotations) {
      const byValue = annotations.get(a.key) ?? new Map();
      annotations.set(a.key, byValue);
      const vk = `${typeof a.value}:${String(a.value)}`;
      const entry = byValue.get(vk) ?? { value: a.value, services: new Set() };
      byValue.set(vk, entry);
      if (svc) entry.services.add(svc);
    }
    if (r.user) {
      const set = users.get(r.user) ?? new Set();
      users.set(r.user, set);
      if (svc) set.add(svc);
    }
    if (r.resourceArn) arns.add(r.resourceArn);
    if (r.instanceId) instances.add(r.instanceId);
    if (r.availabilityZone) zones.add(r.availabilityZone);
  }
  const entry = root ? serviceOf(root) : undefined;
  const http =
    root && (root.httpUrl || root.httpStatus !== null || root.httpMethod) ? rootHttp(root) : undefined;
  const rootFault = root ? root.fault || (root.httpStatus !== null && root.httpStatus >= 500) : false;
  const rootError = root
    ? root.error || (root.httpStatus !== null && root.httpStatus >= 400 && root.httpStatus < 500)
    : false;
  return {
    Id: all[0]?.traceId ?? '',
    StartTime: startUs / 1e6,
    Duration: (endUs - startUs) / 1e6,
    ...(root?.endUs != null ? { ResponseTime: (root.endUs - root.startUs) / 1e6 } : {}),
    HasFault: rootFault,
    HasError: rootError,
    HasThrottle: all.some((r) => r.kind === 'segment' && (r.throttle || r.httpStatus === 429)),
    IsPartial: all.some((r) => r.inProgress),
    ...(http ? { Http: http } : {}),
    Annotations: Object.fromEntries(
      [...annotations]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, byValue]) => [
          key,
          [...byValue.values()].map((v) => ({
            AnnotationValue: toAnnotationJson(v.value),
            ServiceIds: sorted(v.services),
          })),
        ]),
    ),
    Users: [...users]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([UserName, s]) => ({ UserName, ServiceIds: sorted(s) })),
    ServiceIds: sorted(new Set(all.filter((r) => r.kind === 'segment').map((r) => serviceOf(r)!))),
    ResourceARNs: [...arns].map((ARN) => ({ ARN })),
    InstanceIds: [...instances].map((Id) => ({ Id })),
    AvailabilityZones: [...zones].map((Name) => ({ Name })),
    ...(entry ? { EntryPoint: entry } : {}),
    Revision: new Set(rows.map((r) => `${r.docId}@${r.receivedUs}`)).size,
    MatchedEventTime: startUs / 1e6,
  };
}

/** Services in a stable order (by name, then type), whatever order the rows came in. */
function sorted(services: Iterable<ServiceId>): ServiceId[] {
  return [...services].sort(
    (a, b) => a.Name.localeCompare(b.Name) || (a.Type ?? '').localeCompare(b.Type ?? ''),
  );
}

function rootHttp(root: SpanRow): TraceSummary['Http'] {
  const h: NonNullable<TraceSummary['Http']> = {};
  if (root.httpUrl) h.HttpURL = root.httpUrl;
  if (root.httpStatus !== null) h.HttpStatus = root.httpStatus;
  if (root.httpMethod) h.HttpMethod = root.httpMethod;
  if (root.httpUserAgent) h.UserAgent = root.httpUserAgent;
  if (root.httpClientIp) h.ClientIp = root.httpClientIp;
  return h;
}

/** X-Ray's tagged `AnnotationValue` union for a plain value. */
export function toAnnotationJson(v: AnnotationValue): AnnotationValueJson {
  if (typeof v === 'number') return { NumberValue: v };
  if (typeof v === 'boolean') return { BooleanValue: v };
  return { StringValue: v };
}
