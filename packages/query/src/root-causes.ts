import type { SpanRow } from '@fluoro/model';
import { isError, isFault, nodeType, responseTimeS, type TraceView, toTraceView } from './trace-view.js';

/** X-Ray's RootCauseException. Span rows keep exception messages only, so `Name` is never set. */
export interface RootCauseException {
  Name?: string;
  Message?: string;
}

/** One entity on a root-cause path (FaultRootCauseEntity / ErrorRootCauseEntity / ResponseTimeRootCauseEntity). */
export interface RootCauseEntity {
  Name: string;
  Remote?: boolean;
  Exceptions?: RootCauseException[];
  /** Response-time root causes only: entity response time ÷ root segment response time. */
  Coverage?: number;
}

/** One service on a root-cause path, with the entities inside it that lead to the cause. */
export interface RootCauseService {
  Name: string;
  Names: string[];
  Type?: string;
  AccountId?: string;
  EntityPath: RootCauseEntity[];
  Inferred: boolean;
}

export interface RootCause {
  Services: RootCauseService[];
  ClientImpacting: boolean;
}

/** The three root-cause lists of a TraceSummary. */
export interface RootCauses {
  FaultRootCauses: RootCause[];
  ErrorRootCauses: RootCause[];
  ResponseTimeRootCauses: RootCause[];
}

/** At most this many fault (and error) root causes per trace, deepest paths first found. */
const MAX_CAUSES = 10;

/**
 * Computes a trace's root causes from its span rows: for faults and errors, one path from the
 * root segment down to each faulting (erroring) entity none of whose descendants faults
 * (errors); for response time, the path that follows the slowest child at each level. Paths
 * are grouped by service (each segment, and each inferred AWS/remote call, starts a service).
 */
export function computeRootCauses(spans: SpanRow[] | TraceView): RootCauses {
  const view = Array.isArray(spans) ? toTraceView(spans) : spans;
  const root = view.root;
  if (!root) return { FaultRootCauses: [], ErrorRootCauses: [], ResponseTimeRootCauses: [] };
  return {
    FaultRootCauses: leafPaths(view, root, isFault).map((p) => toCause(view, p, isFault(root), isFault)),
    ErrorRootCauses: leafPaths(view, root, isError).map((p) => toCause(view, p, isError(root), isError)),
    ResponseTimeRootCauses: slowestPath(view, root),
  };
}

/** Paths root → row for every row matching `bad` with no matching descendant. Iterative. */
function leafPaths(view: TraceView, root: SpanRow, bad: (r: SpanRow) => boolean): SpanRow[][] {
  const out: SpanRow[][] = [];
  const badBelow = new Map<string, boolean>();
  const hasBadBelow = (r: SpanRow): boolean => {
    // Post-order over an explicit stack, so deep traces cannot overflow.
    const stack: [SpanRow, boolean][] = [[r, false]];
    while (stack.length > 0) {
      const [row, done] = stack.pop() as [SpanRow, boolean];
      if (badBelow.has(row.id)) continue;
      const kids = view.childrenOf(row);
      if (done)
        badBelow.set(
          row.id,
          kids.some((k) => bad(k) || badBelow.get(k.id) === true),
        );
      else stack.push([row, true], ...kids.map((k): [SpanRow, boolean] => [k, false]));
    }
    return badBelow.get(r.id) === true;
  };
  hasBadBelow(root);
  const stack: SpanRow[][] = [[root]];
  while (stack.length > 0 && out.length < MAX_CAUSES) {
    const path = stack.pop() as SpanRow[];
    const row = path[path.length - 1] as SpanRow;
    if (bad(row) && !badBelow.get(row.id)) out.push(path);
    const kids = view.childrenOf(row).filter((k) => bad(k) || badBelow.get(k.id));
    for (const k of kids.reverse()) stack.push([...path, k]);
  }
  return out;
}

function slowestPath(view: TraceView, root: SpanRow): RootCause[] {
  const total = responseTimeS(root);
  if (total === null) return [];
  const path = [root];
  const seen = new Set([root.id]);
  for (let row = root; ; ) {
    const kids = view.childrenOf(row).filter((k) => k.endUs !== null && !seen.has(k.id));
    if (kids.length === 0) break;
    row = kids.reduce((a, b) => ((responseTimeS(b) ?? 0) > (responseTimeS(a) ?? 0) ? b : a));
    seen.add(row.id);
    path.push(row);
  }
  const coverage = (r: SpanRow) => (total > 0 ? (responseTimeS(r) ?? 0) / total : 1);
  return [toCause(view, path, true, undefined, coverage)];
}

function toCause(
  view: TraceView,
  path: SpanRow[],
  clientImpacting: boolean,
  bad?: (r: SpanRow) => boolean,
  coverage?: (r: SpanRow) => number,
): RootCause {
  const services: RootCauseService[] = [];
  for (const row of path) {
    const inferred = view.isInferred(row);
    if (row.kind === 'segment' || inferred || services.length === 0) {
      const type = nodeType(view, row);
      services.push({
        Name: row.name,
        Names: [row.name],
        ...(type ? { Type: type } : {}),
        ...(row.accountId ? { AccountId: row.accountId } : {}),
        EntityPath: [],
        Inferred: inferred,
      });
    }
    const entity: RootCauseEntity = { Name: row.name };
    if (row.namespace === 'remote' || row.namespace === 'aws') entity.Remote = true;
    if (bad?.(row) && row.exceptionMessages.length > 0) {
      entity.Exceptions = row.exceptionMessages.map((Message) => ({ Message }));
    }
    if (coverage) entity.Coverage = coverage(row);
    services[services.length - 1]?.EntityPath.push(entity);
  }
  return { Services: services, ClientImpacting: clientImpacting };
}
