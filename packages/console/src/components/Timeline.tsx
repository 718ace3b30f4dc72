import { useEffect, useRef, useState } from 'react';
import { formatSeconds } from '../model/time-range.js';
import type { TimelineRow } from '../model/timeline.js';
import { serviceColor } from './service-color.js';

/** Height of one timeline row in CSS pixels (fixed, so only the rows on screen are rendered). */
export const ROW_HEIGHT = 26;
const OVERSCAN = 12;

/**
 * The waterfall: one row per segment/subsegment, indented by depth, with a bar placed on the
 * zoomed time window [viewStartS, viewEndS]. Virtualised: only the rows in view (plus a few)
 * are in the DOM, so a 50,000-row trace scrolls like a 50-row one.
 */
export function Timeline({
  rows,
  traceStartS,
  viewStartS,
  viewEndS,
  selectedId,
  collapsed,
  matches,
  onSelect,
  onToggle,
  scrollToIndex,
}: {
  rows: TimelineRow[];
  traceStartS: number;
  viewStartS: number;
  viewEndS: number;
  selectedId: string | undefined;
  collapsed: ReadonlySet<string>;
  matches: ReadonlySet<string>;
  onSelect: (row: TimelineRow) => void;
  onToggle: (row: TimelineRow) => void;
  scrollToIndex: number | undefined;
}) {
  const body = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useEffect(() => {
    const el = body.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = body.current;
    if (!el || scrollToIndex === undefined || scrollToIndex < 0) return;
    const top = scrollToIndex * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [scrollToIndex]);

  const span = viewEndS - viewStartS || 1e-9;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => viewStartS + f * span);

  const windowRows: TimelineRow[] = [];
  for (let i = first; i < last; i++) windowRows.push(rows[i]!);

  return (
    <div className="timeline" data-testid="timeline" data-row-count={rows.length}>
      <div className="tl-head">
        <div className="tl-name">Segment / subsegment</div>
        <div className="tl-bars">
          {ticks.map((t, i) => (
            <span key={t} className="tl-tick" style={{ left: `${i * 25}%` }}>
              {formatSeconds(t - traceStartS)}
            </span>
          ))}
        </div>
      </div>
      <div
        className="tl-body"
        ref={body}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        data-testid="timeline-body"
      >
        <div className="tl-spacer" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
          {windowRows.map((r, i) => {
            const pos = first + i;
            const left = ((r.startS - viewStartS) / span) * 100;
            const width = ((r.endS - r.startS) / span) * 100;
            const hasKids = r.subtreeEnd > r.index + 1;
            const isCollapsed = collapsed.has(r.id);
            // Duration label: after the bar, before it when the bar reaches the right edge, inside when it fills the view.
            const labelAt = left + width <= 80 ? 'after' : left >= 15 ? 'before' : 'inside';
            return (
              // biome-ignore lint/a11y/noStaticElementInteractions: rows are driven from the keyboard by the page (j/k/Enter)
              <div
                key={r.id}
                className={`tl-row${r.id === selectedId ? ' selected' : ''}${matches.has(r.id) ? ' match' : ''}${r.kind === 'segment' ? ' is-segment' : ''}`}
                style={{ top: `${pos * ROW_HEIGHT}px` }}
                onClick={() => onSelect(r)}
                onKeyDown={() => {}}
                data-row-id={r.id}
                data-row-index={pos}
              >
                <div className="tl-name" style={{ paddingLeft: `${Math.min(r.depth, 24) * 14 + 4}px` }}>
                  {hasKids ? (
                    <button
                      type="button"
                      className="toggle"
                      aria-label={isCollapsed ? 'Expand' : 'Collapse'}
                      onClick={(e) => {
                        e.stopPropagation();
                        onToggle(r);
                      }}
                    >
                      {isCollapsed ? '▸' : '▾'}
                    </button>
                  ) : (
                    <span className="toggle-space" />
                  )}
                  <span
                    className="svc-dot"
                    style={{ background: serviceColor(r.service) }}
                    title={r.service}
                  />
                  {r.kind === 'segment' ? (
                    <strong className="row-name">{r.name}</strong>
                  ) : (
                    <span className="row-name">{r.name}</span>
                  )}
                  {r.kind === 'segment' && r.entity['origin'] ? (
                    <span className="muted origin">{String(r.entity['origin'])}</span>
                  ) : null}
                  {r.kind === 'segment' && r.entity['inferred'] === true ? (
                    <span
                      className="muted origin"
                      title="This downstream sent no segment; it is inferred from the call"
                    >
                      inferred
                    </span>
                  ) : null}
                  {isCollapsed && <span className="muted hidden-count">+{r.subtreeEnd - r.index - 1}</span>}
                </div>
                <div className="tl-bars">
                  <span
                    className={`tl-bar outcome-${r.outcome}`}
                    style={{ left: `${left}%`, width: `max(2px, ${width}%)` }}
                  />
                  <span
                    className={`tl-dur${labelAt === 'inside' ? ' inside' : ''}`}
                    style={
                      labelAt === 'after'
                        ? { left: `calc(${left + width}% + 4px)` }
                        : labelAt === 'before'
                          ? { right: `${100 - left}%` }
                          : { left: `${Math.max(0, left)}%` }
                    }
                  >
                    {formatSeconds(r.endS - r.startS)}
                    {r.inProgress ? ' …' : ''}
                  </span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
