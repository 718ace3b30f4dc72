import { DuckDbStore, type IngestedDocument, type Store } from '@fluoro/store';
import { afterEach, describe, expect, it } from 'vitest';
import { entityId, ingested, traceId } from '../../../store/src/conformance.test-helpers.js';
import { BatchWriter } from './batch-writer.js';
import { IngestStats } from './ingest-stats.js';

const t0 = Math.floor(Date.now() / 1000) - 60;

function segment(i: number): IngestedDocument {
  return ingested({
    trace_id: traceId(t0 + i),
    id: entityId(),
    name: 'api',
    start_time: t0 + i,
    end_time: t0 + i + 0.1,
    http: { response: { status: 200 } },
  });
}

/** A document whose span row holds a value DuckDB's INTEGER column cannot take. */
function refusedByStore(i: number): IngestedDocument {
  const doc = segment(i);
  return { ...doc, rows: doc.rows.map((r) => ({ ...r, httpStatus: 5_000_000_000 })) };
}

const storedIds = async (store: Store, docs: IngestedDocument[]) => {
  const byTrace = await store.getDocuments(docs.map((d) => d.traceId));
  return new Set([...byTrace.values()].flat().map((d) => d.id));
};

describe('BatchWriter', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });
  const open = async () => {
    const s = await DuckDbStore.open({ path: ':memory:' });
    stores.push(s);
    return s;
  };

  it('drops and counts a document the store refuses, and writes every neighbour in its batch', async () => {
    const store = await open();
    const stats = new IngestStats();
    const writer = new BatchWriter(store, stats, { batchSize: 100, retryDelayMs: 1 });
    const good = Array.from({ length: 60 }, (_, i) => segment(i));
    const bad = [refusedByStore(100), refusedByStore(101)];
    const all = [...good.slice(0, 20), bad[0]!, ...good.slice(20, 50), bad[1]!, ...good.slice(50)];
    for (const d of all) writer.offer(d);
    await writer.flush();
    expect(stats.written).toBe(60);
    expect(stats.dropped.get('store_rejected')).toBe(2);
    expect(writer.queued).toBe(0);
    const stored = await storedIds(store, all);
    expect(stored).toEqual(new Set(good.map((d) => d.id)));
  });

  it('keeps everything queued, and drops nothing, while every write fails', async () => {
    const store = await open();
    let failing = true;
    const original = store.write.bind(store);
    // The real store, made to refuse every write for a while for a reason that is not
    // StoreUnavailableError (a full disk, which this test cannot make for real): no document is
    // to blame, so none may be dropped. A real outage (ClickHouse stopped) is in
    // test/e2e/clickhouse.test.ts.
    store.write = (docs) =>
      failing ? Promise.reject(new Error('IO Error: No space left on device')) : original(docs);
    const stats = new IngestStats();
    const writer = new BatchWriter(store, stats, { batchSize: 64, retryDelayMs: 1, maxRetryDelayMs: 5 });
    const docs = Array.from({ length: 64 }, (_, i) => segment(200 + i));
    for (const d of docs) writer.offer(d);
    const flushed = writer.flush();
    while (stats.writeRetries < 3) await new Promise((r) => setTimeout(r, 5));
    expect(writer.queued).toBe(64);
    expect(stats.dropped.size).toBe(0);
    failing = false;
    await flushed;
    expect(stats.written).toBe(64);
    expect(await storedIds(store, docs)).toEqual(new Set(docs.map((d) => d.id)));
  });
});
