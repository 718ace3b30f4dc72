import type { TraceSummary } from '@fluoro/model/browser';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, getTraceSummaries } from '../api/client.js';
import { AnnotationChips } from '../components/AnnotationChips.js';
import { DistributionChart } from '../components/DistributionChart.js';
import { FilterBar } from '../components/FilterBar.js';
import { GroupSelect } from '../components/GroupSelect.js';
import { OutcomeBadge } from '../components/OutcomeBadge.js';
import { RangePicker } from '../components/RangePicker.js';
import { FILE_TRACE_ID, setOpenedTrace } from '../local-trace.js';
import { andFilter, errorColumn, quote, withResponseTimeRange } from '../model/filter-syntax.js';
import { toLatencyBins } from '../model/histogram.js';
import { summaryOutcome } from '../model/outcome.js';
import { formatSeconds, formatTime, type RangeSpec, resolveRange } from '../model/time-range.js';
import { parseTraceFile } from '../model/trace-file.js';
import { urlPath } from '../model/url-display.js';
import { Link, navigate, toHref } from '../router.js';
import { rangeFromParams, rangeToParams } from './url-range.js';

interface Results {
  summaries: TraceSummary[];
  scanned: number;
  nextToken: string | undefined;
}

/** Pages to read ahead when a page matched nothing (sparse results over a long range). */
const EMPTY_PAGES_AHEAD = 10;

/** Traces: time range, filter expression, distribution chart, and the newest-first list. */
export function TracesPage({ params }: { params: URLSearchParams }) {
  const spec = rangeFromParams(params);
  const filter = params.get('filter') ?? '';
  const group = params.get('group') ?? undefined;
  // A group is a saved filter expression; the search ANDs it with the user's own.
  const effective = group ? andFilter(`group.name = ${quote(group)}`, filter) : filter;
  const [draft, setDraft] = useState(filter);
  const [results, setResults] = useState<Results | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<{ message: string; column: number | undefined } | undefined>();
  const [refresh, setRefresh] = useState(0);
  // The range resolves once per search, so "last 1h" means the hour before the search ran.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh re-resolves on purpose
  const range = useMemo(() => resolveRange(spec, Date.now()), [spec.last, spec.fromMs, spec.toMs, refresh]);

  useEffect(() => setDraft(filter), [filter]);

  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    setError(undefined);
    setResults(undefined);
    (async () => {
      let acc: Results = { summaries: [], scanned: 0, nextToken: undefined };
      for (let i = 0; i < EMPTY_PAGES_AHEAD; i++) {
        const page = await getTraceSummaries(
          { ...range, filter: effective, ...(acc.nextToken ? { nextToken: acc.nextToken } : {}) },
          ac.signal,
        );
        acc = {
          summaries: [...acc.summaries, ...page.TraceSummaries],
          scanned: acc.scanned + (page.TracesProcessedCount ?? 0),
          nextToken: page.NextToken,
        };
        if (acc.summaries.length > 0 || !acc.nextToken) break;
      }
      setResults(acc);
    })()
      .catch((e: unknown) => {
        if (ac.signal.aborted) return;
        const message = e instanceof Error ? e.message : String(e);
        // The server's column counts in the expression sent; the group's part comes first.
        const shift = effective.length - filter.length;
        const column = e instanceof ApiError ? errorColumn(message) : undefined;
        setError({ message, column: column !== undefined && column > shift ? column - shift : undefined });
      })
      .finally(() => {
        if (!ac.signal.aborted) setLoading(false);
      });
    return () => ac.abort();
  }, [range, effective, filter]);

  const loadMore = async () => {
    if (!results?.nextToken) return;
    setLoading(true);
    try {
      const page = await getTraceSummaries({ ...range, filter: effective, nextToken: results.nextToken });
      setResults({
        summaries: [...results.summaries, ...page.TraceSummaries],
        scanned: results.scanned + (page.TracesProcessedCount ?? 0),
        nextToken: page.NextToken,
      });
    } catch (e) {
      setError({ message: (e as Error).message, column: undefined });
    } finally {
      setLoading(false);
    }
  };

  const go = (next: { range?: RangeSpec; filter?: string; group?: string | null }) => {
    const r = next.range ?? spec;
    const g = next.group === undefined ? group : (next.group ?? undefined);
    const href = toHref('/', { ...rangeToParams(r), group: g, filter: next.filter ?? filter });
    if (href === window.location.pathname + window.location.search) setRefresh((n) => n + 1);
    else navigate(href);
  };

  const sources = useMemo(() => {
    const services = new Set<string>();
    const keys = new Set<string>();
    for (const s of results?.summaries ?? []) {
      for (const id of s.ServiceIds) services.add(id.Name);
      for (const k of Object.keys(s.Annotations)) keys.add(k);
    }
    return { services: [...services].sort(), annotationKeys: [...keys].sort() };
  }, [results]);

  const bins = useMemo(
    () =>
      toLatencyBins(
        (results?.summaries ?? []).map((s) => s.ResponseTime ?? s.Duration),
        40,
      ),
    [results],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key === '/' && t.tagName !== 'INPUT' && t.tagName !== 'TEXTAREA') {
        e.preventDefault();
        document.getElementById('filter')?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="page traces-page">
      <div className="toolbar">
        <GroupSelect value={group} onChange={(g) => go({ group: g ?? null })} />
        <RangePicker spec={spec} resolved={range} onChange={(r) => go({ range: r })} />
        <label
          className="button file-open"
          title="Open a trace from a JSON file (a download, or aws xray batch-get-traces output)"
        >
          Open trace file…
          <input
            type="file"
            accept=".json,.jsonl,application/json"
            aria-label="Open trace file"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              const r = parseTraceFile(await file.text());
              if ('error' in r) setError({ message: `${file.name}: ${r.error}`, column: undefined });
              else {
                setOpenedTrace(r.id, r.documents);
                navigate(`/trace/${FILE_TRACE_ID}`);
              }
            }}
          />
        </label>
        <button type="button" onClick={() => go({})} title="Search again now">
          ↻ Refresh
        </button>
      </div>
      <FilterBar
        value={draft}
        onChange={setDraft}
        onSubmit={(v) => go({ filter: v })}
        error={error}
        sources={sources}
      />
      <DistributionChart
        series={[{ name: 'traces', className: 'series-main', bins }]}
        label={`Response time distribution (${results?.summaries.length ?? 0} traces loaded)`}
        onSelect={(lo, hi) => go({ filter: withResponseTimeRange(filter, lo, hi) })}
      />
      <div className="list-head">
        <span className="count" data-testid="match-count">
          {results
            ? `${results.summaries.length} matched of ${results.scanned} scanned${results.nextToken ? ' (more available)' : ''}`
            : loading
              ? 'Searching…'
              : ''}
        </span>
        {loading && <span className="spinner" role="status" aria-label="Loading" />}
      </div>
      {results && results.summaries.length === 0 && !loading && (
        <p className="empty">
          No traces in this range{filter ? ' match the filter' : ''}. Send some with an X-Ray SDK to{' '}
          <code>udp://127.0.0.1:2000</code>, or widen the time range.
        </p>
      )}
      {results && results.summaries.length > 0 && <TraceTable summaries={results.summaries} />}
      {results?.nextToken && (
        <button type="button" className="more" onClick={loadMore} disabled={loading}>
          Load more (older)
        </button>
      )}
    </div>
  );
}

function TraceTable({ summaries }: { summaries: TraceSummary[] }) {
  const now = Date.now();
  return (
    <div className="table-wrap">
      <table className="traces" data-testid="trace-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Trace id</th>
            <th>Request</th>
            <th>Status</th>
            <th className="num">Response</th>
            <th className="num">Duration</th>
            <th>Services</th>
            <th>Annotations</th>
          </tr>
        </thead>
        <tbody>
          {summaries.map((s) => (
            <tr key={s.Id} data-trace-id={s.Id}>
              <td className="nowrap">{formatTime(s.StartTime, now)}</td>
              <td className="mono">
                <Link href={`/trace/${s.Id}`}>{s.Id}</Link>
              </td>
              <td title={s.Http?.HttpURL ?? ''}>
                <div className="request">
                  {s.Http?.HttpMethod && <span className="method">{s.Http.HttpMethod}</span>}
                  <span className="ellipsis">{urlPath(s.Http?.HttpURL ?? '')}</span>
                </div>
              </td>
              <td>
                <OutcomeBadge outcome={summaryOutcome(s)} status={s.Http?.HttpStatus} />
              </td>
              <td className="num">{s.ResponseTime !== undefined ? formatSeconds(s.ResponseTime) : ''}</td>
              <td className="num">{formatSeconds(s.Duration)}</td>
              <td className="services">{s.ServiceIds.map((x) => x.Name).join(', ')}</td>
              <td className="annotations">
                <AnnotationChips
                  annotations={Object.entries(s.Annotations).map(([k, vs]) => [
                    k,
                    vs.map((v) => Object.values(v.AnnotationValue)[0]),
                  ])}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
