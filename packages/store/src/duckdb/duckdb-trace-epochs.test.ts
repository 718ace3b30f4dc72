import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { entityId, ingested, traceId } from '../conformance.test-helpers.js';
import { DuckDbStore } from './duckdb-store.js';
import { plausibleEpoch, TraceEpochs, TraceKeyFilter, traceKey } from './trace-epochs.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-duckdb-epochs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(dir, `s-${files++}.duckdb`);
const open = (path: string, retentionDays?: number) =>
  DuckDbStore.open({ path, memoryLimit: '256MB', ...(retentionDays ? { retentionDays } : {}) });

const DAY_S = 86_400;
let otelSeq = 0;
/** An OpenTelemetry trace id in X-Ray form: its "epoch" is random bytes (here 2106 or 1970, never near the spans). */
function otelTraceId(): string {
  otelSeq++;
  const head = otelSeq % 2 === 0 ? 'fffe0000' : '0000abcd';
  return `1-${head}-${(0xabc000 + otelSeq).toString(16).padStart(24, '0')}`;
}

/** One document of `trace` starting at `startS`: a segment with an annotated subsegment. */
function doc(trace: string, startS: number, name: string, extra: Record<string, unknown> = {}) {
  return ingested(
    {
      trace_id: trace,
      id: entityId(),
      name,
      start_time: startS,
      end_time: startS + 0.5,
      annotations: { service: name },
      subsegments: [{ id: entityId(), name: `${name}-db`, start_time: startS + 0.1, end_time: startS + 0.2 }],
      ...extra,
    },
    (startS + 1) * 1e6,
  );
}

/** Runs `sql` on the closed store's file and returns its rows. */
async function query(path: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowsJS();
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

async function storedEpochs(path: string, trace: string): Promise<{ rows: number[]; times: number[] }> {
  const rows = await query(
    path,
    `SELECT DISTINCT trace_epoch_s FROM (SELECT trace_epoch_s, trace_id FROM documents UNION ALL
       SELECT trace_epoch_s, trace_id FROM spans UNION ALL SELECT trace_epoch_s, trace_id FROM annotations)
     WHERE trace_id = '${trace}' ORDER BY 1`,
  );
  const times = await query(path, `SELECT epoch_s FROM trace_times WHERE trace_id = '${trace}' ORDER BY 1`);
  return { rows: rows.map((r) => Number(r[0])), times: times.map((r) => Number(r[0])) };
}

async function names(s: DuckDbStore, trace: string) {
  const docs = (await s.getDocuments([trace])).get(trace) ?? [];
  const spans = await s.getSpans([trace]);
  return {
    docs: docs.map((d) => JSON.parse(d.document).name).sort(),
    spans: spans.map((r) => r.name).sort(),
    annotations: spans.flatMap((r) => r.annotations.map((a) => `${r.name}:${a.value}`)).sort(),
  };
}

const t0 = 1_800_000_000;

describe('DuckDB trace epochs', () => {
  it('stores an OpenTelemetry id under its start second, records it in trace_times, and finds it by id', async () => {
    const path = newPath();
    const s = await open(path);
    const otel = otelTraceId();
    const xray = traceId(t0);
    await s.write([doc(otel, t0 + 7.25, 'api'), doc(xray, t0 + 0.5, 'web')]);
    expect(await names(s, otel)).toEqual({
      docs: ['api'],
      spans: ['api', 'api-db'],
      annotations: ['api:api'],
    });
    // The span rows keep the id's own epoch, as toSpanRows gave it.
    const own = Number.parseInt(otel.slice(2, 10), 16);
    expect((await s.getSpans([otel])).map((r) => r.traceEpochS)).toEqual([own, own]);
    // Several traces at once (BatchGetTraces), an unknown id among them.
    const both = await s.getSpans([xray, otel, otelTraceId()]);
    expect(both.map((r) => r.name).sort()).toEqual(['api', 'api-db', 'web', 'web-db']);
    expect([...(await s.getDocuments([otelTraceId()])).keys()]).toEqual([]);
    await s.close();
    expect(await storedEpochs(path, otel)).toEqual({ rows: [t0 + 7], times: [t0 + 7] });
    expect(await storedEpochs(path, xray)).toEqual({ rows: [t0], times: [] });
  });

  it("keeps a trace's documents under one epoch while the writer remembers it, and finds late ones under another", async () => {
    const path = newPath();
    let s = await open(path);
    const otel = otelTraceId();
    await s.write([doc(otel, t0, 'api')]);
    await s.write([doc(otel, t0 + 40, 'worker')]); // another batch, same trace: the same epoch
    // Two hours later (no longer a plausible time for the first epoch): a second epoch.
    await s.write([doc(otel, t0 + 7200, 'retry')]);
    await s.close();
    // A restart forgets the remembered epochs: a day later the trace gets a third one.
    s = await open(path);
    await s.write([doc(otel, t0 + DAY_S, 'audit')]);
    expect(await names(s, otel)).toEqual({
      docs: ['api', 'audit', 'retry', 'worker'],
      spans: ['api', 'api-db', 'audit', 'audit-db', 'retry', 'retry-db', 'worker', 'worker-db'],
      annotations: ['api:api', 'audit:audit', 'retry:retry', 'worker:worker'],
    });
    await s.close();
    const epochs = [t0, t0 + 7200, t0 + DAY_S];
    expect(await storedEpochs(path, otel)).toEqual({ rows: epochs, times: epochs });
  });

  it('finds an X-Ray trace whose late segment started too long after the id time to be stored under it', async () => {
    const path = newPath();
    const s = await open(path);
    const xray = traceId(t0);
    await s.write([doc(xray, t0 + 1, 'api')]);
    await s.write([doc(xray, t0 + 3 * 3600, 'consumer')]);
    expect((await names(s, xray)).docs).toEqual(['api', 'consumer']);
    await s.close();
    expect(await storedEpochs(path, xray)).toEqual({ rows: [t0, t0 + 3 * 3600], times: [t0 + 3 * 3600] });
  });

  it('replaces an in-progress document stored under an epoch the complete version would not choose', async () => {
    const path = newPath();
    let s = await open(path);
    const otel = otelTraceId();
    const id = entityId();
    await s.write([doc(otel, t0, 'api')]);
    // Stored under the trace's epoch t0 (remembered), though it starts 30 s later.
    await s.write([doc(otel, t0 + 30, 'worker', { id, in_progress: true, end_time: undefined })]);
    await s.close();
    s = await open(path);
    // After the restart the complete version chooses its own start second, t0 + 30.
    await s.write([doc(otel, t0 + 30, 'worker', { id, end_time: t0 + 31 })]);
    const docs = (await s.getDocuments([otel])).get(otel)!;
    const parsed = docs.map((d) => JSON.parse(d.document));
    expect(parsed.map((d) => `${d.name}:${d.in_progress ?? 'complete'}`).sort()).toEqual([
      'api:complete',
      'worker:complete',
    ]);
    expect((await s.getSpans([otel])).filter((r) => r.docId === id).map((r) => r.inProgress)).toEqual([
      false,
      false,
    ]);
    await s.close();
    expect(await query(path, `SELECT count(*) FROM spans WHERE trace_id = '${otel}'`)).toEqual([[4n]]);
  });

  it('retention deletes the trace_times rows of deleted traces and keeps the others', async () => {
    const path = newPath();
    const nowS = Math.floor(Date.now() / 1000);
    const old = otelTraceId();
    const recent = otelTraceId();
    const s = await open(path);
    await s.write([doc(old, nowS - 40 * DAY_S, 'old'), doc(recent, nowS - 2 * DAY_S, 'recent')]);
    await s.close();
    expect(await query(path, 'SELECT count(*) FROM trace_times')).toEqual([[2n]]);
    const kept = await open(path, 30);
    expect((await names(kept, old)).docs).toEqual([]);
    expect((await names(kept, recent)).docs).toEqual(['recent']);
    expect(await kept.enforceRetention()).toEqual({ spans: 0, documents: 0, annotations: 0, traceTimes: 0 });
    await kept.close();
    expect(await query(path, 'SELECT trace_id FROM trace_times')).toEqual([[recent]]);
  });

  it('opens a file written before trace_times existed, finds its OpenTelemetry traces and adds to them', async () => {
    const path = newPath();
    const otel = otelTraceId();
    const own = Number.parseInt(otel.slice(2, 10), 16);
    const id = entityId();
    let s = await open(path);
    await s.write([
      doc(otel, t0, 'api'),
      doc(otel, t0 + 2, 'worker', { id, in_progress: true, end_time: undefined }),
    ]);
    await s.close();
    // What the earlier version wrote: no trace_times, every row under the id's own epoch.
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run('DROP TABLE trace_times');
    for (const table of ['documents', 'spans', 'annotations'])
      await c.run(`UPDATE ${table} SET trace_epoch_s = ${own} WHERE trace_id = '${otel}'`);
    c.closeSync();
    instance.closeSync();

    s = await open(path);
    expect((await names(s, otel)).docs).toEqual(['api', 'worker']);
    // New documents of the old trace go under real times; the in-progress one is replaced.
    await s.write([doc(otel, t0 + 2, 'worker', { id, end_time: t0 + 3 }), doc(otel, t0 + 5, 'late')]);
    expect(await names(s, otel)).toEqual({
      docs: ['api', 'late', 'worker'],
      spans: ['api', 'api-db', 'late', 'late-db', 'worker', 'worker-db'],
      annotations: ['api:api', 'late:late', 'worker:worker'],
    });
    await s.close();
    expect(await storedEpochs(path, otel)).toEqual({ rows: [own, t0 + 2].sort(), times: [t0 + 2] });
  });
});

describe('trace epoch rules', () => {
  it('takes an id time as a time from an hour before a document starts to five minutes after', () => {
    expect(plausibleEpoch(t0, t0)).toBe(true);
    expect(plausibleEpoch(t0 - 3600, t0)).toBe(true);
    expect(plausibleEpoch(t0 - 3601, t0)).toBe(false);
    expect(plausibleEpoch(t0 + 300, t0)).toBe(true);
    expect(plausibleEpoch(t0 + 301, t0)).toBe(false);
  });

  it('remembers a batch only once it is committed, and a bounded number of traces', () => {
    const epochs = new TraceEpochs(2);
    const [a, b, c] = [otelTraceId(), otelTraceId(), otelTraceId()];
    const first = new Map<string, number>();
    expect(epochs.assign(a, t0 * 1e6, first)).toEqual({ epoch: t0, isNew: true });
    expect(epochs.assign(a, (t0 + 10) * 1e6, first)).toEqual({ epoch: t0, isNew: false });
    // Not committed (a rolled-back batch): a new choice, to be written again.
    expect(epochs.assign(a, (t0 + 10) * 1e6, new Map())).toEqual({ epoch: t0 + 10, isNew: true });
    epochs.commit(first);
    expect(epochs.assign(a, (t0 + 10) * 1e6, new Map())).toEqual({ epoch: t0, isNew: false });
    const more = new Map<string, number>();
    epochs.assign(b, t0 * 1e6, more);
    epochs.assign(c, t0 * 1e6, more);
    epochs.commit(more);
    expect(epochs.assign(a, (t0 + 10) * 1e6, new Map())).toEqual({ epoch: t0 + 10, isNew: true });
    epochs.clear();
    expect(epochs.assign(c, (t0 + 10) * 1e6, new Map())).toEqual({ epoch: t0 + 10, isNew: true });
    // An X-Ray id's own time is used and never recorded.
    expect(epochs.assign(traceId(t0), (t0 + 10) * 1e6, new Map())).toEqual({ epoch: t0, isNew: false });
  });

  it('never rules out a key it was given, and rules out most others', () => {
    const f = new TraceKeyFilter();
    const given = Array.from({ length: 1000 }, () => traceKey(otelTraceId()));
    for (const k of given) f.add(k);
    expect(given.every((k) => f.mightHold(k))).toBe(true);
    const others = Array.from({ length: 1000 }, (_, i) =>
      traceKey(`1-${t0.toString(16)}-${(i * 7919).toString(16).padStart(24, 'f')}`),
    );
    expect(others.filter((k) => f.mightHold(k)).length).toBeLessThan(100);
    expect(traceKey('not-an-x-ray-id')).toBe(traceKey('not-an-x-ray-id'));
    expect(traceKey('not-an-x-ray-id')).not.toBe(traceKey('not-an-x-ray-ie'));
  });
});
