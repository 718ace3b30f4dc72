import { quote } from './filter-syntax.js';

/** X-Ray's statistics block (ServiceStatistics / EdgeStatistics). */
export interface XRayStats {
  OkCount?: number;
  ErrorStatistics?: { ThrottleCount?: number; OtherCount?: number; TotalCount?: number };
  FaultStatistics?: { OtherCount?: number; TotalCount?: number };
  TotalCount?: number;
  TotalResponseTime?: number;
}

export interface XRayHistogramEntry {
  Value?: number;
  Count?: number;
}

/** GetServiceGraph's `Service` (the fields the console reads). */
export interface XRayService {
  ReferenceId?: number;
  Name?: string;
  Names?: string[];
  Root?: boolean;
  Type?: string;
  State?: string;
  Edges?: {
    ReferenceId?: number;
    SummaryStatistics?: XRayStats;
    ResponseTimeHistogram?: XRayHistogramEntry[];
  }[];
  SummaryStatistics?: XRayStats;
  ResponseTimeHistogram?: XRayHistogramEntry[];
  DurationHistogram?: XRayHistogramEntry[];
}

/** Request counts by outcome and mean latency, from X-Ray statistics. */
export interface Health {
  total: number;
  ok: number;
  error: number;
  fault: number;
  throttle: number;
  avgS: number;
  /** Requests per minute over the range. */
  perMinute: number;
}

export interface MapNode {
  key: string;
  name: string;
  type: string | undefined;
  kind: 'client' | 'service' | 'remote';
  root: boolean;
  health: Health | undefined;
  histogram: XRayHistogramEntry[];
}

export interface MapEdge {
  key: string;
  from: string;
  to: string;
  health: Health | undefined;
  histogram: XRayHistogramEntry[];
}

export interface ServiceMap {
  nodes: MapNode[];
  edges: MapEdge[];
}

/** Counts by outcome from X-Ray statistics over a range of `minutes`. */
export function toHealth(s: XRayStats | undefined, minutes: number): Health | undefined {
  if (!s) return undefined;
  const throttle = s.ErrorStatistics?.ThrottleCount ?? 0;
  const error = s.ErrorStatistics?.OtherCount ?? Math.max(0, (s.ErrorStatistics?.TotalCount ?? 0) - throttle);
  const fault = s.FaultStatistics?.TotalCount ?? s.FaultStatistics?.OtherCount ?? 0;
  const ok = s.OkCount ?? 0;
  const total = s.TotalCount ?? ok + error + fault + throttle;
  return {
    total,
    ok,
    error,
    fault,
    throttle,
    avgS: total > 0 ? (s.TotalResponseTime ?? 0) / total : 0,
    perMinute: minutes > 0 ? total / minutes : 0,
  };
}

/** The worst state worth a colour: fault (red), throttle (purple), error (yellow), ok (green). */
export function healthState(h: Health | undefined): 'ok' | 'error' | 'fault' | 'throttle' | 'none' {
  if (!h || h.total === 0) return 'none';
  if (h.fault > 0) return 'fault';
  if (h.throttle > 0) return 'throttle';
  if (h.error > 0) return 'error';
  return 'ok';
}

/**
 * The map from GetServiceGraph's services: one node per service, an edge per caller→callee
 * reference. Services named by reference but absent from the list become bare nodes. A node
 * with no statistics and no type that only calls others is a client.
 */
export function toServiceMap(services: XRayService[], minutes: number): ServiceMap {
  const byRef = new Map<number, string>();
  const nodes = new Map<string, MapNode>();
  services.forEach((s, i) => {
    const key = String(s.ReferenceId ?? `i${i}`);
    if (s.ReferenceId !== undefined) byRef.set(s.ReferenceId, key);
    const type = s.Type;
    const kind: MapNode['kind'] =
      type === 'client' || (!s.SummaryStatistics && !type && (s.Edges?.length ?? 0) > 0)
        ? 'client'
        : type && (type.startsWith('AWS::') || type === 'remote' || type === 'Database::SQL')
          ? 'remote'
          : 'service';
    nodes.set(key, {
      key,
      name: s.Name ?? s.Names?.[0] ?? '?',
      type,
      kind,
      root: s.Root === true,
      health: toHealth(s.SummaryStatistics, minutes),
      histogram: s.ResponseTimeHistogram ?? [],
    });
  });
  const edges: MapEdge[] = [];
  services.forEach((s, i) => {
    const from = String(s.ReferenceId ?? `i${i}`);
    for (const e of s.Edges ?? []) {
      if (e.ReferenceId === undefined) continue;
      const to = byRef.get(e.ReferenceId) ?? String(e.ReferenceId);
      if (!nodes.has(to))
        nodes.set(to, {
          key: to,
          name: `#${to}`,
          type: undefined,
          kind: 'remote',
          root: false,
          health: undefined,
          histogram: [],
        });
      edges.push({
        key: `${from}->${to}`,
        from,
        to,
        health: toHealth(e.SummaryStatistics, minutes),
        histogram: e.ResponseTimeHistogram ?? [],
      });
    }
  });
  return { nodes: [...nodes.values()], edges };
}

/** The filter expression that finds a node's traces: `service("name")`, typed with id() when typed. */
export function serviceFilter(node: Pick<MapNode, 'name' | 'type' | 'kind'>): string {
  if (node.type && node.kind !== 'client')
    return `service(id(name: ${quote(node.name)}, type: ${quote(node.type)}))`;
  return `service(${quote(node.name)})`;
}

/** The filter expression that finds an edge's traces: `edge("from", "to")`. */
export function edgeFilter(from: Pick<MapNode, 'name'>, to: Pick<MapNode, 'name'>): string {
  return `edge(${quote(from.name)}, ${quote(to.name)})`;
}

/** What the map's panel narrows a node's or edge's traces to: a latency range and outcomes. */
export interface Narrowing {
  latency?: [number, number] | undefined;
  statuses?: ReadonlySet<'ok' | 'error' | 'fault' | 'throttle'>;
}

/**
 * `service("x")` or `edge("a", "b")` with the narrowing as its `{ }` filter, so the latency and
 * outcome apply to that node's (or the caller's view of that edge's) own segments, as in X-Ray's
 * console: `service("api") { responsetime >= 0.5 AND responsetime <= 1 AND (fault OR error) }`.
 */
export function narrowedFilter(base: string, n: Narrowing): string {
  const parts: string[] = [];
  if (n.latency) {
    const r = (v: number) => String(Math.round(v * 1e6) / 1e6);
    parts.push(`responsetime >= ${r(n.latency[0])} AND responsetime <= ${r(n.latency[1])}`);
  }
  const statuses = [...(n.statuses ?? [])].sort();
  if (statuses.length === 1) parts.push(statuses[0]!);
  else if (statuses.length > 1) parts.push(`(${statuses.join(' OR ')})`);
  return parts.length === 0 ? base : `${base} { ${parts.join(' AND ')} }`;
}
