/**
 * tracePostgres → a real `fluoro up` → @aws-sdk/client-xray: the database is its own node of
 * the service graph, with the time the service spent in it. Needs the built CLI (`npm test`
 * builds first).
 */
import { GetServiceGraphCommand } from '@aws-sdk/client-xray';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../../../../test/helpers/fluoro-up.js';
import { configure, flush, tracePostgres, traceSegment } from '../index.js';
import { SAMPLE_ALL } from '../test-support/udp-collector.test-helpers.js';

let fluoro: RunningFluoro;
let pool: pg.Pool;

beforeAll(async () => {
  fluoro = await startFluoro();
  configure({ daemonAddress: fluoro.udpAddress, sampling: { rules: SAMPLE_ALL, centralized: false } });
  tracePostgres(pg);
  pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', max: 2 });
}, 60_000);
afterAll(async () => {
  await pool?.end();
  await fluoro?.dispose();
});

test('a service that queries PostgreSQL has an edge to a Database::SQL node in the service graph', async () => {
  const start = new Date(Date.now() - 60_000);
  for (let i = 0; i < 3; i++) {
    await traceSegment('orders-worker', async () => {
      await pool.query('SELECT pg_sleep(0.01)');
    });
  }
  await flush();
  const graph = await eventually(async () => {
    const r = await fluoro
      .xray()
      .send(new GetServiceGraphCommand({ StartTime: start, EndTime: new Date(Date.now() + 60_000) }));
    const db = r.Services?.find((s) => s.Name === 'postgres@127.0.0.1');
    return db?.SummaryStatistics?.TotalCount === 3 ? r : undefined;
  });
  const services = graph.Services ?? [];
  const db = services.find((s) => s.Name === 'postgres@127.0.0.1')!;
  expect(db.Type).toBe('Database::SQL');
  const worker = services.find((s) => s.Name === 'orders-worker')!;
  const edge = worker.Edges?.find((e) => e.ReferenceId === db.ReferenceId);
  expect(edge?.SummaryStatistics?.TotalCount).toBe(3);
  // pg_sleep(0.01): each call took at least 10 ms, as seen from the worker.
  expect(edge!.SummaryStatistics!.TotalResponseTime!).toBeGreaterThanOrEqual(0.03);
});
