import type { ServiceTime } from '../model/service-times.js';
import { formatSeconds } from '../model/time-range.js';
import { serviceColor } from './service-color.js';

/** "Time in each service": one stacked bar of self time, with a legend of the same numbers. */
export function ServiceTimeBar({ times, loading = false }: { times: ServiceTime[]; loading?: boolean }) {
  if (loading)
    return (
      <section className="service-times" aria-label="Time in each service" aria-busy="true">
        <div className="stack" />
        <ul className="stack-legend">
          <li className="muted">Measuring time in each service…</li>
        </ul>
      </section>
    );
  if (times.length === 0) return null;
  return (
    <section className="service-times" aria-label="Time in each service">
      <div className="stack">
        {times.map((t) => (
          <span
            key={t.name}
            className="stack-part"
            style={{ width: `${t.share * 100}%`, background: serviceColor(t.name) }}
            title={`${t.name}: ${formatSeconds(t.selfS)} (${(t.share * 100).toFixed(1)}%)`}
          />
        ))}
      </div>
      <ul className="stack-legend">
        {times.slice(0, 8).map((t) => (
          <li key={t.name}>
            <span className="dot" style={{ background: serviceColor(t.name) }} />
            <span className="name">{t.name}</span>
            <span className="muted">
              {formatSeconds(t.selfS)} · {(t.share * 100).toFixed(1)}%
            </span>
          </li>
        ))}
        {times.length > 8 && <li className="muted">+{times.length - 8} more</li>}
      </ul>
    </section>
  );
}
