import type { TraceSummary } from '@fluoro/model/browser';
import { useEffect, useMemo, useState } from 'react';
import { collectSummaries } from '../api/client.js';
import { Breakdown } from '../components/Breakdown.js';
import { DistributionChart } from '../components/DistributionChart.js';
import { RangePicker } from '../components/RangePicker.js';
import { SeriesChart } from '../components/SeriesChart.js';
import { breakdown, rootCauses, toSeries } from '../model/analytics.js';
import { andFilter, quote, withResponseTimeRange } from '../model/filter-syntax.js';
import { toBins } from '../model/histogram.js';
import { formatSeconds, resolveRange } from '../model/time-range.js';
import { urlPath } from '../model/url-display.js';
import { Link, navigate, toHref } from '../router.js';
import { rangeFromParams, rangeToParams } from './url-range.js';

/** Most traces read per set; the page says when a set was cut there. */
const MAX_TRACES = 2000;
const BUCKETS = 30;

interface SetResult {
  summaries: TraceSummary[];
  complete: boolean;
  error?: string;
}

/** Analytics: distribution, time series and breakdowns for filter A, compared with filter B. */
export function AnalyticsPage({ params }: { params: URLSearchParams }) {
  const spec = rangeFromParams(params);
  const a = params.get('a') ?? '';
  const b = params.get('b');
  const [draftA, setDraftA] = useState(a);
  const [draftB, setDraftB] = useState(b ?? '');
  // biome-ignore lint/correctness/useExhaustiveDependencies: resolve once per range choice
  const range = useMemo(() => resolveRange(spec, Date.now()), [spec.last, spec.fromMs, spec.toMs]);
  const [setA, setSetA] = useState<SetResult | undefined>();
  const [setB, setSetB] = useState<SetResult | undefined>();

  useEffect(() => {
    setDraftA(a);
    setDraftB(b ?? '');
  }, [a, b]);
  useEffect(() => {
    const ac = new AbortController();
    const load = (filter: string, set: (r: SetResult) => void) =>
      collectSummaries({ ...range, filter }, MAX_TRACES, ac.signal)
        .then((r) => set({ summaries: r.summaries, complete: r.complete }))
        .catch((e: unknown) => {
          if (!ac.signal.aborted) set({ summaries: [], complete: true, error: (e as Error).message });
        });
    setSetA(undefined);
    setSetB(undefined);
    void load(a, setSetA);
    if (b !== null) void load(b, setSetB);
    return () => ac.abort();
  }, [range, a, b]);

  // X-Ray's gesture: dragging across a time series narrows the time range to the part selected.
  const zoomTo = (from: number, to: number) => {
    let f0 = from;
    let f1 = to;
    const span = range.endMs - range.startMs;
    // A drag that reaches an edge means "to the edge" (the last pixel is hard to hit).
    if (f1 > 0.98) f1 = 1;
    if (f0 < 0.02) f0 = 0;
    navigate(
      toHref('/analytics', {
        from: Math.round(range.startMs + f0 * span),
        to: Math.round(range.startMs + f1 * span),
        a,
        b: b ?? undefined,
      }),
    );
  };
  const go = (next: Record<string, string | undefined>) =>
    navigate(toHref('/analytics', { ...rangeToParams(spec), a, b: b ?? undefined, ...next }));

  const sa = setA?.summaries ?? [];
  const sb = setB?.summaries ?? [];
  const rt = (s: TraceSummary) => s.ResponseTime ?? s.Duration;
  const all = [...sa, ...sb].map(rt);
  const maxRt = all.length ? Math.max(...all) : 0;
  const binsOf = (list: TraceSummary[]) => toBins(list.map(rt), 30, true, maxRt);
  // Root-cause rows are labelled "service: path (exception)"; clicking one filters on its service.
  const rcService = new Map(
    [...sa, ...sb]
      .flatMap((x) => [...rootCauses(x, 'fault'), ...rootCauses(x, 'responsetime')])
      .map((r) => [r.label, r.service]),
  );
  const seriesA = useMemo(() => toSeries(sa, range.startMs, range.endMs, BUCKETS), [sa, range]);
  const seriesB = useMemo(() => toSeries(sb, range.startMs, range.endMs, BUCKETS), [sb, range]);

  return (
    <div className="page analytics-page">
      <div className="toolbar">
        <RangePicker
          spec={spec}
          resolved={range}
          onChange={(r) => navigate(toHref('/analytics', { ...rangeToParams(r), a, b: b ?? undefined }))}
        />
      </div>
      <form
        className="ab-filters"
        onSubmit={(e) => {
          e.preventDefault();
          go({ a: draftA, b: draftB.trim() ? draftB : undefined });
        }}
      >
        <label className="set-a">
          <span>A</span>
          <input
            aria-label="Filter A"
            value={draftA}
            onChange={(e) => setDraftA(e.target.value)}
            placeholder="Filter A (empty: all traces)"
          />
        </label>
        <label className="set-b">
          <span>B</span>
          <input
            aria-label="Filter B"
            value={draftB}
            onChange={(e) => setDraftB(e.target.value)}
            placeholder="Compare with filter B (optional)"
          />
        </label>
        <button type="submit" className="primary">
          Analyze
        </button>
      </form>
      {setA?.error && <p className="error-box">A: {setA.error}</p>}
      {setB?.error && <p className="error-box">B: {setB.error}</p>}
      <p className="muted" data-testid="analytics-count">
        {setA ? `A: ${sa.length}${setA.complete ? '' : '+'} traces` : 'A: loading…'}
        {b !== null ? (setB ? ` · B: ${sb.length}${setB.complete ? '' : '+'} traces` : ' · B: loading…') : ''}
        {(setA && !setA.complete) || (setB && !setB.complete) ? ` (first ${MAX_TRACES} of each set)` : ''} ·{' '}
        <Link href={toHref('/', { ...rangeToParams(spec), filter: a })}>view A's traces</Link>
      </p>
      <DistributionChart
        series={[
          { name: 'A', className: 'series-a', bins: binsOf(sa) },
          ...(b !== null ? [{ name: 'B', className: 'series-b', bins: binsOf(sb) }] : []),
        ]}
        onSelect={(lo, hi) => go({ a: withResponseTimeRange(a, lo, hi) })}
      />
      <div className="series-grid">
        <SeriesChart
          onRange={zoomTo}
          title="Requests"
          a={seriesA}
          b={b !== null ? seriesB : undefined}
          value={(p) => p.count}
          format={(v) => v.toFixed(0)}
        />
        <SeriesChart
          onRange={zoomTo}
          title="Fault rate (5xx)"
          a={seriesA}
          b={b !== null ? seriesB : undefined}
          value={(p) => p.faultRate}
          format={pct}
        />
        <SeriesChart
          onRange={zoomTo}
          title="Error rate (4xx)"
          a={seriesA}
          b={b !== null ? seriesB : undefined}
          value={(p) => p.errorRate}
          format={pct}
        />
        <SeriesChart
          onRange={zoomTo}
          title="Throttle rate (429)"
          a={seriesA}
          b={b !== null ? seriesB : undefined}
          value={(p) => p.throttleRate}
          format={pct}
        />
        <SeriesChart
          onRange={zoomTo}
          title="p50 response"
          a={seriesA}
          b={b !== null ? seriesB : undefined}
          value={(p) => p.p50S}
          format={formatSeconds}
        />
        <SeriesChart
          onRange={zoomTo}
          title="p90 response"
          a={seriesA}
          b={b !== null ? seriesB : undefined}
          value={(p) => p.p90S}
          format={formatSeconds}
        />
        <SeriesChart
          onRange={zoomTo}
          title="p99 response"
          a={seriesA}
          b={b !== null ? seriesB : undefined}
          value={(p) => p.p99S}
          format={formatSeconds}
        />
      </div>
      <div className="breakdowns">
        <Breakdown
          title="HTTP status"
          rows={breakdown(sa, sb, (s) =>
            s.Http?.HttpStatus !== undefined ? [String(s.Http.HttpStatus)] : [],
          )}
          totalA={sa.length}
          totalB={b !== null ? sb.length : undefined}
          onPick={(v) => go({ a: andFilter(a, `http.status = ${v}`) })}
        />
        <Breakdown
          title="Users"
          rows={breakdown(sa, sb, (s) => s.Users.map((u) => u.UserName))}
          totalA={sa.length}
          totalB={b !== null ? sb.length : undefined}
          onPick={(v) => go({ a: andFilter(a, `user = ${quote(v)}`) })}
        />
        <Breakdown
          title="URLs"
          rows={breakdown(sa, sb, (s) => (s.Http?.HttpURL ? [s.Http.HttpURL] : []))}
          totalA={sa.length}
          totalB={b !== null ? sb.length : undefined}
          onPick={(v) => go({ a: andFilter(a, `http.url = ${quote(v)}`) })}
          label={urlPath}
        />
        <Breakdown
          title="Fault root causes"
          rows={breakdown(sa, sb, (s) => rootCauses(s, 'fault').map((r) => r.label))}
          totalA={sa.length}
          totalB={b !== null ? sb.length : undefined}
          onPick={(v) =>
            go({ a: andFilter(a, `rootcause.fault.service { name = ${quote(rcService.get(v) ?? v)} }`) })
          }
        />
        <Breakdown
          title="Response time root causes"
          rows={breakdown(sa, sb, (s) => rootCauses(s, 'responsetime').map((r) => r.label))}
          totalA={sa.length}
          totalB={b !== null ? sb.length : undefined}
          onPick={(v) =>
            go({
              a: andFilter(a, `rootcause.responsetime.service { name = ${quote(rcService.get(v) ?? v)} }`),
            })
          }
        />
        <Breakdown
          title="Services"
          rows={breakdown(sa, sb, (s) => s.ServiceIds.map((x) => x.Name))}
          totalA={sa.length}
          totalB={b !== null ? sb.length : undefined}
          onPick={(v) => go({ a: andFilter(a, `service(${quote(v)})`) })}
        />
      </div>
    </div>
  );
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—';
}
