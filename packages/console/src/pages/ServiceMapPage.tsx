import dagre from '@dagrejs/dagre';
import { type PointerEvent, useCallback, useEffect, useMemo, useRef, useState, type WheelEvent } from 'react';
import { ApiError, getServiceGraph } from '../api/client.js';
import { DistributionChart } from '../components/DistributionChart.js';
import { GroupSelect } from '../components/GroupSelect.js';
import { RangePicker } from '../components/RangePicker.js';
import { binsFromHistogram } from '../model/histogram.js';
import {
  edgeFilter,
  type Health,
  healthState,
  type MapEdge,
  type MapNode,
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
const R = 30;

interface Laid {
  nodes: (MapNode & { x: number; y: number })[];
  edges: (MapEdge & { points: { x: number; y: number }[] })[];
  width: number;
  height: number;
}

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

/** The SVG map with pan (drag the background) and zoom (wheel, or the buttons). */
function MapCanvas({
  laid,
  selected,
  selectedEdge,
  onNode,
  onEdge,
  onBackground,
}: {
  laid: Laid;
  selected: string | undefined;
  selectedEdge: string | undefined;
  onNode: (key: string) => void;
  onEdge: (key: string) => void;
  onBackground: () => void;
}) {
  const [view, setView] = useState({ x: 0, y: 0, k: 1 });
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  // Fit the whole map in view (never enlarged past 1.5x), centred, whenever the layout changes.
  const fit = useCallback(() => {
    const el = svg.current;
    if (!el) return;
    const w = el.clientWidth || 800;
    const h = el.clientHeight || 500;
    const k = Math.min(1.5, w / laid.width, h / laid.height);
    setView({ k, x: (w - laid.width * k) / 2, y: (h - laid.height * k) / 2 });
  }, [laid]);
  useEffect(fit, [fit]);
  const wheel = (e: WheelEvent<SVGSVGElement>) => {
    const r = svg.current!.getBoundingClientRect();
    const px = e.clientX - r.left;
    const py = e.clientY - r.top;
    const k = Math.min(4, Math.max(0.2, view.k * (e.deltaY < 0 ? 1.15 : 1 / 1.15)));
    setView({ k, x: px - ((px - view.x) * k) / view.k, y: py - ((py - view.y) * k) / view.k });
  };
  const down = (e: PointerEvent<SVGSVGElement>) => {
    if ((e.target as Element).closest('.map-node, .map-edge')) return;
    drag.current = { x: e.clientX, y: e.clientY, moved: false };
    e.currentTarget.setPointerCapture?.(e.pointerId);
  };
  const move = (e: PointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) d.moved = true;
    d.x = e.clientX;
    d.y = e.clientY;
    setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));
  };
  const up = () => {
    if (drag.current && !drag.current.moved) onBackground();
    drag.current = null;
  };
  const zoomBy = (f: number) => setView((v) => ({ ...v, k: Math.min(4, Math.max(0.2, v.k * f)) }));
  return (
    <div className="map-canvas">
      <div className="map-zoom">
        <button type="button" onClick={() => zoomBy(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoomBy(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={fit} aria-label="Fit to view">
          ⟲
        </button>
      </div>
      <svg
        ref={svg}
        data-testid="service-map"
        onWheel={wheel}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        role="img"
        aria-label="Service map"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" className="arrow-head" />
          </marker>
        </defs>
        <g transform={`translate(${view.x} ${view.y}) scale(${view.k})`}>
          {laid.edges.map((e) => {
            const pts = e.points;
            if (pts.length < 2) return null;
            const d = `M ${pts.map((p) => `${p.x} ${p.y}`).join(' L ')}`;
            const mid = pts[Math.floor(pts.length / 2)]!;
            return (
              // biome-ignore lint/a11y/noStaticElementInteractions: SVG has no button; edges are reachable from their nodes' panel too
              <g
                key={e.key}
                className={`map-edge state-${healthState(e.health)}${e.key === selectedEdge ? ' selected' : ''}`}
                onClick={() => onEdge(e.key)}
                onKeyDown={() => {}}
                data-edge={e.key}
              >
                <path d={d} className="edge-hit" />
                <path d={d} className="edge-line" markerEnd="url(#arrow)" />
                {e.health && (
                  <text x={mid.x} y={mid.y - 6} textAnchor="middle" className="edge-label">
                    {`${formatSeconds(e.health.avgS)} · ${rate(e.health.perMinute)}/min`}
                  </text>
                )}
              </g>
            );
          })}
          {laid.nodes.map((n) => (
            <MapNodeView key={n.key} node={n} selected={n.key === selected} onClick={() => onNode(n.key)} />
          ))}
        </g>
      </svg>
    </div>
  );
}

function MapNodeView({
  node,
  selected,
  onClick,
}: {
  node: MapNode & { x: number; y: number };
  selected: boolean;
  onClick: () => void;
}) {
  const h = node.health;
  const c = 2 * Math.PI * R;
  const parts: [string, number][] =
    h && h.total > 0
      ? [
          ['ok', h.ok / h.total],
          ['error', h.error / h.total],
          ['fault', h.fault / h.total],
          ['throttle', h.throttle / h.total],
        ]
      : [];
  let offset = 0;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a <button> cannot live inside SVG
    <g
      tabIndex={0}
      className={`map-node kind-${node.kind} state-${healthState(h)}${selected ? ' selected' : ''}`}
      transform={`translate(${node.x} ${node.y - 12})`}
      onClick={onClick}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') onClick();
      }}
      data-node={node.name}
      role="button"
      aria-label={`Service ${node.name}`}
    >
      <circle r={R} className="node-bg" />
      {parts.map(([state, share]) => {
        const len = share * c;
        const el =
          len > 0 ? (
            <circle
              key={state}
              r={R}
              className={`ring ring-${state}`}
              strokeDasharray={`${len} ${c - len}`}
              strokeDashoffset={-offset}
              transform="rotate(-90)"
            />
          ) : null;
        offset += len;
        return el;
      })}
      {parts.length === 0 && <circle r={R} className="ring ring-none" />}
      {node.kind === 'client' ? (
        <text className="node-icon" textAnchor="middle" y={5}>
          client
        </text>
      ) : h ? (
        <>
          <text className="node-stat" textAnchor="middle" y={-2}>
            {formatSeconds(h.avgS)}
          </text>
          <text className="node-stat muted" textAnchor="middle" y={13}>
            {rate(h.perMinute)}/min
          </text>
        </>
      ) : null}
      <text className="node-name" textAnchor="middle" y={R + 16}>
        {node.name.length > 22 ? `${node.name.slice(0, 21)}…` : node.name}
      </text>
      {node.type && node.kind !== 'client' && (
        <text className="node-type" textAnchor="middle" y={R + 30}>
          {node.type}
        </text>
      )}
    </g>
  );
}

function rate(perMinute: number): string {
  return perMinute >= 10 ? perMinute.toFixed(0) : perMinute.toFixed(2);
}
