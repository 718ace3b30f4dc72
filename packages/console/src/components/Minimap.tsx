import { type PointerEvent, useEffect, useRef, useState } from 'react';
import type { TimelineRow } from '../model/timeline.js';
import { useWidth } from './use-width.js';

const H = 56;
const COLORS: Record<string, string> = {
  ok: '#3aa876',
  error: '#d9a521',
  fault: '#d64545',
  throttle: '#8e5bd0',
  pending: '#8a94a6',
};

/**
 * The whole trace in a strip: every row as a thin line. Drag across it to zoom the timeline to
 * that part; the shaded box is the part shown. Double-click shows everything again.
 */
export function Minimap({
  rows,
  startS,
  endS,
  view,
  onView,
}: {
  rows: TimelineRow[];
  startS: number;
  endS: number;
  view: [number, number];
  onView: (v: [number, number]) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [box, width] = useWidth<HTMLDivElement>();
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const span = endS - startS || 1;

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const ratio = window.devicePixelRatio || 1;
    c.width = width * ratio;
    c.height = H * ratio;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, H);
    const n = rows.length;
    const rowH = Math.max(H / Math.max(n, 1), 0.5);
    for (const r of rows) {
      ctx.fillStyle = COLORS[r.outcome] ?? '#888';
      const x = ((r.startS - startS) / span) * width;
      const w = Math.max(1, ((r.endS - r.startS) / span) * width);
      ctx.fillRect(x, (r.index / Math.max(n, 1)) * H, w, Math.max(rowH - (rowH > 2 ? 1 : 0), 0.5));
    }
  }, [rows, startS, span, width]);

  const frac = (clientX: number) => {
    const r = canvas.current!.getBoundingClientRect();
    return Math.min(1, Math.max(0, (clientX - r.left) / r.width));
  };
  const down = (e: PointerEvent<HTMLDivElement>) => {
    e.currentTarget.setPointerCapture?.(e.pointerId);
    const f = frac(e.clientX);
    setDrag([f, f]);
  };
  const move = (e: PointerEvent<HTMLDivElement>) => {
    if (drag) setDrag([drag[0], frac(e.clientX)]);
  };
  const up = () => {
    if (!drag) return;
    const a = Math.min(...drag);
    const b = Math.max(...drag);
    setDrag(null);
    if (b - a > 0.002) onView([a, b]);
  };
  const shown = drag ? [Math.min(...drag), Math.max(...drag)] : view;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer gesture; the keyboard zooms with + - 0
    <div
      className="minimap"
      ref={box}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onDoubleClick={() => onView([0, 1])}
      title="Drag to zoom; double-click to show all"
      data-testid="minimap"
    >
      <canvas ref={canvas} style={{ width: '100%', height: `${H}px` }} />
      {(drag || shown[0]! > 0 || shown[1]! < 1) && (
        <div
          className="minimap-view"
          style={{ left: `${shown[0]! * 100}%`, width: `${(shown[1]! - shown[0]!) * 100}%` }}
        />
      )}
    </div>
  );
}
