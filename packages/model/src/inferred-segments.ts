import { toRemoteType } from './service-graph/remote-type.js';
import type { TopEntity } from './trace-documents.js';
import type { Entity, Segment, Subsegment } from './wire.js';

/**
 * The segments X-Ray generates for downstreams that sent none (xray.md §1.10), for one trace's
 * assembled top-level entities (`assembleEntities`): one per `aws` or `remote` subsegment, at
 * any depth and in orphaned subsegments too, that no segment of the trace names as its
 * `parent_id`. Each is a top-level segment document with `inferred: true`:
 *
 * - `id`: derived from the trace id and the subsegment's id, so every read gives the same one;
 * - `name` and `origin`: the node the service graph draws for the call (`asCalled`): the
 *   subsegment's name and `toRemoteType` (`AWS::DynamoDB::Table`, `AWS::S3`, `remote`, ...);
 * - `trace_id`, `parent_id` (the subsegment), `start_time`, `end_time` (or `in_progress` while
 *   the subsegment is), its `http` and `aws` blocks and its `error`/`fault`/`throttle` flags.
 *
 * The same rule picks the trace's inferred nodes in the filter language (`inferred`, root causes).
 * Returned in the order the subsegments are met (depth first, top-level entities in order).
 */
export function inferredSegments(tops: TopEntity[], traceId: string): Segment[] {
  const called = new Set<string>();
  const taken = new Set<string>();
  const calls: Subsegment[] = [];
  for (const top of tops) {
    if (top.type !== 'subsegment' && typeof top.parent_id === 'string') called.add(top.parent_id);
  }
  // Depth first without recursion: a trace may hold 50,000 subsegments or a deep chain.
  const stack: { e: Entity & Partial<Subsegment>; sub: boolean }[] = [];
  for (let i = tops.length - 1; i >= 0; i--) stack.push({ e: tops[i]!, sub: tops[i]!.type === 'subsegment' });
  while (stack.length > 0) {
    const { e, sub } = stack.pop()!;
    if (taken.has(e.id)) continue;
    taken.add(e.id);
    if (sub && (e.namespace === 'aws' || e.namespace === 'remote')) calls.push(e);
    const kids = e.subsegments ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ e: kids[i]!, sub: true });
  }
  const out: Segment[] = [];
  for (const s of calls) {
    if (called.has(s.id)) continue;
    out.push(toInferred(s, traceId, inferredId(traceId, s.id, taken)));
  }
  return out;
}

function toInferred(s: Subsegment & { origin?: string }, traceId: string, id: string): Segment {
  const done = s.in_progress !== true && typeof s.end_time === 'number';
  return {
    id,
    name: s.name,
    start_time: s.start_time,
    ...(done ? { end_time: s.end_time } : { in_progress: true }),
    parent_id: s.id,
    inferred: true,
    ...(s.http !== undefined ? { http: s.http } : {}),
    ...(s.aws !== undefined ? { aws: s.aws } : {}),
    trace_id: traceId,
    // Never null: the subsegment's namespace is `aws` or `remote`.
    origin: toRemoteType(s) ?? 'remote',
    ...(s.error === true ? { error: true } : {}),
    ...(s.fault === true ? { fault: true } : {}),
    ...(s.throttle === true ? { throttle: true } : {}),
  };
}

/**
 * 16 hex digits from the trace id and the subsegment's id: the same on every read of the trace,
 * re-derived (with a counter) in the unlikely case it equals an id the trace already holds.
 */
function inferredId(traceId: string, subsegmentId: string, taken: Set<string>): string {
  for (let n = 0; ; n++) {
    const id = hash64(`inferred ${traceId} ${subsegmentId}${n === 0 ? '' : ` ${n}`}`);
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

/** A 64-bit non-cryptographic string hash (two multiplicative 32-bit lanes, cross-mixed), as 16 hex. */
function hash64(text: string): string {
  let a = 0x9e3779b9;
  let b = 0x85ebca6b;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x9e3779b1);
    b = Math.imul(b ^ c, 0x5f356495);
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) ^ Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b) ^ Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  return (b >>> 0).toString(16).padStart(8, '0') + (a >>> 0).toString(16).padStart(8, '0');
}
