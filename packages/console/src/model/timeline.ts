import type { Entity } from '@fluoro/model/browser';
import { type Outcome, toOutcome } from './outcome.js';

/** One line of the trace timeline: a segment or subsegment at its place in the call tree. */
export interface TimelineRow {
  index: number;
  id: string;
  name: string;
  /** The service (segment name) the row belongs to. */
  service: string;
  kind: 'segment' | 'subsegment';
  namespace: string | undefined;
  depth: number;
  startS: number;
  /** End in epoch seconds; in-progress rows end at the trace's last known time. */
  endS: number;
  inProgress: boolean;
  outcome: Outcome;
  /** Index of the parent row, or -1 at the top. */
  parentIndex: number;
  /** One past the index of the row's last descendant (rows [index+1, subtreeEnd) are its subtree). */
  subtreeEnd: number;
  /** True for a subsegment or segment whose parent is not in the trace (yet). */
  orphan: boolean;
  /** The entity as sent, for the detail panel (its `subsegments` are the rows below). */
  entity: Entity & Record<string, unknown>;
}

export interface Timeline {
  startS: number;
  endS: number;
  rows: TimelineRow[];
  /** Service names in order of first appearance. */
  services: string[];
}

interface Node {
  entity: Entity & Record<string, unknown>;
  kind: 'segment' | 'subsegment';
  service: string | undefined;
  parentId: string | undefined;
  children: Node[];
  attached: boolean;
}

/**
 * Builds the timeline from BatchGetTraces segment documents (JSON text): every segment with its
 * subsegments nested, each downstream segment under the subsegment that called it (its
 * `parent_id`), children in start order. Unparseable documents are skipped; parent loops are cut.
 */
export function toTimeline(documents: string[]): Timeline {
  const nodes = new Map<string, Node>();
  const all: Node[] = [];
  for (const text of documents) {
    let doc: Entity & Record<string, unknown>;
    try {
      doc = JSON.parse(text) as Entity & Record<string, unknown>;
    } catch {
      continue;
    }
    if (!doc || typeof doc !== 'object' || typeof doc.id !== 'string') continue;
    const isSub = doc['type'] === 'subsegment';
    const top: Node = {
      entity: doc,
      kind: isSub ? 'subsegment' : 'segment',
      service: isSub ? undefined : String(doc.name),
      parentId: typeof doc['parent_id'] === 'string' ? (doc['parent_id'] as string) : undefined,
      children: [],
      attached: false,
    };
    register(top, nodes, all);
  }
  for (const n of all) {
    if (n.attached || n.parentId === undefined) continue;
    const parent = nodes.get(n.parentId);
    if (parent && parent !== n) {
      parent.children.push(n);
      n.attached = true;
    }
  }
  const roots = all.filter((n) => !n.attached);
  const rows: TimelineRow[] = [];
  const services: string[] = [];
  const seen = new Set<Node>();
  const byStart = (a: Node, b: Node) => num(a.entity.start_time) - num(b.entity.start_time);
  roots.sort(byStart);
  // Iterative depth-first walk: 50,000 siblings or a deep chain must not overflow the stack.
  const walk = (tops: Node[]) => {
    const stack: { node: Node; depth: number; parentIndex: number; service: string }[] = [];
    for (let i = tops.length - 1; i >= 0; i--) {
      const r = tops[i]!;
      stack.push({ node: r, depth: 0, parentIndex: -1, service: r.service ?? '?' });
    }
    const open: number[] = [];
    while (stack.length > 0) {
      const { node, depth, parentIndex, service } = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      // Close the subtrees of rows at this depth or deeper: they ended before this row.
      while (open.length > depth) rows[open.pop()!]!.subtreeEnd = rows.length;
      const e = node.entity;
      const svc = node.service ?? service;
      if (!services.includes(svc)) services.push(svc);
      const index = rows.length;
      rows.push({
        index,
        id: e.id,
        name: String(e.name ?? ''),
        service: svc,
        kind: node.kind,
        namespace: typeof e['namespace'] === 'string' ? (e['namespace'] as string) : undefined,
        depth,
        startS: num(e.start_time),
        endS: typeof e.end_time === 'number' ? e.end_time : Number.NaN,
        inProgress: e.in_progress === true || typeof e.end_time !== 'number',
        outcome: toOutcome(e),
        parentIndex,
        subtreeEnd: index + 1,
        orphan: depth === 0 && node.parentId !== undefined,
        entity: e,
      });
      open.push(index);
      const kids = [...node.children].sort(byStart);
      for (let i = kids.length - 1; i >= 0; i--)
        stack.push({ node: kids[i]!, depth: depth + 1, parentIndex: index, service: svc });
    }
    while (open.length > 0) rows[open.pop()!]!.subtreeEnd = rows.length;
  };
  walk(roots);
  // Parents that point at each other in a loop are attached but unreachable: show them at the top.
  const unseen = all.filter((n) => !seen.has(n)).sort(byStart);
  if (unseen.length > 0) walk(unseen);
  let startS = Number.POSITIVE_INFINITY;
  let endS = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    if (r.startS < startS) startS = r.startS;
    const end = Number.isNaN(r.endS) ? r.startS : r.endS;
    if (end > endS) endS = end;
  }
  if (rows.length === 0) startS = endS = 0;
  for (const r of rows) if (Number.isNaN(r.endS)) r.endS = endS;
  return { startS, endS, rows, services };
}

/** Registers a document's entity and all its nested subsegments (iteratively). */
function register(top: Node, nodes: Map<string, Node>, all: Node[]): void {
  const stack: Node[] = [top];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const prev = nodes.get(n.entity.id);
    if (prev) continue; // a duplicate id keeps the first one seen
    nodes.set(n.entity.id, n);
    all.push(n);
    const subs = Array.isArray(n.entity.subsegments) ? n.entity.subsegments : [];
    for (const s of subs) {
      if (!s || typeof s !== 'object' || typeof s.id !== 'string') continue;
      const child: Node = {
        entity: s as Entity & Record<string, unknown>,
        kind: 'subsegment',
        service: undefined,
        parentId: undefined,
        children: [],
        attached: true,
      };
      n.children.push(child);
      stack.push(child);
    }
  }
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * The rows left visible when the rows whose ids are in `collapsed` hide their subtrees.
 * Linear in the number of rows.
 */
export function visibleRows(rows: TimelineRow[], collapsed: ReadonlySet<string>): TimelineRow[] {
  if (collapsed.size === 0) return rows;
  const out: TimelineRow[] = [];
  let i = 0;
  while (i < rows.length) {
    const r = rows[i]!;
    out.push(r);
    i = collapsed.has(r.id) ? r.subtreeEnd : i + 1;
  }
  return out;
}

/** Ids of every row that has children: "collapse all" collapses these. */
export function parentIds(rows: TimelineRow[]): Set<string> {
  const out = new Set<string>();
  for (const r of rows) if (r.subtreeEnd > r.index + 1) out.add(r.id);
  return out;
}
