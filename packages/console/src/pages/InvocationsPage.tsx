import { useEffect, useMemo, useState } from 'react';
import { getSegments, type SegmentRow } from '../api/client.js';
import { AnnotationChips } from '../components/AnnotationChips.js';
import { OutcomeBadge } from '../components/OutcomeBadge.js';
import { RangePicker } from '../components/RangePicker.js';
import type { Outcome } from '../model/outcome.js';
import { formatSeconds, formatTime, type RangeSpec, resolveRange } from '../model/time-range.js';
import { urlPath } from '../model/url-display.js';
import { Link, navigate, toHref } from '../router.js';
import { rangeFromParams, rangeToParams } from './url-range.js';

const OUTCOMES = ['fault', 'error', 'throttle', 'ok'] as const;
/** The "slower than" choices, in seconds (the API's `minDuration`). */
const SLOWER_THAN = ['0.1', '0.5', '1', '5', '30'] as const;
const PAGE = 100;

interface Results {
  rows: SegmentRow[];
  next: string | undefined;
}

/**
 * Every invocation of one service (`/service/:name`): its segments newest first, trace roots
 * or not (a worker job inside a request's trace too), each with its own outcome and duration
 * and a link to the trace at that segment. URL: the range (`last` or `from`/`to`), `outcome`
 * and `min` (seconds: only invocations that took at least this long).
 */
export function InvocationsPage({ service, params }: { service: string; params: URLSearchParams }) {
  const spec = rangeFromParams(params);
  const outcome = params.get('outcome') ?? '';
  const min = params.get('min') ?? '';
  const [refresh, setRefresh] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh re-resolves "last N" on purpose
  const range = useMemo(() => resolveRange(spec, Date.now()), [spec.last, spec.fromMs, spec.toMs, refresh]);
  const [results, setResults] = useState<Results | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    setError(undefined);
    setResults(undefined);
    getSegments({ service, ...range, outcome, minDuration: min, limit: PAGE }, ac.signal)
      .then((p) => {
        // A search replaced by a newer one (another filter chosen) must not overwrite its results.
        if (!ac.signal.aborted) setResults({ rows: p.segments, next: p.next });
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setError((e as Error).message);
      })
      .finally(() => {
        if (!ac.signal.aborted) setLoading(false);
      });
    return () => ac.abort();
  }, [service, range, outcome, min]);

  const loadMore = async () => {
    if (!results?.next) return;
    setLoading(true);
    try {
      const p = await getSegments({
        service,
        ...range,
        outcome,
        minDuration: min,
        limit: PAGE,
        before: results.next,
      });
      setResults({ rows: [...results.rows, ...p.segments], next: p.next });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };

  const go = (next: { range?: RangeSpec; outcome?: string; min?: string }) => {
    const href = toHref(`/service/${encodeURIComponent(service)}`, {
      ...rangeToParams(next.range ?? spec),
      outcome: next.outcome ?? outcome,
      min: next.min ?? min,
    });
    if (href === window.location.pathname + window.location.search) setRefresh((n) => n + 1);
    else navigate(href);
  };

  return (
    <div className="page invocations-page">
      <div className="toolbar">
        <h2>
          Invocations of <span data-testid="invocations-service">{service}</span>
        </h2>
        <RangePicker spec={spec} resolved={range} onChange={(r) => go({ range: r })} />
        <label>
          Outcome{' '}
          <select
            aria-label="Outcome"
            data-testid="outcome-filter"
            value={outcome}
            onChange={(e) => go({ outcome: e.target.value })}
          >
            <option value="">all</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label>
          Took at least{' '}
          <select
            aria-label="Took at least"
            data-testid="min-duration-filter"
            value={min}
            onChange={(e) => go({ min: e.target.value })}
          >
            <option value="">any time</option>
            {SLOWER_THAN.map((s) => (
              <option key={s} value={s}>
                {formatSeconds(Number(s))}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => go({})} title="Search again now">
          ↻ Refresh
        </button>
        <Link className="button" href={toHref('/map', { ...rangeToParams(spec), node: undefined })}>
          Service map
        </Link>
      </div>
      {error && <p className="error-box">{error}</p>}
      <div className="list-head">
        <span className="count" data-testid="invocation-count">
          {results
            ? `${results.rows.length} invocation${results.rows.length === 1 ? '' : 's'}${results.next ? ' (more available)' : ''}`
            : loading
              ? 'Searching…'
              : ''}
        </span>
        {loading && <span className="spinner" role="status" aria-label="Loading" />}
      </div>
      {results && results.rows.length === 0 && !loading && (
        <p className="empty">
          No {outcome ? `${outcome} ` : ''}invocations of {service} in this range. Widen the time range.
        </p>
      )}
      {results && results.rows.length > 0 && <InvocationTable rows={results.rows} />}
      {results?.next && (
        <button type="button" className="more" onClick={loadMore} disabled={loading}>
          Load more (older)
        </button>
      )}
    </div>
  );
}

function InvocationTable({ rows }: { rows: SegmentRow[] }) {
  const now = Date.now();
  return (
    <div className="table-wrap">
      <table className="traces" data-testid="invocation-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Status</th>
            <th className="num">Duration</th>
            <th>Invocation</th>
            <th>Trace id</th>
            <th>Annotations</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.traceId}/${r.id}`} data-segment-id={r.id}>
              <td className="nowrap">{formatTime(r.startUs / 1e6, now)}</td>
              <td>
                <OutcomeBadge outcome={toBadge(r)} status={r.httpStatus ?? undefined} />
              </td>
              <td className="num" data-testid="invocation-duration">
                {r.durationUs === null ? '' : formatSeconds(r.durationUs / 1e6)}
              </td>
              <td title={r.httpUrl ?? r.name}>
                <div className="request">
                  {r.httpMethod && <span className="method">{r.httpMethod}</span>}
                  <span className="ellipsis">{r.httpUrl ? urlPath(r.httpUrl) : r.name}</span>
                </div>
              </td>
              <td className="mono">
                <Link href={toHref(`/trace/${r.traceId}`, { row: r.id })}>{r.traceId}</Link>
              </td>
              <td className="annotations">
                <AnnotationChips annotations={Object.entries(r.annotations).map(([k, v]) => [k, [v]])} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The server's outcome (the service map's counting, which the filter uses); an unfinished ok one is in progress. */
function toBadge(r: SegmentRow): Outcome {
  return r.inProgress && r.outcome === 'ok' ? 'pending' : r.outcome;
}
