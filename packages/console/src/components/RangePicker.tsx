import { useState } from 'react';
import { QUICK_RANGES, type RangeSpec, toLocalInput } from '../model/time-range.js';

/** Quick ranges ("last 1h") or an absolute from/to in local time. */
export function RangePicker({
  spec,
  resolved,
  onChange,
}: {
  spec: RangeSpec;
  resolved: { startMs: number; endMs: number };
  onChange: (spec: RangeSpec) => void;
}) {
  const absolute = spec.fromMs !== undefined && spec.toMs !== undefined;
  const [custom, setCustom] = useState(absolute);
  const [from, setFrom] = useState(toLocalInput(resolved.startMs));
  const [to, setTo] = useState(toLocalInput(resolved.endMs));
  return (
    <div className="range">
      <select
        aria-label="Time range"
        value={custom ? 'custom' : (spec.last ?? '1h')}
        onChange={(e) => {
          if (e.target.value === 'custom') {
            setFrom(toLocalInput(resolved.startMs));
            setTo(toLocalInput(resolved.endMs));
            setCustom(true);
          } else {
            setCustom(false);
            onChange({ last: e.target.value });
          }
        }}
      >
        {QUICK_RANGES.map((r) => (
          <option key={r} value={r}>
            Last {r}
          </option>
        ))}
        <option value="custom">Absolute…</option>
      </select>
      {custom && (
        <>
          <input
            type="datetime-local"
            aria-label="From"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
          <span className="muted">to</span>
          <input type="datetime-local" aria-label="To" value={to} onChange={(e) => setTo(e.target.value)} />
          <button
            type="button"
            onClick={() => {
              const f = new Date(from).getTime();
              const t = new Date(to).getTime();
              if (Number.isFinite(f) && Number.isFinite(t) && t > f) onChange({ fromMs: f, toMs: t });
            }}
          >
            Apply
          </button>
        </>
      )}
    </div>
  );
}
