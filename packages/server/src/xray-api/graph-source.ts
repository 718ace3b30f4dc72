import { type GraphStatRow, mergeGraphStats, type SpanRow, toGraphStats } from '@fluoro/model';
import { compileFilter, evaluateFilter, type FilterAst, needsPostFilter, toGroupLookup } from '@fluoro/query';
import type { Store } from '@fluoro/store';
import { invalidRequest } from '../http/api-error.js';
import { optionalString } from '../http/read-input.js';
import { parseFilterOrThrow } from './get-trace-summaries.js';

/** Traces per findTraces page and per getSpans call on the fallback path. */
const TRACES_PER_READ = 200;

/**
 * The filter of the group a request names by `GroupName` or `GroupARN` (X-Ray's graph and
 * time-series APIs): undefined for none, `Default` or a group without a filter expression.
 * An unknown group is a 400.
 */
export async function groupFilter(store: Store, o: Record<string, unknown>): Promise<FilterAst | undefined> {
  const name = optionalString(o, 'GroupName');
  const arn = optionalString(o, 'GroupARN');
  if (name === undefined && arn === undefined) return undefined;
  if (name === 'Default' && arn === undefined) return undefined;
  const groups = await store.listGroups();
  const group = groups.find(
    (g) => (name === undefined || g.name === name) && (arn === undefined || g.arn === arn),
  );
  if (!group) throw invalidRequest(`Group not found: ${name ?? arn}`);
  if (group.filterExpression.trim() === '') return undefined;
  return parseFilterOrThrow(group.filterExpression, toGroupLookup(groups));
}

/**
 * The service graph's aggregates for [startUs, endUs) (bucketed by `periodUs` when given),
 * for the traces `ast` matches when given. Asks the store (`graphStats`, one SQL query) when it
 * can answer exactly; otherwise (a store without it, or a filter SQL can only preselect) reads
 * the traces active in the range and runs `toGraphStats` over their span rows, a page at a time.
 */
export async function loadGraphStats(
  store: Store,
  q: { startUs: number; endUs: number; periodUs?: number },
  ast?: FilterAst,
): Promise<GraphStatRow[]> {
  if (store.graphStats && (!ast || !needsPostFilter(ast))) {
    return store.graphStats({ ...q, ...(ast ? { filter: (d) => compileFilter(ast, d) } : {}) });
  }
  let merged: GraphStatRow[] = [];
  let after: { startUs: number; traceId: string } | undefined;
  for (;;) {
    const page = await store.findTraces({
      startUs: q.startUs,
      endUs: q.endUs,
      timeRangeType: 'Event',
      limit: TRACES_PER_READ,
      ...(after ? { after } : {}),
      ...(ast ? { filter: (d) => compileFilter(ast, d) } : {}),
    });
    const rows = await store.getSpans(page.traces.map((t) => t.traceId));
    const kept = ast ? keepMatching(rows, ast) : rows;
    merged = mergeGraphStats([...merged, ...toGraphStats(kept, q)]);
    after = page.traces.at(-1);
    if (!page.more || !after) break;
  }
  return merged;
}

function keepMatching(rows: SpanRow[], ast: FilterAst): SpanRow[] {
  const byTrace = new Map<string, SpanRow[]>();
  for (const r of rows) {
    const list = byTrace.get(r.traceId);
    if (list) list.push(r);
    else byTrace.set(r.traceId, [r]);
  }
  return [...byTrace.values()].filter((t) => evaluateFilter(ast, t)).flat();
}
