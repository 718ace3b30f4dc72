import type { BreakdownRow } from '../model/analytics.js';

/** A table of a field's values with their share in sets A and B and the difference; a click picks one. */
export function Breakdown({
  title,
  rows,
  totalA,
  totalB,
  onPick,
  label = (value) => value,
}: {
  title: string;
  rows: BreakdownRow[];
  totalA: number;
  totalB: number | undefined;
  onPick: (value: string) => void;
  /** What a cell shows of a value (the whole value is its tooltip and what a click filters on). */
  label?: (value: string) => string;
}) {
  const share = (n: number, t: number) => (t > 0 ? (n / t) * 100 : 0);
  return (
    <section className="breakdown">
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Value</th>
              <th className="num">A</th>
              {totalB !== undefined && <th className="num">B</th>}
              {totalB !== undefined && <th className="num">Δ</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const d = totalB !== undefined ? share(r.b, totalB) - share(r.a, totalA) : 0;
              return (
                <tr key={r.value} onClick={() => onPick(r.value)} className="pick" title="Add to filter A">
                  <td className="ellipsis" title={r.value}>
                    {label(r.value)}
                  </td>
                  <td className="num">{share(r.a, totalA).toFixed(1)}%</td>
                  {totalB !== undefined && <td className="num">{share(r.b, totalB).toFixed(1)}%</td>}
                  {totalB !== undefined && (
                    <td className={`num ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`}>
                      {d > 0 ? '+' : ''}
                      {d.toFixed(1)}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
