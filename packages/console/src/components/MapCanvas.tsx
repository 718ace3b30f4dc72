import { type PointerEvent, useCallback, useEffect, useRef, useState, type WheelEvent } from 'react';
import { healthState, type MapEdge, type MapNode } from '../model/service-graph.js';
import { formatSeconds } from '../model/time-range.js';

const R = 30;

/** A laid-out map: node centres and edge polylines in layout coordinates. */
export interface Laid {
  nodes: (MapNode & { x: number; y: number })[];
  edges: (MapEdge & { points: { x: number; y: number }[] })[];
  width: number;
  height: number;
}

/** The SVG map with pan (drag the background) and zoom (wheel, or the buttons). */
export function MapCanvas({
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
