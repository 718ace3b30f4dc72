import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { getServiceTimes, getTrace, type ServiceTimesResult, type TraceResult } from '../api/client.js';
import { DetailPanel, TABS, type Tab } from '../components/DetailPanel.js';
import { Minimap } from '../components/Minimap.js';
import { RawJson } from '../components/RawJson.js';
import { ServiceTimeBar } from '../components/ServiceTimeBar.js';
import { Timeline } from '../components/Timeline.js';
import { TraceHeader } from '../components/TraceHeader.js';
import { TraceMap } from '../components/TraceMap.js';
import { isTyping } from '../is-typing.js';
import { FILE_TRACE_ID, openedTrace } from '../local-trace.js';
import { toServiceTimes } from '../model/service-times.js';
import { parseZoom } from '../model/time-range.js';
import { parentIds, type TimelineRow, toTimeline, visibleRows } from '../model/timeline.js';
import { findRows } from '../model/trace-find.js';
import { Link, navigate, toHref } from '../router.js';

/** Trace detail (/trace/:id): summary, time in each service, minimap, timeline and detail panel. */
export function TraceDetailPage({ traceId, params }: { traceId: string; params: URLSearchParams }) {
  const [trace, setTrace] = useState<TraceResult | null | undefined>(undefined);
  // undefined: not answered yet; null: the server has no such endpoint (or failed).
  const [serverTimes, setServerTimes] = useState<ServiceTimesResult | null | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [raw, setRaw] = useState(false);
  const [find, setFind] = useState(params.get('find') ?? '');
  const [matchAt, setMatchAt] = useState(0);
  const [scrollTo, setScrollTo] = useState<number | undefined>();
  const findInput = useRef<HTMLInputElement>(null);

  const selectedId = params.get('row') ?? undefined;
  const tabParam = params.get('tab') as Tab | null;
  const tab: Tab = tabParam && (TABS as readonly string[]).includes(tabParam) ? tabParam : 'overview';
  const zoom = parseZoom(params.get('zoom'));

  useEffect(() => {
    const ac = new AbortController();
    if (traceId === FILE_TRACE_ID) {
      setTrace(openedTrace() ?? null);
      setServerTimes(null);
      return;
    }
    getTrace(traceId, ac.signal)
      .then((t) => {
        setTrace(t ?? null);
        // The server's time-in-service (calls measured into the callee, inferred downstreams
        // named), asked after the trace so it never delays the timeline; without that endpoint
        // the page computes self time from the timeline itself.
        if (t)
          getServiceTimes(traceId, ac.signal)
            .then((r) => setServerTimes(r ?? null))
            .catch(() => setServerTimes(null));
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setError((e as Error).message);
      });
    return () => ac.abort();
  }, [traceId]);

  const timeline = useMemo(
    () => (trace ? toTimeline(trace.Segments.map((s) => s.Document)) : undefined),
    [trace],
  );
  const shown = useMemo(() => (timeline ? visibleRows(timeline.rows, collapsed) : []), [timeline, collapsed]);
  const times = useMemo(() => {
    if (serverTimes && serverTimes.services.length > 0) {
      const sum = serverTimes.services.reduce((a, x) => a + x.selfUs, 0);
      return serverTimes.services.map((x) => ({
        name: x.name,
        selfS: x.selfUs / 1e6,
        share: sum > 0 ? x.selfUs / sum : 0,
      }));
    }
    return timeline && serverTimes === null ? toServiceTimes(timeline.rows) : [];
  }, [timeline, serverTimes]);
  const matches = useMemo(() => (timeline ? findRows(timeline.rows, find) : []), [timeline, find]);
  const matchSet = useMemo(() => new Set(matches.map((r) => r.id)), [matches]);
  const selected = timeline?.rows.find((r) => r.id === selectedId);

  const setParams = useCallback((next: Record<string, string | undefined>) => {
    const p = Object.fromEntries(new URLSearchParams(window.location.search));
    navigate(toHref(window.location.pathname, { ...p, ...next }), { replace: true });
  }, []);
  const select = useCallback(
    (r: TimelineRow | undefined) => {
      setParams({ row: r?.id });
      if (r) setScrollTo(shown.indexOf(r));
    },
    [setParams, shown],
  );
  const toggle = useCallback((r: TimelineRow) => {
    setCollapsed((c) => {
      const n = new Set(c);
      if (n.has(r.id)) n.delete(r.id);
      else n.add(r.id);
      return n;
    });
  }, []);

  const span = timeline ? timeline.endS - timeline.startS : 0;
  const viewStartS = timeline ? timeline.startS + zoom[0] * span : 0;
  const viewEndS = timeline ? timeline.startS + zoom[1] * span : 1;
  const setZoom = (z: [number, number]) =>
    setParams({ zoom: z[0] <= 0 && z[1] >= 1 ? undefined : `${z[0].toFixed(4)},${z[1].toFixed(4)}` });

  const jumpToMatch = (k: number) => {
    if (matches.length === 0) return;
    const i = ((k % matches.length) + matches.length) % matches.length;
    const target = matches[i]!;
    // Expand every collapsed ancestor so the match is on screen.
    if (timeline) {
      const open = new Set(collapsed);
      for (let p = target.parentIndex; p >= 0; p = timeline.rows[p]!.parentIndex)
        open.delete(timeline.rows[p]!.id);
      setCollapsed(open);
    }
    setMatchAt(i);
    setParams({ row: target.id });
    requestAnimationFrame(() => setScrollTo(-1));
  };

  // Scroll to the selected row once the visible rows are known (after expanding ancestors).
  useEffect(() => {
    if (scrollTo === -1 && selected) setScrollTo(shown.indexOf(selected));
  }, [scrollTo, selected, shown]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const i = selected ? shown.indexOf(selected) : -1;
      const go = (k: number) => {
        const r = shown[Math.max(0, Math.min(shown.length - 1, k))];
        if (r) select(r);
      };
      switch (e.key) {
        case 'j':
        case 'ArrowDown':
          e.preventDefault();
          go(i + 1);
          break;
        case 'k':
        case 'ArrowUp':
          e.preventDefault();
          go(i - 1);
          break;
        case 'Enter':
        case ' ':
          if (selected) {
            e.preventDefault();
            toggle(selected);
          }
          break;
        case 'ArrowLeft':
          if (selected && !collapsed.has(selected.id) && selected.subtreeEnd > selected.index + 1)
            toggle(selected);
          else if (selected && selected.parentIndex >= 0) select(timeline?.rows[selected.parentIndex]);
          break;
        case 'ArrowRight':
          if (selected && collapsed.has(selected.id)) toggle(selected);
          break;
        case ']':
          if (timeline) setCollapsed(parentIds(timeline.rows));
          break;
        case '[':
          setCollapsed(new Set());
          break;
        case '+':
        case '=':
        case '-': {
          const mid =
            selected && span > 0
              ? (selected.startS - (timeline?.startS ?? 0)) / span
              : (zoom[0] + zoom[1]) / 2;
          const width = (zoom[1] - zoom[0]) * (e.key === '-' ? 2 : 0.5);
          const a = Math.max(0, Math.min(1 - width, mid - width / 2));
          setZoom(width >= 1 ? [0, 1] : [a, a + width]);
          break;
        }
        case '0':
          setZoom([0, 1]);
          break;
        case '/':
          e.preventDefault();
          findInput.current?.focus();
          break;
        case 'n':
          jumpToMatch(matchAt + 1);
          break;
        case 'N':
          jumpToMatch(matchAt - 1);
          break;
        case 'Escape':
          if (selected) setParams({ row: undefined });
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (error)
    return (
      <p className="error-box">
        Could not load trace {traceId}: {error}
      </p>
    );
  if (trace === undefined) return <p className="muted page">Loading trace {traceId}…</p>;
  if (trace === null || !timeline)
    return (
      <div className="page">
        <p className="empty">
          {traceId === FILE_TRACE_ID ? (
            'No trace file is open in this tab: open one from the Traces page.'
          ) : (
            <>
              Trace <code>{traceId}</code> was not found. It may not have arrived yet, or it is older than the
              data kept.
            </>
          )}
        </p>
        <Link href="/">Back to traces</Link>
      </div>
    );

  return (
    <div className={`page trace-page${selected ? ' with-detail' : ''}`}>
      <TraceHeader trace={trace} timeline={timeline} raw={raw} onRaw={() => setRaw((r) => !r)} />
      {raw ? (
        <RawJson trace={trace} />
      ) : (
        <>
          <div className="trace-overview">
            <ServiceTimeBar times={times} loading={serverTimes === undefined} />
            <TraceMap
              rows={timeline.rows}
              onNode={(name) => {
                setFind(name);
                setMatchAt(0);
                setParams({ find: name });
              }}
            />
          </div>
          <Minimap
            rows={timeline.rows}
            startS={timeline.startS}
            endS={timeline.endS}
            view={zoom}
            onView={setZoom}
          />
          <div className="find-bar">
            <input
              ref={findInput}
              aria-label="Find in trace"
              placeholder="Find in trace: name, service, annotation, URL… (/)"
              value={find}
              onChange={(e) => {
                setFind(e.target.value);
                setMatchAt(0);
                setParams({ find: e.target.value || undefined });
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter')
                  jumpToMatch(
                    e.shiftKey ? matchAt - 1 : matchAt + (selected && matchSet.has(selected.id) ? 1 : 0),
                  );
                if (e.key === 'Escape') {
                  setFind('');
                  setParams({ find: undefined });
                  e.currentTarget.blur();
                }
              }}
            />
            {find && (
              <span className="muted" data-testid="find-count">
                {matches.length === 0
                  ? 'no match'
                  : `${Math.min(matchAt + 1, matches.length)} of ${matches.length}`}
              </span>
            )}
            <span className="spacer" />
            <button
              type="button"
              onClick={() => setCollapsed(parentIds(timeline.rows))}
              title="Collapse all (])"
            >
              Collapse all
            </button>
            <button type="button" onClick={() => setCollapsed(new Set())} title="Expand all ([)">
              Expand all
            </button>
            {(zoom[0] > 0 || zoom[1] < 1) && (
              <button type="button" onClick={() => setZoom([0, 1])} title="Reset zoom (0)">
                Reset zoom
              </button>
            )}
          </div>
          <div className="trace-body">
            <Timeline
              rows={shown}
              traceStartS={timeline.startS}
              viewStartS={viewStartS}
              viewEndS={viewEndS}
              selectedId={selectedId}
              collapsed={collapsed}
              matches={matchSet}
              onSelect={select}
              onToggle={toggle}
              scrollToIndex={scrollTo}
            />
            {selected && (
              <DetailPanel
                row={selected}
                tab={tab}
                onTab={(t) => setParams({ tab: t === 'overview' ? undefined : t })}
                onClose={() => setParams({ row: undefined })}
              />
            )}
          </div>
        </>
      )}
    </div>
  );
}
