import type { TimelineRow } from './timeline.js';

/**
 * Rows matching a find query (case-insensitive substring) in their name, service, id, HTTP URL,
 * SQL query, annotation keys and values, exception types and messages, and the names and
 * string attributes of OpenTelemetry span events (`metadata.otel.events`: retries, log lines).
 * An empty query matches nothing.
 */
export function findRows(rows: TimelineRow[], query: string): TimelineRow[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const has = (v: unknown) => typeof v === 'string' && v.toLowerCase().includes(q);
  return rows.filter((r) => {
    if (has(r.name) || has(r.service) || r.id === q) return true;
    if (has(r.entity.http?.request?.url)) return true;
    if (has((r.entity['sql'] as { sanitized_query?: unknown } | undefined)?.sanitized_query)) return true;
    for (const [k, v] of Object.entries(r.entity.annotations ?? {}))
      if (has(k) || has(String(v))) return true;
    const cause = r.entity['cause'] as { exceptions?: unknown } | undefined;
    if (Array.isArray(cause?.exceptions))
      for (const x of cause.exceptions as { type?: unknown; message?: unknown }[])
        if (has(x?.type) || has(x?.message)) return true;
    const otel = (r.entity.metadata as { otel?: { events?: unknown } } | undefined)?.otel;
    if (Array.isArray(otel?.events))
      for (const e of otel.events as { name?: unknown; attributes?: Record<string, unknown> }[]) {
        if (has(e?.name)) return true;
        for (const v of Object.values(e?.attributes ?? {})) if (has(v)) return true;
      }
    return false;
  });
}
