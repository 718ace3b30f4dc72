import type { SpanRow } from './span-row.js';

/** Parent links within one trace: which segment (service) owns each row, and which row is the root. */
export interface TraceTree {
  rows: SpanRow[];
  byId: Map<string, SpanRow>;
  /** The segment row at the trace's entry, or undefined when no segment has arrived yet. */
  root: SpanRow | undefined;
  /** The segment that owns a row (itself for segments); undefined for subsegments whose parent has not arrived. */
  ownerOf(row: SpanRow): SpanRow | undefined;
}

/** Builds the tree of one trace's rows (any order, from any number of documents). */
export function toTraceTree(rows: SpanRow[]): TraceTree {
  const byId = new Map<string, SpanRow>();
  for (const r of rows) {
    const prev = byId.get(r.id);
    // The newest version of a row wins (an in-progress document later sent complete).
    if (!prev || prev.receivedUs <= r.receivedUs) byId.set(r.id, r);
  }
  const unique = [...byId.values()];
  const segments = unique.filter((r) => r.kind === 'segment');
  // The root is a segment with no parent in this trace; the earliest wins (a caller that is not
  // instrumented leaves its callee's parent_id dangling, which still makes the callee the entry).
  const entries = segments.filter((r) => r.parentId === null);
  const candidates = entries.length > 0 ? entries : segments.filter((r) => !byId.has(r.parentId ?? ''));
  const root = candidates.sort((a, b) => a.startUs - b.startUs || a.id.localeCompare(b.id))[0];
  const owner = new Map<string, SpanRow | undefined>();
  const ownerOf = (row: SpanRow): SpanRow | undefined => {
    if (row.kind === 'segment') return row;
    if (owner.has(row.id)) return owner.get(row.id);
    let cur: SpanRow | undefined = row;
    for (let hops = 0; cur && cur.kind !== 'segment' && hops < 1000; hops++) {
      cur = cur.parentId === null ? undefined : byId.get(cur.parentId);
    }
    const found = cur?.kind === 'segment' ? cur : undefined;
    owner.set(row.id, found);
    return found;
  };
  return { rows: unique, byId, root, ownerOf };
}
