import dagre from '@dagrejs/dagre';
import { useMemo } from 'react';
import type { TimelineRow } from '../model/timeline.js';
import { toTraceMap } from '../model/trace-map.js';

const W = 120;
const H = 56;

/** The trace's own small map: client → services → resources, coloured by worst outcome. */
export function TraceMap({ rows, onNode }: { rows: TimelineRow[]; onNode: (name: string) => void }) {
  const laid = useMemo(() => {
    const map = toTraceMap(rows);
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 60, marginx: 10, marginy: 8 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of map.nodes) g.setNode(n.key, { width: W, height: H });
    for (const e of map.edges) g.setEdge(e.from, e.to);
    dagre.layout(g);
    return {
      nodes: map.nodes.map((n) => ({ ...n, x: g.node(n.key)?.x ?? 0, y: g.node(n.key)?.y ?? 0 })),
      edges: map.edges.map((e) => ({ ...e, points: g.edge(e.from, e.to)?.points ?? [] })),
      width: g.graph().width ?? 300,
      height: g.graph().height ?? 80,
    };
  }, [rows]);
  if (laid.nodes.length === 0) return null;
  return (
    <section className="trace-map" aria-label="Trace map" data-testid="trace-map">
      <svg
        viewBox={`0 0 ${laid.width} ${laid.height}`}
        style={{ width: `${laid.width}px`, maxWidth: '100%' }}
      >
        <title>Trace map</title>
        <defs>
          <marker
            id="tm-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="6"
            markerHeight="6"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" className="arrow-head" />
          </marker>
        </defs>
        {laid.edges.map((e) =>
          e.points.length > 1 ? (
            <path
              key={`${e.from}->${e.to}`}
              className="edge-line"
              d={`M ${e.points.map((p: { x: number; y: number }) => `${p.x} ${p.y}`).join(' L ')}`}
              markerEnd="url(#tm-arrow)"
            />
          ) : null,
        )}
        {laid.nodes.map((n) => (
          // biome-ignore lint/a11y/useSemanticElements: a <button> cannot live inside SVG
          <g
            key={n.key}
            role="button"
            tabIndex={0}
            className={`tm-node kind-${n.kind} state-${n.outcome}`}
            transform={`translate(${n.x} ${n.y})`}
            onClick={() => onNode(n.name)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') onNode(n.name);
            }}
            aria-label={`Find ${n.name} in the trace`}
            data-node={n.name}
          >
            <circle r={12} cy={-8} className="tm-dot" />
            <text y={20} textAnchor="middle" className="node-name">
              {n.name.length > 18 ? `${n.name.slice(0, 17)}…` : n.name}
            </text>
          </g>
        ))}
      </svg>
    </section>
  );
}
