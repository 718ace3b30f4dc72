import { createRequire } from 'node:module';
import mysqljs from 'mysql';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { describeIfListening } from '../../../../test/helpers/require-or-skip.js';
import {
  capture,
  configure,
  flush,
  getCurrent,
  parseXRayHeader,
  type RecorderOptions,
  stats,
  traceMySQL,
  traceSegment,
} from '../index.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  sentSegment,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';

// A real MariaDB on loopback (root, no password, database `test`), as on the project's machines.
const CONNECTION = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };
const NAME = 'test@127.0.0.1';
const URL = 'mysql://127.0.0.1:3306/test';
const RUN = `${process.pid}_${Date.now().toString(36)}`;
const TABLE = `fluoro_mysql_${RUN}`;
const MYSQL2_VERSION = (createRequire(import.meta.url)('mysql2/package.json') as { version: string }).version;

// Skipped when MariaDB is not there, except under FLUORO_TEST_REQUIRE_ALL=1 (CI), where it fails.
const describeDb = await describeIfListening('MariaDB', CONNECTION.host, CONNECTION.port);

let collector: UdpCollector;
let admin: mysqlPromise.Connection;
let serverVersion: string;
let baseConfig: RecorderOptions;

const segment = (name: string) => sentSegment(collector, name);

const queries = (doc: Doc) => descendants(doc).filter((d) => d['namespace'] === 'remote');
const sqlOf = (doc: Doc) => doc['sql'] as Record<string, unknown>;
const settle = <T>(p: Promise<T>): Promise<T | Error> => p.catch((err: Error) => err);
const callback = <T>(run: (done: (err: unknown, value?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));

describeDb('traceMySQL', () => {
  beforeAll(async () => {
    collector = await startUdpCollector();
    baseConfig = { daemonAddress: collector.address, sampling: { rules: SAMPLE_ALL, centralized: false } };
    configure(baseConfig);
    // Made before any traceMySQL call: its own queries are never traced.
    admin = await mysqlPromise.createConnection(CONNECTION);
    await admin.query(`CREATE TABLE ${TABLE} (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(100))`);
    const [rows] = await admin.query('SELECT VERSION() AS v');
    serverVersion = (rows as { v: string }[])[0]!.v;
  });
  afterAll(async () => {
    await admin?.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin?.end();
    await collector?.close();
  });
  beforeEach(() => collector.clear());

  describe('mysql2/promise, traced on its own', () => {
    let pool: mysqlPromise.Pool;
    beforeAll(() => {
      // Only the promise module: mysql2's connection classes are reached through it.
      expect(traceMySQL(mysqlPromise)).toBe(mysqlPromise);
      pool = mysqlPromise.createPool({ ...CONNECTION, connectionLimit: 2 });
    });
    afterAll(() => pool.end());

    test('query and execute, on a connection and a pool, are remote subsegments with an sql block and no query text', async () => {
      const conn = await mysqlPromise.createConnection(CONNECTION);
      try {
        await traceSegment('promise-basic', async () => {
          await conn.query('SELECT ? AS n', [1]);
          await conn.execute(`INSERT INTO ${TABLE} (v) VALUES (?)`, ['promise']);
          await pool.query('SELECT 2 AS n');
          await pool.execute('SELECT ? AS n', [3]);
          const pooled = await pool.getConnection();
          try {
            await pooled.query('SELECT 4 AS n');
          } finally {
            pooled.release();
          }
        });
      } finally {
        await conn.end();
      }
      const seg = await segment('promise-basic');
      const subs = queries(seg);
      expect(subs.map((s) => s.name)).toEqual([NAME, NAME, NAME, NAME, NAME]);
      expect(sqlOf(subs[0]!)).toEqual({
        url: URL,
        database_type: 'MySQL',
        database_version: serverVersion,
        driver_version: `mysql2 ${MYSQL2_VERSION}`,
        preparation: 'call',
        user: 'root',
      });
      expect(subs.map((s) => sqlOf(s)['preparation'])).toEqual([
        'call',
        'statement',
        'call',
        'statement',
        'call',
      ]);
      for (const s of subs) {
        expect(s['fault']).toBeUndefined();
        expect(sqlOf(s)['database_version']).toBe(serverVersion);
        expect(s['start_time'] as number).toBeGreaterThanOrEqual(seg['start_time'] as number);
        expect(s['end_time'] as number).toBeLessThanOrEqual(seg['end_time'] as number);
        expect(s['end_time'] as number).toBeGreaterThanOrEqual(s['start_time'] as number);
      }
    });
  });

  describe('mysql2 (callback API, and its promise wrappers)', () => {
    let pool: mysql.Pool;
    beforeAll(() => {
      expect(traceMySQL(mysql)).toBe(mysql);
      pool = mysql.createPool({ ...CONNECTION, connectionLimit: 2 });
    });
    afterAll(() => callback<void>((done) => pool.end(done)));

    test('calling traceMySQL again wraps nothing twice', async () => {
      const conn = mysql.createConnection(CONNECTION);
      try {
        const query = conn.query;
        const execute = conn.execute;
        const getConnection = pool.getConnection;
        traceMySQL(mysql);
        traceMySQL(mysqlPromise);
        expect([conn.query, conn.execute, pool.getConnection]).toEqual([query, execute, getConnection]);
        await traceSegment('twice', async () => {
          await conn.promise().query('SELECT 1');
          await callback((done) => pool.query('SELECT 2', done));
        });
      } finally {
        conn.destroy();
      }
      expect(queries(await segment('twice')).map((s) => s.name)).toEqual([NAME, NAME]);
    });

    test('callbacks run in the caller’s trace, after their query’s subsegment has closed', async () => {
      const conn = mysql.createConnection(CONNECTION);
      try {
        await traceSegment('callbacks', async () => {
          await callback((done) =>
            conn.query('SELECT 1 AS n', (err) => capture('after-query', () => done(err))),
          );
          await callback((done) =>
            conn.execute(`INSERT INTO ${TABLE} (v) VALUES (?)`, ['cb'], (err) =>
              capture('after-execute', () => done(err)),
            ),
          );
        });
      } finally {
        conn.destroy();
      }
      const seg = await segment('callbacks');
      expect(descendants(seg).map((d) => d.name)).toEqual([NAME, 'after-query', NAME, 'after-execute']);
      const [query, afterQuery] = descendants(seg);
      expect(query!['end_time'] as number).toBeLessThanOrEqual(afterQuery!['start_time'] as number);
      expect(queries(seg).map((s) => sqlOf(s)['preparation'])).toEqual(['call', 'statement']);
    });

    test('a query read through its events: the subsegment closes at its end, and listeners run in the trace', async () => {
      const conn = mysql.createConnection(CONNECTION);
      const rows: unknown[] = [];
      try {
        await traceSegment('events', async () => {
          await new Promise<void>((resolve, reject) => {
            conn
              .query('SELECT 1 AS n UNION ALL SELECT 2')
              .on('result', (row) => rows.push(row))
              .on('error', reject)
              .on('end', () => capture('after-end', () => resolve()));
          });
          // pool.query without a callback: the driver hands the query object to a connection.
          await new Promise<void>((resolve, reject) => {
            pool
              .query('SELECT 3 AS n')
              .on('error', reject)
              .on('end', () => capture('after-pool-end', () => resolve()));
          });
        });
      } finally {
        conn.destroy();
      }
      expect(rows).toHaveLength(2);
      const seg = await segment('events');
      expect(descendants(seg).map((d) => d.name)).toEqual([NAME, 'after-end', NAME, 'after-pool-end']);
      for (const s of queries(seg)) expect(s['end_time']).toBeDefined();
    });

    test('pools: query, execute and getConnection, with callbacks and with promise(), in the caller’s trace', async () => {
      await traceSegment('pool', async () => {
        await callback((done) =>
          pool.query('SELECT 1', (err) => capture('after-pool-query', () => done(err))),
        );
        await callback((done) => pool.execute('SELECT ?', [2], done));
        await callback<void>((done) =>
          pool.getConnection((err, conn) => {
            if (err) return done(err);
            capture('got-connection', () =>
              conn.query('SELECT 3', (qErr) => {
                conn.release();
                done(qErr);
              }),
            );
          }),
        );
        const promised = pool.promise();
        await promised.query('SELECT 4');
        await promised.execute('SELECT ?', [5]);
      });
      const seg = await segment('pool');
      expect(descendants(seg).map((d) => d.name)).toEqual([
        NAME,
        'after-pool-query',
        NAME,
        'got-connection',
        NAME,
        NAME,
        NAME,
      ]);
      expect(queries(seg).map((s) => sqlOf(s)['preparation'])).toEqual([
        'call',
        'statement',
        'call',
        'call',
        'statement',
      ]);
    });

    test('a pool cluster’s queries are traced too', async () => {
      const cluster = mysql.createPoolCluster();
      cluster.add('a', { ...CONNECTION, connectionLimit: 1 });
      try {
        await traceSegment('cluster', async () => {
          await callback((done) => cluster.of('*').query('SELECT 1', done));
        });
      } finally {
        await callback<void>((done) => cluster.end(done));
      }
      expect(queries(await segment('cluster')).map((s) => s.name)).toEqual([NAME]);
    });

    test('the url and the whole document hold no password; user is the connection’s', async () => {
      const user = `fluoro_${RUN}`;
      const password = `pw-${RUN}-secret`;
      await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', password]);
      try {
        await admin.query(`GRANT SELECT ON test.* TO ?@?`, [user, '127.0.0.1']);
        // A connection URL with the password in it, as often configured.
        const conn = mysql.createConnection(`mysql://${user}:${password}@127.0.0.1:3306/test`);
        try {
          await traceSegment('password', () => conn.promise().query('SELECT 1'));
        } finally {
          conn.destroy();
        }
      } finally {
        await admin.query('DROP USER ?@?', [user, '127.0.0.1']);
      }
      const seg = await segment('password');
      const [sub] = queries(seg);
      expect(sqlOf(sub!)['url']).toBe(URL);
      expect(sqlOf(sub!)['user']).toBe(user);
      expect(JSON.stringify(collector.docs)).not.toContain(password);
    });

    test('collectQueries records the text as written (placeholders, not values); off, it records none', async () => {
      const secret = `value-${RUN}`;
      traceMySQL(mysql, { collectQueries: true });
      try {
        await traceSegment('text-on', async () => {
          await pool.promise().query('SELECT ? AS greeting', [secret]);
          await pool.promise().execute({ sql: 'SELECT ? AS again', values: [secret] });
          await callback((done) => pool.query({ sql: 'SELECT 1 AS inline' }, done));
        });
      } finally {
        traceMySQL(mysql, { collectQueries: false });
      }
      await traceSegment('text-off', () => pool.promise().query('SELECT ? AS greeting', [secret]));
      const on = queries(await segment('text-on'));
      expect(on.map((s) => sqlOf(s)['sanitized_query'])).toEqual([
        'SELECT ? AS greeting',
        'SELECT ? AS again',
        'SELECT 1 AS inline',
      ]);
      const [off] = queries(await segment('text-off'));
      expect(sqlOf(off!)).not.toHaveProperty('sanitized_query');
      expect(JSON.stringify(collector.docs)).not.toContain(secret);
    });

    test('AWS_XRAY_COLLECT_SQL_QUERIES turns the text on when the option is not given', async () => {
      process.env['AWS_XRAY_COLLECT_SQL_QUERIES'] = 'true';
      try {
        traceMySQL(mysql);
        await traceSegment('text-env', () => pool.promise().query('SELECT 5 AS env'));
      } finally {
        delete process.env['AWS_XRAY_COLLECT_SQL_QUERIES'];
        traceMySQL(mysql);
      }
      const [sub] = queries(await segment('text-env'));
      expect(sqlOf(sub!)['sanitized_query']).toBe('SELECT 5 AS env');
    });

    test('a failed query is a fault with the error as cause; the caller gets mysql2’s error unchanged', async () => {
      const conn = mysql.createConnection(CONNECTION);
      const caught: unknown[] = [];
      try {
        await traceSegment('fail', async () => {
          caught.push(await settle(pool.promise().query('SELEC 1')));
          caught.push(await settle(callback((done) => conn.query('SELEC 2', done))));
          caught.push(
            await new Promise((resolve) => conn.query('SELEC 3').on('error', resolve).on('end', resolve)),
          );
          try {
            // Thrown by mysql2 before anything is sent (an app without types can get here).
            conn.execute('SELECT ?', [undefined] as never, () => {});
          } catch (err) {
            caught.push(err);
          }
          await callback((done) => conn.query('SELECT 1', done)); // the connection still works
        });
      } finally {
        conn.destroy();
      }
      const [promised, called, evented, thrown] = caught as (Error & { code?: string; sql?: string })[];
      expect([promised?.code, called?.code, evented?.code]).toEqual([
        'ER_PARSE_ERROR',
        'ER_PARSE_ERROR',
        'ER_PARSE_ERROR',
      ]);
      expect(called?.sql).toBe('SELEC 2');
      expect(thrown).toBeInstanceOf(TypeError);
      expect(thrown?.message).toMatch(/Bind parameters must not contain undefined/);
      const subs = queries(await segment('fail'));
      expect(subs).toHaveLength(5);
      for (const [i, err] of [promised, called, evented, thrown].entries()) {
        expect(subs[i]).toMatchObject({ fault: true, cause: { exceptions: [{ message: err!.message }] } });
      }
      expect(subs[4]!['fault']).toBeUndefined();
    });

    test('250 concurrent traces over a pool of 2 connections: each trace holds exactly its own queries', async () => {
      const n = 250;
      traceMySQL(mysql, { collectQueries: true });
      try {
        await Promise.all(
          Array.from({ length: n }, (_, i) =>
            traceSegment(`many-${i}`, async (seg) => {
              seg.addAnnotation('i', i);
              // Callback style: the pool hands each waiter a connection another trace released.
              await callback((done) => pool.query(`SELECT ${i} AS a`, done));
              await pool.promise().execute(`SELECT ${i} AS b, ? AS x`, [i]);
              await callback<void>((done) =>
                pool.getConnection((err, conn) => {
                  if (err) return done(err);
                  conn.query(`SELECT ${i} AS c`, (qErr) => {
                    conn.release();
                    capture(`done-${i}`, () => done(qErr));
                  });
                }),
              );
            }),
          ),
        );
      } finally {
        traceMySQL(mysql, { collectQueries: false });
      }
      await flush();
      await collector.waitFor((docs) => docs.filter((d) => String(d.name).startsWith('many-')).length === n);
      expect(collector.docs).toHaveLength(n);
      for (const doc of collector.docs) {
        const i = (doc['annotations'] as { i: number }).i;
        expect(doc.name).toBe(`many-${i}`);
        expect(descendants(doc).map((d) => d.name)).toEqual([NAME, NAME, NAME, `done-${i}`]);
        expect(queries(doc).map((s) => sqlOf(s)['sanitized_query'])).toEqual([
          `SELECT ${i} AS a`,
          `SELECT ${i} AS b, ? AS x`,
          `SELECT ${i} AS c`,
        ]);
      }
    });

    test('outside a trace, or in an unsampled one, nothing is recorded and nothing thrown', async () => {
      // Even with the strictest setting: queries outside a trace are not a missing context.
      configure({ ...baseConfig, contextMissing: 'RUNTIME_ERROR' });
      const dropsBefore = stats().dropped;
      const conn = mysql.createConnection(CONNECTION);
      try {
        await callback((done) => conn.query('SELECT 1', done));
        await callback((done) => conn.execute('SELECT ?', [2], done));
        await new Promise((resolve, reject) => conn.query('SELECT 3').on('error', reject).on('end', resolve));
        await callback((done) => pool.query('SELECT 4', done));
        await pool.promise().execute('SELECT ?', [5]);
        const pooled = await pool.promise().getConnection();
        await pooled.query('SELECT 6');
        pooled.release();
        await expect(pool.promise().query('SELEC 7')).rejects.toMatchObject({ code: 'ER_PARSE_ERROR' });
        const unsampled = parseXRayHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0');
        const seen = await traceSegment(
          'unsampled',
          () => callback((done) => conn.query('SELECT 8', () => done(null, getCurrent()))),
          { traceContext: unsampled },
        );
        expect(seen).toMatchObject({ sampled: false }); // the callback still ran in its trace
      } finally {
        conn.destroy();
        configure(baseConfig);
      }
      await flush();
      expect(collector.docs).toEqual([]);
      expect(stats().dropped).toEqual(dropsBefore);
    });

    test('a module that is not a MySQL driver is returned untouched and counted', () => {
      const before = stats().dropped['mysql_unsupported_module'] ?? 0;
      const notDriver = { createConnection: 'no' };
      expect(traceMySQL(notDriver)).toBe(notDriver);
      expect(notDriver).toEqual({ createConnection: 'no' });
      expect(stats().dropped['mysql_unsupported_module']).toBe(before + 1);
    });
  });

  describe('mysql (mysqljs)', () => {
    let pool: mysqljs.Pool;
    beforeAll(() => {
      expect(traceMySQL(mysqljs)).toBe(mysqljs);
      traceMySQL(mysqljs); // twice: harmless
      pool = mysqljs.createPool({ ...CONNECTION, connectionLimit: 2 });
    });
    afterAll(() => callback<void>((done) => pool.end(done)));

    test('connection and pool queries, their callbacks and events, and a failure', async () => {
      const conn = mysqljs.createConnection(CONNECTION);
      let caught: (Error & { code?: string }) | undefined;
      try {
        await traceSegment('mysqljs', async () => {
          await callback((done) =>
            conn.query('SELECT ? AS n', [1], (err) => capture('after-query', () => done(err))),
          );
          await new Promise<void>((resolve, reject) =>
            conn
              .query(`INSERT INTO ${TABLE} (v) VALUES (?)`, ['mysqljs'])
              .on('error', reject)
              .on('end', () => capture('after-end', () => resolve())),
          );
          await callback((done) => pool.query('SELECT 2', done));
          await callback<void>((done) =>
            pool.getConnection((err, pooled) => {
              if (err) return done(err);
              pooled.query('SELECT 3', (qErr) => {
                pooled.release();
                capture('after-pooled', () => done(qErr));
              });
            }),
          );
          caught = (await settle(callback((done) => conn.query('SELEC 4', done)))) as Error;
        });
      } finally {
        conn.destroy();
      }
      expect(caught?.code).toBe('ER_PARSE_ERROR');
      const seg = await segment('mysqljs');
      expect(descendants(seg).map((d) => d.name)).toEqual([
        NAME,
        'after-query',
        NAME,
        'after-end',
        NAME,
        NAME,
        'after-pooled',
        NAME,
      ]);
      const subs = queries(seg);
      expect(sqlOf(subs[0]!)).toEqual({
        url: URL,
        database_type: 'MySQL',
        database_version: serverVersion,
        driver_version: 'mysql',
        preparation: 'call',
        user: 'root',
      });
      expect(subs[4]).toMatchObject({ fault: true, cause: { exceptions: [{ message: caught!.message }] } });
      for (const s of subs.slice(0, 4)) expect(s['fault']).toBeUndefined();
    });

    test('100 concurrent traces over a pool of 2 connections: each trace holds exactly its own queries', async () => {
      const n = 100;
      traceMySQL(mysqljs, { collectQueries: true });
      try {
        await Promise.all(
          Array.from({ length: n }, (_, i) =>
            traceSegment(`js-many-${i}`, async (seg) => {
              seg.addAnnotation('i', i);
              await callback((done) => pool.query(`SELECT ${i} AS a`, done));
              await capture(`done-${i}`, async () => {});
            }),
          ),
        );
      } finally {
        traceMySQL(mysqljs, { collectQueries: false });
      }
      await flush();
      await collector.waitFor(
        (docs) => docs.filter((d) => String(d.name).startsWith('js-many-')).length === n,
      );
      for (const doc of collector.docs) {
        const i = (doc['annotations'] as { i: number }).i;
        expect(doc.name).toBe(`js-many-${i}`);
        expect(descendants(doc).map((d) => d.name)).toEqual([NAME, `done-${i}`]);
        expect(sqlOf(queries(doc)[0]!)['sanitized_query']).toBe(`SELECT ${i} AS a`);
      }
    });
  });
});
