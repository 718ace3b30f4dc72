import { type PointerEvent, useRef, useState } from 'react';
import type { Bin } from '../model/histogram.js';
import { formatSeconds } from '../model/time-range.js';
import { useWidth } from './use-width.js';

const H = 120;
const PAD = { l: 36, r: 8, t: 8, b: 22 };

/**
 * A response-time histogram (x: seconds, y: share of traces). Dragging across it selects a range
 * and calls `onSelect(loS, hiS)`: X-Ray's "drag to narrow" gesture. Several series overlay (A/B).
 */
export function DistributionChart({
  series,
  onSelect,
  label = 'Response time distribution',
}: {
  series: { name: string; className: string; bins: Bin[] }[];
  onSelect?: (loS: number, hiS: number) => void;
  label?: string;
}) {
  const svg = useRef<SVGSVGElement>(null);
  const [box, W] = useWidth<HTMLElement>();
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const first = series.find((s) => s.bins.length > 0)?.bins;
  if (!first)
    return (
      <figure className="chart" ref={box}>
        <figcaption>{label}</figcaption>
        <div className="chart-empty muted">No traces to chart.</div>
      </figure>
    );
  const lo = first[0]!.lo;
  const hi = first.at(-1)!.hi;
  const totals = series.map((s) => s.bins.reduce((a, b) => a + b.count, 0) || 1);
  const maxShare = Math.max(...series.flatMap((s, i) => s.bins.map((b) => b.count / totals[i]!)), 0.0001);
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  // With a long-tail bar the axis is linear up to its edge; the last bar's width holds the tail.
  const tail = first.at(-1)!.overflow ? first.at(-1)! : undefined;
  const edge = tail ? tail.lo : hi;
  const bodyW = tail ? (plotW * (first.length - 1)) / first.length : plotW;
  const x = (v: number) =>
    v <= edge || !tail
      ? PAD.l + ((v - lo) / (edge - lo || 1)) * bodyW
      : PAD.l + bodyW + Math.min(1, (v - edge) / (hi - edge || 1)) * (plotW - bodyW);
  const toValue = (clientX: number) => {
    const r = svg.current!.getBoundingClientRect();
    const px = Math.min(PAD.l + plotW, Math.max(PAD.l, ((clientX - r.left) / r.width) * W));
    if (px <= PAD.l + bodyW) return lo + ((px - PAD.l) / (bodyW || 1)) * (edge - lo);
    // Anywhere in the tail bar selects everything from its edge up.
    return Number.POSITIVE_INFINITY;
  };
  const down = (e: PointerEvent<SVGSVGElement>) => {
    if (!onSelect) return;
    (e.target as Element).setPointerCapture?.(e.pointerId);
    const v = toValue(e.clientX);
    setDrag({ a: v, b: v });
  };
  const move = (e: PointerEvent<SVGSVGElement>) => {
    if (drag) setDrag({ ...drag, b: toValue(e.clientX) });
  };
  const up = () => {
    if (!drag || !onSelect) return;
    const a = Math.min(drag.a, drag.b);
    const b = Math.max(drag.a, drag.b);
    setDrag(null);
    if (a === Number.POSITIVE_INFINITY) onSelect(edge, b);
    else if (b - a > (edge - lo) / 200) onSelect(a, b);
  };
  // With a tail bar its "≥ edge" label stands for the last tick.
  const ticks = (tail ? [0, 0.25, 0.5, 0.75] : [0, 0.25, 0.5, 0.75, 1]).map((f) => lo + f * (edge - lo));
  const n = series.length;
  return (
    <figure className="chart" ref={box}>
      <figcaption>
        {label}
        {onSelect && <span className="muted"> · drag across the chart to narrow the search</span>}
        {n > 1 &&
          series.map((s) => (
            <span key={s.name} className={`legend ${s.className}`}>
              {s.name}
            </span>
          ))}
      </figcaption>
      <svg
        ref={svg}
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        className={onSelect ? 'selectable' : ''}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        role="img"
        aria-label={label}
      >
        <line x1={PAD.l} x2={W - PAD.r} y1={H - PAD.b} y2={H - PAD.b} className="axis" />
        {series.map((s, si) =>
          s.bins.map((b) => {
            const share = b.count / totals[si]!;
            const h = Math.max(0, (share / maxShare) * plotH);
            const bw = (x(b.hi) - x(b.lo)) / n;
            return (
              <rect
                key={`${s.name}-${b.lo}`}
                className={`bar ${s.className}`}
                x={x(b.lo) + si * bw + 0.5}
                width={Math.max(0.5, bw - 1)}
                y={H - PAD.b - h}
                height={h}
              >
                <title>{`${formatSeconds(b.lo)}–${formatSeconds(b.hi)}: ${b.count} (${(share * 100).toFixed(1)}%)`}</title>
              </rect>
            );
          }),
        )}
        {ticks.map((t) => (
          <text
            key={t}
            x={x(t)}
            y={H - 6}
            className="tick"
            textAnchor={t === lo ? 'start' : t === edge && !tail ? 'end' : 'middle'}
          >
            {formatSeconds(t)}
          </text>
        ))}
        {tail && (
          <text x={x(hi)} y={H - 6} className="tick" textAnchor="end">
            {`≥ ${formatSeconds(edge)}`}
          </text>
        )}
        <text x={4} y={PAD.t + 8} className="tick">
          {`${(maxShare * 100).toFixed(0)}%`}
        </text>
        {drag && (
          <rect
            className="selection"
            x={x(Math.min(drag.a, drag.b))}
            width={Math.abs(x(drag.b) - x(drag.a))}
            y={PAD.t}
            height={plotH}
          />
        )}
      </svg>
    </figure>
  );
}
