import { ENTITY_ID, XRAY_TRACE_ID, type XRayException } from '@fluoro/model/browser';
import { formatSeconds } from '../model/time-range.js';
import type { TimelineRow } from '../model/timeline.js';
import { Link, toHref } from '../router.js';
import { OutcomeBadge } from './OutcomeBadge.js';

export const TABS = ['overview', 'resources', 'annotations', 'metadata', 'exceptions'] as const;
export type Tab = (typeof TABS)[number];

/** The selected segment's details in X-Ray's tabs. Every value is rendered as text. */
export function DetailPanel({
  row,
  tab,
  onTab,
  onClose,
}: {
  row: TimelineRow;
  tab: Tab;
  onTab: (t: Tab) => void;
  onClose: () => void;
}) {
  const e = row.entity;
  const exceptions = exceptionsOf(e['cause']);
  const annotations = Object.entries((e.annotations ?? {}) as Record<string, unknown>);
  return (
    <aside className="detail" aria-label="Segment details" data-testid="detail-panel">
      <div className="detail-head">
        <div>
          <div className="detail-kind muted">
            {row.kind}
            {row.namespace ? ` · ${row.namespace}` : ''}
          </div>
          <h2 className="detail-title">{row.name}</h2>
        </div>
        <button type="button" className="icon" onClick={onClose} aria-label="Close details (Esc)">
          ×
        </button>
      </div>
      <div className="tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={t === tab}
            className={t === tab ? 'active' : ''}
            onClick={() => onTab(t)}
          >
            {t[0]!.toUpperCase() + t.slice(1)}
            {t === 'annotations' && annotations.length > 0 ? ` (${annotations.length})` : ''}
            {t === 'exceptions' && exceptions.length > 0 ? ` (${exceptions.length})` : ''}
          </button>
        ))}
      </div>
      <div className="tab-body" role="tabpanel">
        {tab === 'overview' && (
          <Overview row={row} exception={exceptions[0]} onExceptions={() => onTab('exceptions')} />
        )}
        {tab === 'resources' && <Resources e={e} />}
        {tab === 'annotations' &&
          (annotations.length === 0 ? (
            <p className="muted">No annotations.</p>
          ) : (
            <table className="kv" data-testid="annotations">
              <tbody>
                {annotations.map(([k, v]) => (
                  <tr key={k}>
                    <th>{k}</th>
                    <td>
                      {String(v)} <span className="muted">{typeof v}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        {tab === 'metadata' &&
          (e.metadata && Object.keys(e.metadata).length > 0 ? (
            <pre className="json">{JSON.stringify(e.metadata, null, 2)}</pre>
          ) : (
            <p className="muted">No metadata.</p>
          ))}
        {tab === 'exceptions' && <Exceptions cause={e['cause']} list={exceptions} />}
      </div>
    </aside>
  );
}

function Overview({
  row,
  exception,
  onExceptions,
}: {
  row: TimelineRow;
  /** The first exception recorded on the row: what ended it, shown without a tab change. */
  exception: XRayException | undefined;
  onExceptions: () => void;
}) {
  const e = row.entity;
  const http = e.http;
  const items: [string, string | undefined][] = [
    ['Id', row.id],
    ['Service', row.service],
    ['Start', new Date(row.startS * 1000).toISOString()],
    ['Duration', formatSeconds(row.endS - row.startS) + (row.inProgress ? ' (in progress)' : '')],
    ['Parent id', str(e['parent_id'])],
    ['Trace id', str(e['trace_id'])],
    ['Origin', str(e['origin'])],
    ['User', str(e['user'])],
    ['Method', http?.request?.method],
    ['URL', http?.request?.url],
    ['Client IP', http?.request?.client_ip],
    ['User agent', http?.request?.user_agent],
    ['Status', http?.response?.status !== undefined ? String(http.response.status) : undefined],
    [
      'Content length',
      http?.response?.content_length !== undefined ? String(http.response.content_length) : undefined,
    ],
  ];
  return (
    <>
      <p>
        <OutcomeBadge outcome={row.outcome} status={http?.response?.status} />
      </p>
      {exception && (exception.type || exception.message) && (
        <section className="exception" data-testid="overview-exception">
          <strong>{exception.type ?? 'Exception'}</strong>
          {exception.message ? `: ${exception.message}` : ''}{' '}
          <button type="button" className="link" onClick={onExceptions}>
            stack →
          </button>
        </section>
      )}
      <table className="kv">
        <tbody>
          {items
            .filter((i): i is [string, string] => i[1] !== undefined && i[1] !== '')
            .map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td className={k === 'Id' || k.endsWith('id') ? 'mono' : ''}>{v}</td>
              </tr>
            ))}
        </tbody>
      </table>
      <SpanLinks links={e['links']} />
    </>
  );
}

interface SpanLink {
  trace_id?: unknown;
  id?: unknown;
  attributes?: unknown;
}

/**
 * Span links (`links: [{trace_id, id, attributes}]`, as OpenTelemetry spans and AWS's exporter
 * carry them): a trace id in Fluoro's (X-Ray) form opens that trace with the linked span
 * selected; any other id is shown as text.
 */
function SpanLinks({ links }: { links: unknown }) {
  const list = Array.isArray(links)
    ? (links.filter((l) => l && typeof l === 'object' && !Array.isArray(l)) as SpanLink[])
    : [];
  if (list.length === 0) return null;
  return (
    <section data-testid="span-links">
      <h3>Links ({list.length})</h3>
      {list.map((l, i) => {
        const traceId = str(l.trace_id);
        const spanId = str(l.id);
        const attributes =
          l.attributes && typeof l.attributes === 'object' && !Array.isArray(l.attributes)
            ? Object.entries(l.attributes as Record<string, unknown>)
            : [];
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: links may repeat; their order is their identity
          <div key={i} className="span-link">
            <table className="kv">
              <tbody>
                <tr>
                  <th>Trace</th>
                  <td className="mono">
                    {traceId && XRAY_TRACE_ID.test(traceId) ? (
                      <Link
                        href={toHref(`/trace/${traceId}`, {
                          row: spanId && ENTITY_ID.test(spanId) ? spanId : undefined,
                        })}
                      >
                        {traceId}
                      </Link>
                    ) : (
                      (traceId ?? '—')
                    )}
                  </td>
                </tr>
                {spanId && (
                  <tr>
                    <th>Span</th>
                    <td className="mono">{spanId}</td>
                  </tr>
                )}
                {attributes.map(([k, v]) => (
                  <tr key={k}>
                    <th>{k}</th>
                    <td>{typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}

function Resources({ e }: { e: TimelineRow['entity'] }) {
  const blocks: [string, unknown][] = [
    ['aws', e.aws],
    ['sql', e['sql']],
    ['http', e.http],
    ['service', e['service']],
    ['resource_arn', e['resource_arn']],
  ];
  const present = blocks.filter(([, v]) => v !== undefined && v !== null);
  if (present.length === 0) return <p className="muted">No resource information.</p>;
  return (
    <>
      {present.map(([k, v]) => (
        <section key={k}>
          <h3>{k}</h3>
          <pre className="json">{typeof v === 'string' ? v : JSON.stringify(v, null, 2)}</pre>
        </section>
      ))}
    </>
  );
}

function Exceptions({ cause, list }: { cause: unknown; list: XRayException[] }) {
  if (typeof cause === 'string')
    return (
      <p>
        The exception is recorded on another entity, id <code>{cause}</code>.
      </p>
    );
  if (list.length === 0) return <p className="muted">No exceptions.</p>;
  const wd = (cause as { working_directory?: string })?.working_directory;
  return (
    <>
      {wd && <p className="muted">Working directory: {wd}</p>}
      {list.map((x) => (
        <section key={x.id} className="exception">
          <h3>
            {x.type ?? 'Exception'}
            {x.remote ? <span className="chip">remote</span> : null}
          </h3>
          <p>{x.message}</p>
          {x.stack && x.stack.length > 0 && (
            <ol className="stack-frames">
              {x.stack.map((f, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: frames have no identity
                <li key={i}>
                  <code>{f.label ?? '?'}</code> <span className="muted">{f.path}</span>
                  {f.line !== undefined ? <span className="muted">:{f.line}</span> : null}
                </li>
              ))}
            </ol>
          )}
          {x.truncated ? <p className="muted">{x.truncated} frames truncated</p> : null}
        </section>
      ))}
    </>
  );
}

function exceptionsOf(cause: unknown): XRayException[] {
  if (!cause || typeof cause !== 'object') return [];
  const ex = (cause as { exceptions?: unknown }).exceptions;
  return Array.isArray(ex) ? (ex.filter((x) => x && typeof x === 'object') as XRayException[]) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}
