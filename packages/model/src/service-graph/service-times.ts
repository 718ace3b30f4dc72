import type { SpanRow } from '../span-row.js';
import { toTraceTree } from '../trace-tree.js';
import { serviceOf, toCalls } from './calls.js';
import { coveredUs, type Interval, uncoveredUs } from './intervals.js';
import { type NodeKey, nodeKeyId } from './node-key.js';

/** Time one service spent on one trace, in integer microseconds. */
export interface ServiceTime extends NodeKey {
  /** Whether the node is inferred from its callers (it sent no segment). */
  inferred: boolean;
  /**
   * Wall-clock time the service was busy on the trace and not waiting on a downstream call:
   * the union of the calls into it (network time goes to the callee) and of its segments that
   * no subsegment call leads to (the trace's entry; a job started from its caller's segment,
   * which the caller does not wait for), minus the union of its own outgoing calls. Parallel
   * work is counted once per service.
   */
  selfUs: number;
  /** The same union before the outgoing calls are taken out (downstream waits included). */
  totalUs: number;
}

export interface TraceServiceTimes {
  traceId: string;
  /** First start to last end over the trace's finished rows. */
  durationUs: number;
  /** Largest self time first. */
  services: ServiceTime[];
}

/**
 * How long one trace spent in each service it touched (self time). When calls are sequential
 * the self times add up to the trace's duration; parallel calls overlap, so their callees' self
 * times may add up to more, while each service's own time is still the wall-clock time it worked.
 * Rows still in progress are left out.
 */
export function toServiceTimes(rows: SpanRow[]): TraceServiceTimes {
  const tree = toTraceTree(rows);
  const done = tree.rows.filter((r): r is SpanRow & { endUs: number } => r.endUs !== null);
  const byNode = new Map<
    string,
    { key: NodeKey; inferred: boolean; busy: Interval[]; waiting: Interval[] }
  >();
  const node = (key: NodeKey, inferred: boolean) => {
    const id = nodeKeyId(key);
    let n = byNode.get(id);
    if (!n) {
      n = { key, inferred, busy: [], waiting: [] };
      byNode.set(id, n);
    }
    n.inferred &&= inferred;
    return n;
  };
  // Only calls the caller measured: one whose callee names the caller's segment as parent (a
  // job, a queue consumer) has no caller-side wait, and its segment counts as it is, below.
  const calls = toCalls(tree).flatMap((c) => (c.via ? [{ ...c, via: c.via }] : []));
  // A segment reached through a call is measured by that call (the caller's view, network
  // included): its own clock may run a little past the caller's, which must not count twice.
  const called = new Set(calls.flatMap((c) => (c.callee && c.via.endUs !== null ? [c.callee.id] : [])));
  for (const r of done)
    if (r.kind === 'segment' && !called.has(r.id)) node(serviceOf(r), false).busy.push([r.startUs, r.endUs]);
  for (const c of calls) {
    if (c.via.endUs === null) continue;
    const span: Interval = [c.via.startUs, c.via.endUs];
    node(c.to, c.callee === undefined).busy.push(span);
    node(serviceOf(c.from), false).waiting.push(span);
  }
  const startUs = Math.min(...done.map((r) => r.startUs));
  const endUs = Math.max(...done.map((r) => r.endUs));
  return {
    traceId: rows[0]?.traceId ?? '',
    durationUs: done.length > 0 ? endUs - startUs : 0,
    services: [...byNode.values()]
      .map((n) => ({
        ...n.key,
        inferred: n.inferred,
        selfUs: uncoveredUs(n.busy, n.waiting),
        totalUs: coveredUs(n.busy),
      }))
      .sort((a, b) => b.selfUs - a.selfUs || a.name.localeCompare(b.name)),
  };
}
