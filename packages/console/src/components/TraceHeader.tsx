import type { TraceResult } from '../api/client.js';
import { quote } from '../model/filter-syntax.js';
import { formatSeconds, formatTime } from '../model/time-range.js';
import type { Timeline } from '../model/timeline.js';
import { Link, toHref } from '../router.js';
import { OutcomeBadge } from './OutcomeBadge.js';

/** The trace page's header: id, outcome, request, start, duration, services; raw JSON and download. */
export function TraceHeader({
  trace,
  timeline,
  raw,
  onRaw,
}: {
  trace: TraceResult;
  timeline: Timeline;
  raw: boolean;
  onRaw: () => void;
}) {
  const span = timeline.endS - timeline.startS;
  const root = timeline.rows[0];
  const status = root?.entity.http?.response?.status;
  const segments = timeline.rows.filter((r) => r.kind === 'segment').length;

  const download = () => {
    const docs = trace.Segments.map((s) => JSON.parse(s.Document) as unknown);
    const blob = new Blob([JSON.stringify({ Id: trace.Id, Segments: docs }, null, 2)], {
      type: 'application/json',
    });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${trace.Id}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  return (
    <div className="trace-head">
      <div>
        <h1 className="mono trace-id" data-testid="trace-id">
          {trace.Id}
        </h1>
        <div className="trace-facts">
          {root && <OutcomeBadge outcome={root.outcome} status={status} />}
          {root?.entity.http?.request?.method && <span>{root.entity.http.request.method}</span>}
          {root?.entity.http?.request?.url && (
            <span className="ellipsis url">{root.entity.http.request.url}</span>
          )}
          <span>
            Started <strong>{formatTime(timeline.startS, Date.now())}</strong>
          </span>
          <span>
            Duration <strong data-testid="trace-duration">{formatSeconds(span)}</strong>
          </span>
          <span>
            {segments} segment{segments === 1 ? '' : 's'}, {timeline.rows.length} rows
          </span>
          <span>
            Services:{' '}
            {timeline.services.map((s, i) => (
              <span key={s}>
                {i > 0 ? ', ' : ''}
                <Link href={toHref('/', { filter: `service(${quote(s)})` })}>{s}</Link>
              </span>
            ))}
          </span>
        </div>
      </div>
      <div className="trace-actions">
        <button type="button" onClick={onRaw} aria-pressed={raw}>
          {raw ? 'Timeline' : 'Raw JSON'}
        </button>
        <button type="button" onClick={download}>
          Download JSON
        </button>
      </div>
    </div>
  );
}
