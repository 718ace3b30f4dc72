import type { TimelineRow } from './timeline.js';

/**
 * Rows matching a find query (case-insensitive substring) in their name, service, id, HTTP URL,
 * SQL query or annotation keys and values. An empty query matches nothing.
 */
export function findRows(rows: TimelineRow[], query: string): TimelineRow[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  return rows.filter((r) => {
    if (r.name.toLowerCase().includes(q) || r.service.toLowerCase().includes(q) || r.id === q) return true;
    const url = r.entity.http?.request?.url;
    if (url?.toLowerCase().includes(q)) return true;
    const sql = (r.entity['sql'] as { sanitized_query?: unknown } | undefined)?.sanitized_query;
    if (typeof sql === 'string' && sql.toLowerCase().includes(q)) return true;
    for (const [k, v] of Object.entries(r.entity.annotations ?? {}))
      if (k.toLowerCase().includes(q) || String(v).toLowerCase().includes(q)) return true;
    return false;
  });
}
