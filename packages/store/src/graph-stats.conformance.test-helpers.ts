/**
 * Conformance cases for `Store.graphStats`: a store's SQL must produce exactly the rows that
 * `toGraphStats` (@fluoro/model, the reference) computes from the same documents. Called from
 * `describeStoreConformance`, so every store is held to it; a store without `graphStats` skips
 * with the reason.
 */
import { type GraphStatRow, graphStatKey, toGraphStats } from '@fluoro/model';
import { expect, it } from 'vitest';
import type { IngestedDocument, Store } from './store.js';

type Fixture = {
  ingested: (doc: Record<string, unknown>, receivedUs?: number) => IngestedDocument;
  traceId: (epochS: number) => string;
  entityId: () => string;
};

const SKIP = 'this store has no graphStats yet: the server falls back to toGraphStats over getSpans';

function sorted(rows: GraphStatRow[]): GraphStatRow[] {
  return [...rows].sort((a, b) => graphStatKey(a).localeCompare(graphStatKey(b)));
}

/**
 * A shop over three seconds from t0: `api` (ECS) calls `orders` (instrumented, its segment sent
 * apart), Postgres, DynamoDB, an uninstrumented host that throttles and a custom subsegment a
 * worker segment names as parent; a subsegment sent on its own; a segment still in progress;
 * and a trace outside the range.
 */
function shopDocuments(t0: number, f: Fixture): Record<string, unknown>[] {
  const docs: Record<string, unknown>[] = [];
  const at = (ms: number) => t0 + ms / 1000;
  for (let i = 0; i < 3; i++) {
    const tid = f.traceId(t0);
    const b = i * 1000;
    const call = {
      id: f.entityId(),
      name: 'orders.internal',
      namespace: 'remote',
      start_time: at(b + 10),
      end_time: at(b + 50),
      http: { response: { status: i === 1 ? 503 : 200 } },
    };
    const handoff = { id: f.entityId(), name: 'enqueue', start_time: at(b + 81), end_time: at(b + 83) };
    const apiId = f.entityId();
    docs.push(
      {
        trace_id: tid,
        id: apiId,
        name: 'api',
        origin: 'AWS::ECS::Container',
        start_time: at(b),
        end_time: at(b + 100 + i * 7),
        http: { response: { status: i === 1 ? 500 : 200 } },
        subsegments: [
          call,
          {
            id: f.entityId(),
            name: 'handler',
            start_time: at(b + 51),
            end_time: at(b + 90),
            subsegments: [
              {
                id: f.entityId(),
                name: 'postgres@localhost',
                namespace: 'remote',
                start_time: at(b + 52),
                end_time: at(b + 58 + i),
                sql: { database_type: 'PostgreSQL' },
              },
              handoff,
            ],
          },
          {
            id: f.entityId(),
            name: 'partner.example.com',
            namespace: 'remote',
            start_time: at(b + 60),
            end_time: at(b + 70),
            ...(i === 2 ? { error: true, throttle: true, http: { response: { status: 429 } } } : {}),
          },
        ],
      },
      {
        trace_id: tid,
        id: f.entityId(),
        name: 'orders',
        parent_id: call.id,
        start_time: at(b + 12),
        end_time: at(b + 48 - i),
        ...(i === 1 ? { fault: true } : {}),
      },
      // Sent on its own (as SDKs stream subsegments of a long segment), parent: the api segment.
      {
        trace_id: tid,
        id: f.entityId(),
        type: 'subsegment',
        parent_id: apiId,
        name: 'DynamoDB',
        namespace: 'aws',
        start_time: at(b + 72),
        end_time: at(b + 80),
        aws: { table_name: 'carts', operation: 'GetItem' },
        ...(i === 0 ? { error: true, http: { response: { status: 400 } } } : {}),
      },
      {
        trace_id: tid,
        id: f.entityId(),
        name: 'worker',
        parent_id: handoff.id,
        start_time: at(b + 84),
        end_time: at(b + 95),
      },
    );
  }
  const open = f.traceId(t0);
  docs.push({ trace_id: open, id: f.entityId(), name: 'api', start_time: at(2500), in_progress: true });
  const late = f.traceId(t0 + 7200);
  docs.push({ trace_id: late, id: f.entityId(), name: 'api', start_time: t0 + 7200, end_time: t0 + 7201 });
  return docs;
}

/**
 * Segments whose parent is a *segment*: `frontend` starts `email-worker` jobs with its own
 * segment id as `Parent=` (as API Gateway → Lambda, or a queue consumer given the request's
 * trace header), one of them faulting; a `frontend` job under a `frontend` segment (same
 * service); a worker under a parent segment still in progress; one under a parent sent first in
 * progress and then complete; and a worker whose parent is not in the trace. In batches: the
 * early in-progress parent, the parents, then the workers, as separate processes send them.
 * Times from t0 + 10 s.
 */
function segmentParentedDocuments(t0: number, f: Fixture): IngestedDocument[][] {
  const at = (ms: number) => t0 + 10 + ms / 1000;
  const early: IngestedDocument[] = [];
  const parents: IngestedDocument[] = [];
  const workers: IngestedDocument[] = [];
  const sentUs = (t0 + 3600) * 1e6;
  for (let i = 0; i < 4; i++) {
    const tid = f.traceId(t0);
    const b = i * 1000;
    const id = f.entityId();
    const frontend = { trace_id: tid, id, name: 'frontend', start_time: at(b) };
    if (i === 2) parents.push(f.ingested({ ...frontend, in_progress: true }));
    else {
      if (i === 3) early.push(f.ingested({ ...frontend, in_progress: true }, sentUs));
      parents.push(
        f.ingested(
          { ...frontend, end_time: at(b + 100), http: { response: { status: i === 1 ? 502 : 200 } } },
          sentUs + 1000,
        ),
      );
    }
    workers.push(
      f.ingested({
        trace_id: tid,
        id: f.entityId(),
        name: 'email-worker',
        origin: 'AWS::EC2::Instance',
        parent_id: id,
        start_time: at(b + 105),
        end_time: at(b + 130 + 10 * i),
        ...(i === 1 ? { fault: true } : {}),
        subsegments: [
          { id: f.entityId(), name: 'smtp send', start_time: at(b + 110), end_time: at(b + 125) },
        ],
      }),
      f.ingested({
        trace_id: tid,
        id: f.entityId(),
        name: 'frontend',
        parent_id: id,
        start_time: at(b + 101),
        end_time: at(b + 103),
      }),
    );
  }
  workers.push(
    f.ingested({
      trace_id: f.traceId(t0),
      id: f.entityId(),
      name: 'email-worker',
      origin: 'AWS::EC2::Instance',
      parent_id: f.entityId(),
      start_time: at(5000),
      end_time: at(5020),
    }),
  );
  return [early, parents, workers];
}

export function graphStatsConformance(fresh: () => Promise<Store>, f: Fixture, t0: number): void {
  const range = { startUs: (t0 - 60) * 1e6, endUs: (t0 + 60) * 1e6 };

  it('graphStats: the same rows as toGraphStats, whole range and by period', async (ctx) => {
    const s = await fresh();
    if (!s.graphStats) return ctx.skip(SKIP);
    const batch = shopDocuments(t0, f).map((d) => f.ingested(d));
    await s.write(batch);
    const rows = batch.flatMap((d) => d.rows);
    // Span rows keep the inferred downstream's type.
    const read = await s.getSpans([batch[0]?.traceId as string]);
    expect(Object.fromEntries(read.filter((r) => r.remoteType).map((r) => [r.name, r.remoteType]))).toEqual({
      'orders.internal': 'remote',
      'postgres@localhost': 'Database::SQL',
      'partner.example.com': 'remote',
      DynamoDB: 'AWS::DynamoDB::Table',
    });
    const whole = sorted(await s.graphStats(range));
    expect(whole).toEqual(sorted(toGraphStats(rows, range)));
    // The fixture reaches every kind of row: nodes, client edges, real and inferred callees.
    expect(
      new Set(whole.map((r) => `${r.kind}:${r.source?.name ?? ''}>${r.target.name}:${r.inferred}`)),
    ).toEqual(
      new Set([
        'node:>api:false',
        'node:>orders:false',
        'node:>worker:false',
        'edge:client>api:false',
        'edge:api>orders:false',
        'edge:api>worker:false',
        'edge:api>postgres@localhost:true',
        'edge:api>partner.example.com:true',
        'edge:api>DynamoDB:true',
      ]),
    );
    const q = { ...range, periodUs: 1e6 };
    expect(sorted(await s.graphStats(q))).toEqual(sorted(toGraphStats(rows, q)));
    // A range longer than the window pad (stores may plan short and long ranges differently).
    const wide = { startUs: (t0 - 3 * 3600) * 1e6, endUs: (t0 + 3 * 3600) * 1e6, periodUs: 3600e6 };
    expect(sorted(await s.graphStats(wide))).toEqual(sorted(toGraphStats(rows, wide)));
  });

  it('graphStats: counts only what started in the range, and only the traces a filter keeps', async (ctx) => {
    const s = await fresh();
    if (!s.graphStats) return ctx.skip(SKIP);
    const batch = shopDocuments(t0, f).map((d) => f.ingested(d));
    await s.write(batch);
    const rows = batch.flatMap((d) => d.rows);
    const first = { startUs: t0 * 1e6, endUs: (t0 + 1) * 1e6 };
    expect(sorted(await s.graphStats(first))).toEqual(sorted(toGraphStats(rows, first)));
    const one = batch[0]?.traceId as string;
    const filtered = await s.graphStats({ ...range, filter: () => ({ sql: 'trace_id = ?', params: [one] }) });
    expect(sorted(filtered)).toEqual(
      sorted(
        toGraphStats(
          rows.filter((r) => r.traceId === one),
          range,
        ),
      ),
    );
    expect(await s.graphStats({ startUs: (t0 + 9000) * 1e6, endUs: (t0 + 9001) * 1e6 })).toEqual([]);
  });

  it('graphStats: a segment whose parent is another service’s segment is that service’s call', async (ctx) => {
    const s = await fresh();
    if (!s.graphStats) return ctx.skip(SKIP);
    const batches = segmentParentedDocuments(t0, f);
    for (const batch of batches) await s.write(batch);
    const rows = batches.flat().flatMap((d) => d.rows);
    const whole = sorted(await s.graphStats(range));
    expect(whole).toEqual(sorted(toGraphStats(rows, range)));
    const q = { ...range, periodUs: 1e6 };
    expect(sorted(await s.graphStats(q))).toEqual(sorted(toGraphStats(rows, q)));
    // frontend → email-worker, not client → email-worker; no frontend → frontend.
    expect(new Set(whole.map((r) => `${r.kind}:${r.source?.name ?? ''}>${r.target.name}`))).toEqual(
      new Set(['node:>frontend', 'node:>email-worker', 'edge:client>frontend', 'edge:frontend>email-worker']),
    );
    // Measured by the workers' own segments (4 in the trace, the one with a parent from
    // outside it is no call): their durations and outcomes; no alias (the caller named nothing).
    const edge = whole.filter((r) => r.kind === 'edge' && r.source?.name === 'frontend');
    expect(edge.every((r) => !r.inferred && r.alias === null)).toBe(true);
    expect(edge.every((r) => r.target.type === 'AWS::EC2::Instance' && r.source?.type === '')).toBe(true);
    const sum = (k: 'count' | 'ok' | 'fault' | 'sumDurationUs') => edge.reduce((n, r) => n + r[k], 0);
    expect([sum('count'), sum('ok'), sum('fault')]).toEqual([4, 3, 1]);
    expect(sum('sumDurationUs')).toBeCloseTo((25 + 35 + 45 + 55) * 1000, -1);
  });
}
