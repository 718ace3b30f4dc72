/**
 * The one conformance suite every Store passes (DuckDB, ClickHouse). A store's test file calls
 * `describeStoreConformance` with a factory; nothing here knows which store it tests.
 */
import { parseDocument, type SegmentDocument, toSpanRows } from '@fluoro/model';
import { afterEach, describe, expect, it } from 'vitest';
import { graphStatsConformance } from './graph-stats.conformance.test-helpers.js';
import { segmentsConformance } from './segments.conformance.test-helpers.js';
import type { IngestedDocument, Store } from './store.js';

export interface StoreFactory {
  /** A new, empty store. */
  open(): Promise<Store>;
  /** Opens the store that `store` used, after it was closed (persistence across restarts). */
  reopen(store: Store): Promise<Store>;
}

/**
 * `open` and `reopen` that close, after each test, every store they handed out (call inside a
 * `describe`): conformance tests then need no cleanup of their own.
 */
export function closedAfterEach(stores: StoreFactory): StoreFactory {
  const opened: Store[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  return {
    async open() {
      const s = await stores.open();
      opened.push(s);
      return s;
    },
    async reopen(store) {
      opened.splice(opened.indexOf(store), 1);
      const again = await stores.reopen(store);
      opened.push(again);
      return again;
    },
  };
}

let seq = 0;
/** A trace id whose time part is `epochS`. */
export function traceId(epochS: number): string {
  seq++;
  return `1-${epochS.toString(16).padStart(8, '0')}-${seq.toString(16).padStart(24, '0')}`;
}
export function entityId(): string {
  seq++;
  return seq.toString(16).padStart(16, '0');
}

/** Validates a document and makes it an IngestedDocument as ingest would. */
export function ingested(doc: Record<string, unknown>, receivedUs = Date.now() * 1000): IngestedDocument {
  const text = JSON.stringify(doc);
  const v = parseDocument(text);
  if (!v.ok) throw new Error(`fixture is invalid: ${v.message}`);
  const d = v.doc as SegmentDocument;
  return {
    traceId: d.trace_id,
    id: d.id,
    document: text,
    inProgress: d.in_progress === true,
    receivedUs,
    rows: toSpanRows(d, receivedUs),
  };
}

export function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    const open: Store[] = [];
    const fresh = async () => {
      const s = await factory.open();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    const t0 = 1_800_000_000;

    graphStatsConformance(fresh, { ingested, traceId, entityId }, t0);
    segmentsConformance(fresh, { ingested, traceId, entityId }, t0);

    it('keeps the raw documents and their span rows with annotations', async () => {
      const s = await fresh();
      const tid = traceId(t0);
      const seg = {
        trace_id: tid,
        id: entityId(),
        name: 'api',
        start_time: t0 + 0.5,
        end_time: t0 + 1.5,
        annotations: { tenant: 'acme', n: 3, ok: true },
        http: { request: { method: 'GET', url: 'http://x/a' }, response: { status: 200 } },
        subsegments: [
          { id: entityId(), name: 'db', start_time: t0 + 0.6, end_time: t0 + 0.9, namespace: 'remote' },
        ],
      };
      await s.write([ingested(seg)]);
      const docs = await s.getDocuments([tid]);
      expect(docs.get(tid)?.map((d) => JSON.parse(d.document))).toEqual([seg]);
      const spans = await s.getSpans([tid]);
      expect(spans.map((r) => [r.name, r.kind, r.parentId]).sort()).toEqual(
        [
          ['api', 'segment', null],
          ['db', 'subsegment', seg.id],
        ].sort(),
      );
      const api = spans.find((r) => r.name === 'api')!;
      expect(api.startUs).toBe((t0 + 0.5) * 1e6);
      expect(api.endUs).toBe((t0 + 1.5) * 1e6);
      expect(api.httpStatus).toBe(200);
      expect(api.annotations.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        { key: 'n', value: 3 },
        { key: 'ok', value: true },
        { key: 'tenant', value: 'acme' },
      ]);
      expect((await s.getDocuments([traceId(t0)])).size).toBe(0);
    });

    it('replaces an in-progress document when it is sent complete, and ignores a repeated batch', async () => {
      const s = await fresh();
      const tid = traceId(t0);
      const id = entityId();
      const base = { trace_id: tid, id, name: 'worker', start_time: t0 + 1 };
      await s.write([ingested({ ...base, in_progress: true }, 1)]);
      const done = ingested(
        {
          ...base,
          end_time: t0 + 2,
          subsegments: [{ id: entityId(), name: 'job', start_time: t0 + 1, end_time: t0 + 2 }],
        },
        2,
      );
      await s.write([done]);
      await s.write([done]);
      const docs = (await s.getDocuments([tid])).get(tid)!;
      expect(docs).toHaveLength(1);
      expect(JSON.parse(docs[0]!.document).end_time).toBe(t0 + 2);
      const spans = await s.getSpans([tid]);
      expect(spans).toHaveLength(2);
      expect(spans.find((r) => r.id === id)?.inProgress).toBe(false);
    });

    it('keeps independently sent subsegments and segments of one trace arriving apart', async () => {
      const s = await fresh();
      const tid = traceId(t0);
      const segId = entityId();
      await s.write([
        ingested({ trace_id: tid, id: segId, name: 'front', start_time: t0, end_time: t0 + 3 }),
      ]);
      const sub = {
        type: 'subsegment',
        trace_id: tid,
        parent_id: segId,
        id: entityId(),
        name: 'late',
        start_time: t0 + 1,
        end_time: t0 + 2,
      };
      await s.write([ingested(sub)]);
      await s.write([
        ingested({
          trace_id: tid,
          id: entityId(),
          parent_id: sub.id,
          name: 'back',
          start_time: t0 + 1.1,
          end_time: t0 + 1.9,
        }),
      ]);
      expect((await s.getDocuments([tid])).get(tid)).toHaveLength(3);
      const spans = await s.getSpans([tid]);
      expect(spans.find((r) => r.name === 'late')?.parentId).toBe(segId);
      expect(spans.map((r) => r.name).sort()).toEqual(['back', 'front', 'late']);
    });

    it('finds traces newest first, a page at a time, by trace start', async () => {
      const s = await fresh();
      const ids: string[] = [];
      const batch: IngestedDocument[] = [];
      for (let i = 0; i < 7; i++) {
        const tid = traceId(t0 + i);
        ids.push(tid);
        batch.push(
          ingested({
            trace_id: tid,
            id: entityId(),
            name: `svc${i % 2}`,
            start_time: t0 + i,
            end_time: t0 + i + 0.5,
          }),
        );
      }
      // A trace outside the range.
      batch.push(
        ingested({
          trace_id: traceId(t0 + 100),
          id: entityId(),
          name: 'late',
          start_time: t0 + 100,
          end_time: t0 + 101,
        }),
      );
      await s.write(batch);
      const range = { startUs: t0 * 1e6, endUs: (t0 + 10) * 1e6, timeRangeType: 'TraceId' as const };
      const p1 = await s.findTraces({ ...range, limit: 3 });
      expect(p1.traces.map((t) => t.traceId)).toEqual([ids[6], ids[5], ids[4]]);
      expect(p1.more).toBe(true);
      expect(p1.scanned).toBe(7);
      const p2 = await s.findTraces({ ...range, limit: 3, after: p1.traces[2] });
      expect(p2.traces.map((t) => t.traceId)).toEqual([ids[3], ids[2], ids[1]]);
      const p3 = await s.findTraces({ ...range, limit: 3, after: p2.traces[2] });
      expect(p3.traces.map((t) => t.traceId)).toEqual([ids[0]]);
      expect(p3.more).toBe(false);
      const filtered = await s.findTraces({
        ...range,
        limit: 10,
        filter: () => ({ sql: 'trace_id IN (SELECT trace_id FROM spans WHERE name = ?)', params: ['svc1'] }),
      });
      expect(filtered.traces.map((t) => t.traceId)).toEqual([ids[5], ids[3], ids[1]]);
      expect(filtered.scanned).toBe(7);
    });

    it('answers the Event and Service time-range types', async () => {
      const s = await fresh();
      const long = traceId(t0);
      const short = traceId(t0 + 50);
      await s.write([
        ingested({ trace_id: long, id: entityId(), name: 'a', start_time: t0, end_time: t0 + 60 }),
        ingested({ trace_id: short, id: entityId(), name: 'b', start_time: t0 + 50, end_time: t0 + 51 }),
      ]);
      const q = (type: 'TraceId' | 'Event' | 'Service', from: number, to: number) =>
        s
          .findTraces({ startUs: (t0 + from) * 1e6, endUs: (t0 + to) * 1e6, timeRangeType: type, limit: 10 })
          .then((p) => p.traces.map((t) => t.traceId).sort());
      expect(await q('TraceId', 40, 70)).toEqual([short]);
      expect(await q('Event', 40, 70)).toEqual([long, short].sort());
      expect(await q('Service', 55, 70)).toEqual([long]);
    });

    it('keeps every acknowledged trace across a restart, and close is safe twice', async () => {
      const s = await fresh();
      const tid = traceId(t0);
      await s.write([
        ingested({ trace_id: tid, id: entityId(), name: 'kept', start_time: t0, end_time: t0 + 1 }),
      ]);
      const again = await factory.reopen(s);
      open.push(again);
      expect((await again.getSpans([tid])).map((r) => r.name)).toEqual(['kept']);
      await again.close();
      await again.close();
    });
  });
}
