import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { capture, configure, flush, tracePostgres, traceSegment } from '../index.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  sentSegment,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';

// A real PostgreSQL on loopback (trust auth), as on the project's machines and in CI.
const CONNECTION = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

let collector: UdpCollector;
let pool: pg.Pool;

beforeAll(async () => {
  collector = await startUdpCollector();
  configure({ daemonAddress: collector.address, sampling: { rules: SAMPLE_ALL, centralized: false } });
  tracePostgres(pg);
  tracePostgres(pg); // twice: harmless
  // Two clients for many concurrent traces: most queries wait for a client another trace released.
  pool = new pg.Pool({ ...CONNECTION, max: 2 });
});
afterAll(async () => {
  await pool.end();
  await collector.close();
});
beforeEach(() => collector.clear());

const segment = (name: string) => sentSegment(collector, name);

const queries = (doc: Doc) => descendants(doc).filter((d) => d['namespace'] === 'remote');

describe('tracePostgres', () => {
  test('each query in a trace is a remote subsegment with an sql block and no query text by default', async () => {
    await traceSegment('pg-basic', async () => {
      await pool.query('SELECT $1::int AS n', [7]);
      await pool.query({ name: 'two', text: 'SELECT 2 AS n' });
    });
    const seg = await segment('pg-basic');
    const subs = queries(seg);
    expect(subs.map((s) => s.name)).toEqual(['postgres@127.0.0.1', 'postgres@127.0.0.1']);
    expect(subs[0]!['sql']).toEqual({
      url: 'postgresql://127.0.0.1:5432/postgres',
      database_type: 'PostgreSQL',
      driver_version: 'node-postgres',
      preparation: 'call',
      user: 'postgres',
    });
    expect((subs[1]!['sql'] as { preparation: string }).preparation).toBe('statement');
    for (const s of subs) {
      expect(s['start_time'] as number).toBeGreaterThanOrEqual(seg['start_time'] as number);
      expect(s['end_time'] as number).toBeLessThanOrEqual(seg['end_time'] as number);
      expect(s['end_time'] as number).toBeGreaterThanOrEqual(s['start_time'] as number);
    }
  });

  test('a failed query is a fault with the error as cause; the caller gets pg’s error unchanged', async () => {
    const caught = await traceSegment('pg-fail', async () => {
      try {
        await pool.query('SELEC 1');
        return undefined;
      } catch (err) {
        return err as Error & { code?: string };
      }
    });
    expect(caught?.code).toBe('42601'); // syntax_error, as pg reports it
    const [sub] = queries(await segment('pg-fail'));
    expect(sub).toMatchObject({ fault: true, cause: { exceptions: [{ message: caught!.message }] } });
  });

  test('callbacks, and Query objects, are traced and run in the caller’s trace', async () => {
    const client = new pg.Client(CONNECTION);
    await client.connect();
    try {
      await traceSegment('pg-callbacks', async () => {
        await new Promise<void>((resolve, reject) => {
          client.query('SELECT 1', (err) => {
            if (err) return reject(err);
            // Work done in the callback belongs to this trace.
            capture('after-callback', () => resolve());
          });
        });
        const q = client.query(new pg.Query('SELECT generate_series(1, 3)'));
        await new Promise((resolve, reject) => q.on('end', resolve).on('error', reject));
      });
    } finally {
      await client.end();
    }
    const seg = await segment('pg-callbacks');
    expect(descendants(seg).map((d) => d.name)).toEqual([
      'postgres@127.0.0.1',
      'after-callback',
      'postgres@127.0.0.1',
    ]);
    for (const s of queries(seg)) expect(s['end_time']).toBeDefined();
  });

  test('with collectQueries the text is kept; outside a trace nothing is recorded', async () => {
    tracePostgres(pg, { collectQueries: true });
    try {
      await pool.query('SELECT 1 AS untraced');
      await traceSegment('pg-text', () => pool.query('SELECT $1::text AS greeting', ['hi']));
    } finally {
      tracePostgres(pg, { collectQueries: false });
    }
    const [sub] = queries(await segment('pg-text'));
    expect((sub!['sql'] as { sanitized_query: string }).sanitized_query).toBe('SELECT $1::text AS greeting');
    expect(collector.docs.map((d) => d.name)).toEqual(['pg-text']);
  });

  test('100 concurrent traces over a pool of 2 clients: each trace holds exactly its own queries', async () => {
    const n = 100;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        traceSegment(`pg-many-${i}`, async (seg) => {
          seg.addAnnotation('i', i);
          // Callback style through the pool: the pool hands each waiter a client another trace released.
          await new Promise<void>((resolve, reject) =>
            pool.query('SELECT $1::int AS i', [i], (err) => (err ? reject(err) : resolve())),
          );
          await pool.query(`SELECT ${i} AS again`);
          await capture(`done-${i}`, async () => {});
        }),
      ),
    );
    await flush();
    await collector.waitFor((docs) => docs.filter((d) => String(d.name).startsWith('pg-many-')).length === n);
    for (const doc of collector.docs) {
      const i = (doc['annotations'] as { i: number }).i;
      expect(doc.name).toBe(`pg-many-${i}`);
      const names = descendants(doc).map((d) => d.name);
      expect(names).toEqual(['postgres@127.0.0.1', 'postgres@127.0.0.1', `done-${i}`]);
    }
  });
});
