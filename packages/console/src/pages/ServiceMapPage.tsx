import dagre from '@dagrejs/dagre';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, getServiceGraph } from '../api/client.js';
import { DistributionChart } from '../components/DistributionChart.js';
import { GroupSelect } from '../components/GroupSelect.js';
import { type Laid, MapCanvas } from '../components/MapCanvas.js';
import { RangePicker } from '../components/RangePicker.js';
import { binsFromHistogram } from '../model/histogram.js';
import {
  edgeFilter,
  type Health,
  narrowedFilter,
  type ServiceMap,
  serviceFilter,
  toServiceMap,
} from '../model/service-graph.js';
import { formatSeconds, resolveRange } from '../model/time-range.js';
import { Link, navigate, toHref } from '../router.js';
import { rangeFromParams, rangeToParams } from './url-range.js';

const NODE_W = 150;
const NODE_H = 96;

/** Lays the map out left to right (callers left of callees) with dagre. */
function layout(map: ServiceMap): Laid {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 36, ranksep: 110, marginx: 30, marginy: 30 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of map.nodes) g.setNode(n.key, { width: NODE_W, height: NODE_H });
  for (const e of map.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const graph = g.graph();
  return {
    nodes: map.nodes.map((n) => {
      const p = g.node(n.key);
      return { ...n, x: p?.x ?? 0, y: p?.y ?? 0 };
    }),
    edges: map.edges.map((e) => ({ ...e, points: g.edge(e.from, e.to)?.points ?? [] })),
    width: graph.width ?? 600,
    height: graph.height ?? 400,
  };
}

/** Service map: services, clients and downstream resources with health, pan and zoom. */
export function ServiceMapPage({ params }: { params: URLSearchParams }) {
  const spec = rangeFromParams(params);
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick re-resolves "last N" on refresh
  const range = useMemo(() => resolveRange(spec, Date.now()), [spec.last, spec.fromMs, spec.toMs, tick]);
  const [map, setMap] = useState<ServiceMap | undefined>();
  const [error, setError] = useState<string | undefined>();
  const selected = params.get('node') ?? undefined;
  const selectedEdge = params.get('edge') ?? undefined;
  const group = params.get('group') ?? undefined;

  useEffect(() => {
    const ac = new AbortController();
    setError(undefined);
    getServiceGraph(range.startMs, range.endMs, ac.signal, group)
      .then((services) => setMap(toServiceMap(services, (range.endMs - range.startMs) / 60_000)))
      .catch((e: unknown) => {
        if (ac.signal.aborted) return;
        setError(
          e instanceof ApiError && e.status === 404
            ? 'This server does not answer GetServiceGraph (POST /ServiceGraph) yet.'
            : (e as Error).message,
        );
      });
    return () => ac.abort();
  }, [range, group]);

  const laid = useMemo(() => (map ? layout(map) : undefined), [map]);
  const [latency, setLatency] = useState<[number, number] | undefined>();
  const [statuses, setStatuses] = useState<Set<'ok' | 'error' | 'fault' | 'throttle'>>(new Set());
  // A new selection starts un-narrowed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the selection changes
  useEffect(() => {
    setLatency(undefined);
    setStatuses(new Set());
  }, [selected, selectedEdge]);
  const setParam = (next: Record<string, string | undefined>) => {
    const p = Object.fromEntries(new URLSearchParams(window.location.search));
    navigate(toHref('/map', { ...p, ...next }), { replace: true });
  };
  const node = laid?.nodes.find((n) => n.key === selected);
  const edge = laid?.edges.find((e) => e.key === selectedEdge);
  const nameOf = (key: string) => laid?.nodes.find((n) => n.key === key);
  const rangeParams = rangeToParams(spec);

  return (
    <div className={`page map-page${node || edge ? ' with-detail' : ''}`}>
      <div className="toolbar">
        <GroupSelect
          value={group}
          onChange={(g) => setParam({ group: g, node: undefined, edge: undefined })}
        />
        <RangePicker
          spec={spec}
          resolved={range}
          onChange={(r) =>
            navigate(toHref('/map', { ...rangeToParams(r), group, node: selected, edge: selectedEdge }))
          }
        />
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          ↻ Refresh
        </button>
        <span className="legend-row">
          <span className="legend health-ok">OK</span>
          <span className="legend health-error">Error (4xx)</span>
          <span className="legend health-fault">Fault (5xx)</span>
          <span className="legend health-throttle">Throttle (429)</span>
        </span>
      </div>
      {error && <p className="error-box">{error}</p>}
      {!error && !laid && <p className="muted">Loading the service map…</p>}
      {laid && laid.nodes.length === 0 && <p className="empty">No services in this time range.</p>}
      {laid && laid.nodes.length > 0 && (
        <div className="map-body">
          <MapCanvas
            laid={laid}
            selected={selected}
            selectedEdge={selectedEdge}
            onNode={(k) => setParam({ node: k, edge: undefined })}
            onEdge={(k) => setParam({ edge: k, node: undefined })}
            onBackground={() => setParam({ node: undefined, edge: undefined })}
          />
          {(node || edge) && (
            <aside className="detail" data-testid="map-detail">
              <div className="detail-head">
                <div>
                  <div className="detail-kind muted">{node ? (node.type ?? node.kind) : 'edge'}</div>
                  <h2 className="detail-title">
                    {node ? node.name : `${nameOf(edge!.from)?.name} → ${nameOf(edge!.to)?.name}`}
                  </h2>
                </div>
                <button
                  type="button"
                  className="icon"
                  onClick={() => setParam({ node: undefined, edge: undefined })}
                  aria-label="Close"
                >
                  ×
                </button>
              </div>
              <HealthTable health={node ? node.health : edge!.health} />
              <DistributionChart
                onSelect={(lo, hi) => setLatency([lo, hi])}
                label={node ? 'Response time distribution' : 'Response time (caller view)'}
                series={[
                  {
                    name: 'requests',
                    className: 'series-main',
                    bins: binsFromHistogram((node ?? edge)!.histogram, 24),
                  },
                ]}
              />
              <fieldset className="narrow">
                <legend>Narrow the traces</legend>
                {latency ? (
                  <span className="chip">
                    {formatSeconds(latency[0])} – {formatSeconds(latency[1])}{' '}
                    <button
                      type="button"
                      className="link"
                      onClick={() => setLatency(undefined)}
                      aria-label="Clear latency range"
                    >
                      ×
                    </button>
                  </span>
                ) : (
                  <span className="muted">Drag across the chart to pick a latency range.</span>
                )}
                <div className="statuses">
                  {(['ok', 'error', 'fault', 'throttle'] as const).map((st) => (
                    <label key={st}>
                      <input
                        type="checkbox"
                        checked={statuses.has(st)}
                        onChange={(e) => {
                          const next = new Set(statuses);
                          if (e.target.checked) next.add(st);
                          else next.delete(st);
                          setStatuses(next);
                        }}
                      />{' '}
                      {st}
                    </label>
                  ))}
                </div>
              </fieldset>
              <p>
                <Link
                  className="button primary"
                  data-testid="view-traces"
                  href={toHref('/', {
                    ...rangeParams,
                    group,
                    filter: narrowedFilter(
                      node ? serviceFilter(node) : edgeFilter(nameOf(edge!.from)!, nameOf(edge!.to)!),
                      { latency, statuses },
                    ),
                  })}
                >
                  View traces
                </Link>{' '}
                <Link
                  className="button"
                  href={toHref('/analytics', {
                    ...rangeParams,
                    a: node ? serviceFilter(node) : edgeFilter(nameOf(edge!.from)!, nameOf(edge!.to)!),
                  })}
                >
                  Analytics
                </Link>
                {node?.kind === 'service' && (
                  <>
                    {' '}
                    <Link
                      className="button"
                      data-testid="view-invocations"
                      href={toHref(`/service/${encodeURIComponent(node.name)}`, rangeParams)}
                    >
                      View invocations
                    </Link>
                  </>
                )}
              </p>
            </aside>
          )}
        </div>
      )}
    </div>
  );
}

function HealthTable({ health }: { health: Health | undefined }) {
  if (!health) return <p className="muted">No statistics for this range.</p>;
  const pct = (n: number) => (health.total > 0 ? `${((n / health.total) * 100).toFixed(1)}%` : '—');
  return (
    <table className="kv">
      <tbody>
        <tr>
          <th>Requests</th>
          <td>
            {health.total} ({health.perMinute.toFixed(health.perMinute < 10 ? 2 : 0)}/min)
          </td>
        </tr>
        <tr>
          <th>Average response</th>
          <td>{formatSeconds(health.avgS)}</td>
        </tr>
        <tr>
          <th>OK</th>
          <td>
            {health.ok} ({pct(health.ok)})
          </td>
        </tr>
        <tr>
          <th>Error (4xx)</th>
          <td>
            {health.error} ({pct(health.error)})
          </td>
        </tr>
        <tr>
          <th>Fault (5xx)</th>
          <td>
            {health.fault} ({pct(health.fault)})
          </td>
        </tr>
        <tr>
          <th>Throttle (429)</th>
          <td>
            {health.throttle} ({pct(health.throttle)})
          </td>
        </tr>
      </tbody>
    </table>
  );
}
