import { type SegmentDocument, type SpanRow, type Subsegment, toSpanRows } from '@fluoro/model';

/** A compact description of one entity of a test trace; `seg: true` makes it a separate segment document. */
export interface Spec {
  name: string;
  seg?: boolean;
  /** Start, seconds after the trace's epoch. */
  s?: number;
  /** Duration in seconds; null: in progress. */
  d?: number | null;
  fault?: boolean;
  error?: boolean;
  throttle?: boolean;
  status?: number;
  url?: string;
  method?: string;
  ua?: string;
  ip?: string;
  user?: string;
  ns?: 'aws' | 'remote' | 'local';
  origin?: string;
  account?: string;
  az?: string;
  instance?: string;
  arn?: string;
  messages?: string[];
  ann?: Record<string, string | number | boolean>;
  kids?: Spec[];
  /** Root only: a parent id that is not in the trace (the caller was not traced). */
  orphan?: boolean;
}

export const EPOCH_S = 0x5f000000;

export function traceIdOf(n: number): string {
  return `1-${EPOCH_S.toString(16)}-${n.toString(16).padStart(24, '0')}`;
}

/** Turns a spec tree (root = a segment) into the span rows its documents produce. */
export function buildTrace(traceId: string, root: Spec): SpanRow[] {
  const docs: SegmentDocument[] = [];
  let next = 1;
  const newId = () => (next++).toString(16).padStart(16, '0');
  const entity = (spec: Spec, id: string): Record<string, unknown> => {
    const start = EPOCH_S + (spec.s ?? 0);
    const e: Record<string, unknown> = { id, name: spec.name, start_time: start };
    if (spec.d === null) e['in_progress'] = true;
    else e['end_time'] = start + (spec.d ?? 1);
    for (const k of ['fault', 'error', 'throttle'] as const) if (spec[k]) e[k] = true;
    const request: Record<string, string> = {};
    if (spec.url !== undefined) request['url'] = spec.url;
    if (spec.method !== undefined) request['method'] = spec.method;
    if (spec.ua !== undefined) request['user_agent'] = spec.ua;
    if (spec.ip !== undefined) request['client_ip'] = spec.ip;
    const http: Record<string, unknown> = {};
    if (Object.keys(request).length > 0) http['request'] = request;
    if (spec.status !== undefined) http['response'] = { status: spec.status };
    if (Object.keys(http).length > 0) e['http'] = http;
    if (spec.user !== undefined) e['user'] = spec.user;
    if (spec.ns !== undefined) e['namespace'] = spec.ns;
    if (spec.origin !== undefined) e['origin'] = spec.origin;
    if (spec.arn !== undefined) e['resource_arn'] = spec.arn;
    const aws: Record<string, unknown> = {};
    if (spec.account !== undefined) aws['account_id'] = spec.account;
    if (spec.az !== undefined || spec.instance !== undefined) {
      aws['ec2'] = { availability_zone: spec.az, instance_id: spec.instance };
    }
    if (Object.keys(aws).length > 0) e['aws'] = aws;
    if (spec.messages) {
      e['cause'] = { exceptions: spec.messages.map((message, i) => ({ id: `${id}e${i}`, message })) };
    }
    if (spec.ann) e['annotations'] = spec.ann;
    return e;
  };
  const visit = (spec: Spec, id: string, parentId: string | undefined): Record<string, unknown> => {
    const e = entity(spec, id);
    const subs: Subsegment[] = [];
    for (const kid of spec.kids ?? []) {
      const kidId = newId();
      if (kid.seg) addSegment(kid, kidId, id);
      else subs.push(visit(kid, kidId, undefined) as unknown as Subsegment);
    }
    if (subs.length > 0) e['subsegments'] = subs;
    if (parentId !== undefined) e['parent_id'] = parentId;
    return e;
  };
  const addSegment = (spec: Spec, id: string, parentId: string | undefined) => {
    const doc = { trace_id: traceId, ...visit(spec, id, parentId) } as unknown as SegmentDocument;
    docs.push(doc);
  };
  addSegment({ ...root, seg: true }, newId(), root.orphan ? 'ffffffffffffffff' : undefined);
  return docs.flatMap((d) => toSpanRows(d, 1_000_000));
}
