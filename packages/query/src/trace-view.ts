import { type SpanRow, type TraceTree, toTraceTree } from '@fluoro/model';

/**
 * One trace seen as X-Ray's service graph sees it: its root segment, its service nodes (every
 * segment, plus one inferred node per `aws`/`remote` subsegment whose callee sent no segment)
 * and each row's children. Built once per trace, read by the evaluator and the root causes.
 */
export interface TraceView {
  traceId: string;
  tree: TraceTree;
  root: SpanRow | undefined;
  rows: SpanRow[];
  /** Service nodes: segments and inferred subsegments. */
  nodes: SpanRow[];
  childrenOf(row: SpanRow): SpanRow[];
  isInferred(row: SpanRow): boolean;
  /**
   * The node that called `node` (the segment owning its parent), if known. A segment whose
   * parent is a segment of its own service (same name and origin) has none, as the service
   * graph draws no edge for it (ADR 0004).
   */
  callerOf(node: SpanRow): SpanRow | undefined;
  /** X-Ray's Duration: latest end − earliest start, in seconds (0 when nothing has ended). */
  durationS: number;
}

/** Builds the view of one trace's rows (any order). */
export function toTraceView(spans: SpanRow[]): TraceView {
  const tree = toTraceTree(spans);
  const children = new Map<string, SpanRow[]>();
  for (const r of tree.rows) {
    if (r.parentId === null) continue;
    const list = children.get(r.parentId) ?? [];
    list.push(r);
    children.set(r.parentId, list);
  }
  // A stable order (start, then id), so root causes do not depend on the order rows were read in.
  for (const list of children.values())
    list.sort((a, b) => a.startUs - b.startUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const childrenOf = (row: SpanRow) => children.get(row.id) ?? [];
  const isInferred = (row: SpanRow) =>
    row.kind === 'subsegment' &&
    (row.namespace === 'aws' || row.namespace === 'remote') &&
    !childrenOf(row).some((c) => c.kind === 'segment');
  const nodes = tree.rows.filter((r) => r.kind === 'segment' || isInferred(r));
  const callerOf = (node: SpanRow): SpanRow | undefined => {
    if (node.kind === 'subsegment') return tree.ownerOf(node);
    const parent = node.parentId === null ? undefined : tree.byId.get(node.parentId);
    if (parent?.kind === 'segment' && parent.name === node.name && parent.origin === node.origin)
      return undefined;
    return parent ? tree.ownerOf(parent) : undefined;
  };
  const startUs = Math.min(...tree.rows.map((r) => r.startUs));
  let endUs = Number.NEGATIVE_INFINITY;
  for (const r of tree.rows) if (r.endUs !== null && r.endUs > endUs) endUs = r.endUs;
  const durationS =
    tree.rows.length === 0 ? 0 : ((endUs === Number.NEGATIVE_INFINITY ? startUs : endUs) - startUs) / 1e6;
  return {
    traceId: tree.rows[0]?.traceId ?? '',
    tree,
    root: tree.root,
    rows: tree.rows,
    nodes,
    childrenOf,
    isInferred,
    callerOf,
    durationS,
  };
}

/**
 * A node's service type: a segment's `origin`; for an inferred node the type the service graph
 * gives it (`SpanRow.remoteType`: AWS::DynamoDB::Table, Database::SQL, ...), falling back to the
 * subsegment's `origin`, `AWS::<name>` for an AWS call and `remote` for any other.
 */
export function nodeType(view: TraceView, row: SpanRow): string | null {
  if (row.kind === 'segment') return row.origin === '' ? null : row.origin;
  if (!view.isInferred(row)) return null;
  // The type the service graph gives the inferred node (AWS::DynamoDB::Table, Database::SQL, ...).
  if (row.remoteType) return row.remoteType;
  if (row.origin !== '') return row.origin;
  return row.namespace === 'aws' ? `AWS::${row.name}` : 'remote';
}

/** 5xx or the fault flag. */
export function isFault(r: SpanRow): boolean {
  return r.fault || (r.httpStatus !== null && r.httpStatus >= 500);
}

/** 4xx or the error flag. */
export function isError(r: SpanRow): boolean {
  return r.error || (r.httpStatus !== null && r.httpStatus >= 400 && r.httpStatus < 500);
}

/** 429 or the throttle flag. */
export function isThrottle(r: SpanRow): boolean {
  return r.throttle || r.httpStatus === 429;
}

/** Seconds from start to end, or null while in progress. */
export function responseTimeS(r: SpanRow): number | null {
  return r.endUs === null ? null : (r.endUs - r.startUs) / 1e6;
}
