import { type PointerEvent, useState } from 'react';
import type { SeriesPoint } from '../model/analytics.js';

/**
 * One small time-series chart (set A, and B when comparing). Dragging across it calls
 * `onRange` with the selected part as fractions of the time range.
 */
export function SeriesChart({
  title,
  a,
  b,
  value,
  format,
  onRange,
}: {
  onRange: (fromFrac: number, toFrac: number) => void;
  title: string;
  a: SeriesPoint[];
  b: SeriesPoint[] | undefined;
  value: (p: SeriesPoint) => number;
  format: (v: number) => string;
}) {
  const W = 300;
  const H = 90;
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const frac = (e: PointerEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
  };
  const vals = [...a, ...(b ?? [])].map(value).filter(Number.isFinite);
  const max = Math.max(...vals, 1e-9);
  const path = (pts: SeriesPoint[]) =>
    pts
      .map((p, i) => {
        const v = value(p);
        if (!Number.isFinite(v)) return '';
        return `${i === 0 || !Number.isFinite(value(pts[i - 1]!)) ? 'M' : 'L'} ${(i / Math.max(1, pts.length - 1)) * W} ${H - (v / max) * (H - 6)}`;
      })
      .join(' ');
  return (
    <figure className="series">
      <figcaption>
        {title} <span className="muted">max {vals.length ? format(max) : '—'}</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={title}
        className="selectable"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture?.(e.pointerId);
          const f = frac(e);
          setDrag([f, f]);
        }}
        onPointerMove={(e) => {
          if (drag) setDrag([drag[0], frac(e)]);
        }}
        onPointerUp={() => {
          if (drag && Math.abs(drag[1] - drag[0]) > 0.01) onRange(Math.min(...drag), Math.max(...drag));
          setDrag(null);
        }}
      >
        {drag && (
          <rect
            className="selection"
            x={Math.min(...drag) * W}
            width={Math.abs(drag[1] - drag[0]) * W}
            y={0}
            height={H}
            vectorEffect="non-scaling-stroke"
          />
        )}
        <path d={path(a)} className="line series-a" vectorEffect="non-scaling-stroke" />
        {b && <path d={path(b)} className="line series-b" vectorEffect="non-scaling-stroke" />}
      </svg>
      <div className="series-dots" aria-hidden="true">
        {[...a.map((p, i) => ['a', p, i] as const), ...(b ?? []).map((p, i) => ['b', p, i] as const)].map(
          ([set, p, i]) => {
            const v = value(p);
            if (!Number.isFinite(v) || p.count === 0) return null;
            const n = Math.max(1, (set === 'a' ? a : b!).length - 1);
            return (
              <span
                key={`${set}${i}`}
                className={`series-dot series-${set}`}
                style={{ left: `${(i / n) * 100}%`, top: `${(1 - v / max) * 100}%` }}
                title={format(v)}
              />
            );
          },
        )}
      </div>
    </figure>
  );
}
