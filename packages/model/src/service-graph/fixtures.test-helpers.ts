/**
 * Small named trace fixtures for the service-graph tests: documents built the way the SDKs
 * send them, turned into span rows by the real `toSpanRows`. Times are in ms from T0.
 */
import { type SpanRow, toSpanRows } from '../span-row.js';
import type { Segment, Subsegment } from '../wire.js';

export const T0_S = 1_800_000_000;
let seq = 0;
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

export function newTraceId(): string {
  return `1-${hex(T0_S, 8)}-${hex(++seq, 24)}`;
}

export function newId(): string {
  return hex(++seq, 16);
}

const at = (ms: number) => T0_S + ms / 1000;

/** A subsegment from `fromMs` to `toMs` (ms after T0). */
export function sub(name: string, fromMs: number, toMs: number, extra: Partial<Subsegment> = {}): Subsegment {
  return { id: newId(), name, start_time: at(fromMs), end_time: at(toMs), ...extra };
}

/** A segment document of `traceId` from `fromMs` to `toMs`. */
export function seg(
  traceId: string,
  name: string,
  fromMs: number,
  toMs: number,
  extra: Partial<Segment> = {},
): Segment {
  return { trace_id: traceId, id: newId(), name, start_time: at(fromMs), end_time: at(toMs), ...extra };
}

/** Span rows of documents, as ingest makes them. */
export function rowsOf(...docs: Segment[]): SpanRow[] {
  return docs.flatMap((d) => toSpanRows(d, (T0_S + 3600) * 1e6));
}

export const RANGE = { startUs: (T0_S - 60) * 1e6, endUs: (T0_S + 600) * 1e6 };

/**
 * A small shop: `api` (on ECS) is called by clients; it calls `orders` (instrumented, called as
 * `orders.internal`), a Postgres database, an uninstrumented HTTP host and DynamoDB. Trace 2
 * faults in `orders`; trace 3 is throttled by the HTTP host (429).
 */
export function shopTraces(): Segment[] {
  const docs: Segment[] = [];
  const ecs = 'AWS::ECS::Container';
  const pg = { namespace: 'remote', sql: { database_type: 'PostgreSQL', url: 'postgres@localhost' } };
  for (let i = 0; i < 3; i++) {
    const t = newTraceId();
    const base = i * 1000;
    const call = sub('orders.internal', base + 10, base + 50, {
      namespace: 'remote',
      http: {
        request: { method: 'GET', url: 'http://orders.internal/o' },
        response: { status: i === 1 ? 500 : 200 },
      },
      ...(i === 1 ? { fault: true } : {}),
    });
    const partner = sub('partner.example.com', base + 60, base + 70, {
      namespace: 'remote',
      http: { response: { status: i === 2 ? 429 : 200 } },
      ...(i === 2 ? { error: true, throttle: true } : {}),
    });
    docs.push(
      seg(t, 'api', base, base + 100, {
        origin: ecs,
        http: { request: { method: 'GET', url: 'http://api/x' }, response: { status: i === 1 ? 500 : 200 } },
        ...(i === 1 ? { fault: true } : {}),
        subsegments: [
          call,
          sub('postgres@localhost', base + 52, base + 58, pg),
          partner,
          sub('DynamoDB', base + 72, base + 80, {
            namespace: 'aws',
            aws: { table_name: 'carts', operation: 'GetItem' },
          }),
        ],
      }),
      seg(t, 'orders', base + 12, base + 48, {
        parent_id: call.id,
        http: { response: { status: i === 1 ? 500 : 200 } },
        ...(i === 1 ? { fault: true } : {}),
      }),
    );
  }
  return docs;
}
