import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type DuckDBAppender, DuckDBInstance, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { ingested } from '../conformance.test-helpers.js';
import { ChunkAppender, type ChunkValue } from './chunk-appender.js';
import { DuckDbStore } from './duckdb-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fluoro-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Strings inlined in DuckDB (up to 12 bytes) and not, empty, with NUL, accents and emoji. */
const STRINGS = ['', 'a', 'a\u0000b', 'héllo 😀', 'x'.repeat(12), 'y'.repeat(13), 'naïve 日本語 ✓ and more'];
const BIGINTS = [
  0,
  -1,
  1,
  2 ** 32 - 1,
  2 ** 32,
  -(2 ** 32) - 1,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  // Past 2^53 a number is still an integer, as BigInt() takes it.
  2 ** 60 + 2 ** 40,
  -(2 ** 63),
  2 ** 63 - 2 ** 10,
];
const INTEGERS = [0, -1, 200, 2 ** 31 - 1, -(2 ** 31)];
const DOUBLES = [0, -0.5, 1e300, 3];
const LISTS = [[], ['a'], ['y'.repeat(20), 'é', '', 'a\u0000b']];

/**
 * Row `r` of the table below: each column NULL every so many rows, at a period of its own; the
 * last one only in the first chunk, so a chunk's NULLs must not outlive it.
 */
function row(r: number): ChunkValue[] {
  const pick = <T>(values: T[], k: number): T | null =>
    r % (k + 2) === 1 ? null : values[(r + k) % values.length]!;
  return [
    r,
    pick(STRINGS, 0),
    pick(BIGINTS, 1),
    pick(INTEGERS, 2),
    pick(DOUBLES, 3),
    pick([true, false], 4),
    pick(LISTS, 5),
    pick(STRINGS, 6),
    r < 2048 && r % 3 === 0 ? null : r,
  ];
}

function appendValues(a: DuckDBAppender, values: ChunkValue[]): void {
  const [n, s, b, i, d, f, l, s2, m] = values;
  a.appendInteger(n as number);
  for (const [v, append] of [
    [s, () => a.appendVarchar(s as string)],
    [b, () => a.appendBigInt(BigInt(b as number))],
    [i, () => a.appendInteger(i as number)],
    [d, () => a.appendDouble(d as number)],
    [f, () => a.appendBoolean(f as boolean)],
    [l, () => a.appendList(listValue(l as string[]), LIST(VARCHAR))],
    [s2, () => a.appendVarchar(s2 as string)],
    [m, () => a.appendBigInt(BigInt(m as number))],
  ] as const) {
    if (v === null) a.appendNull();
    else append();
  }
  a.endRow();
}

describe('ChunkAppender', () => {
  it('writes what DuckDB appending value by value writes, across chunks of 2,048 rows', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    const columns =
      'n INTEGER, s VARCHAR, b BIGINT, i INTEGER, d DOUBLE, f BOOLEAN, l VARCHAR[], s2 VARCHAR, m BIGINT';
    await c.run(`CREATE TABLE by_value (${columns})`);
    await c.run(`CREATE TABLE by_chunk (${columns})`);
    const rows = Array.from({ length: 2 * 2048 + 300 }, (_, r) => row(r));
    const byValue = await c.createAppender('by_value');
    for (const r of rows) appendValues(byValue, r);
    byValue.closeSync();
    const byChunk = new ChunkAppender('by_chunk');
    await byChunk.open(c);
    for (const r of rows) byChunk.add(r);
    byChunk.close();

    const count = async (sql: string) => Number((await c.runAndReadAll(sql)).getRows()[0]![0]);
    expect(await count('SELECT count(*) FROM by_chunk')).toBe(rows.length);
    expect(
      await count('SELECT count(*) FROM (SELECT * FROM by_value EXCEPT ALL SELECT * FROM by_chunk)'),
    ).toBe(0);
    expect(
      await count('SELECT count(*) FROM (SELECT * FROM by_chunk EXCEPT ALL SELECT * FROM by_value)'),
    ).toBe(0);
    // And as read back: the same JS values the rows were made of.
    const back = (await c.runAndReadAll('SELECT * FROM by_chunk ORDER BY n')).getRowsJS();
    expect(back.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)))).toEqual(rows);
    c.closeSync();
    instance.closeSync();
  });

  it('refuses what the appender refuses: a fraction or an out-of-range INTEGER or BIGINT', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run('CREATE TABLE t (s VARCHAR, i INTEGER, b BIGINT)');
    const a = new ChunkAppender('t');
    await a.open(c);
    expect(() => a.add(['s', 1.5, 0])).toThrow(RangeError);
    expect(() => a.add(['s', 2 ** 31, 0])).toThrow(RangeError);
    expect(() => a.add(['s', 0, 2 ** 63])).toThrow(RangeError);
    expect(() => a.add(['s', 0, -(2 ** 63) - 2 ** 11])).toThrow(RangeError);
    expect(() => a.add(['s', 0, 0.5])).toThrow(RangeError);
    // A refused row leaves nothing behind (the row after it is written whole).
    expect(() => a.add(['a string too long to inline', null, 0.5])).toThrow(RangeError);
    a.add(['short', 7, 8]);
    a.add([null, null, -9]);
    a.close();
    expect((await c.runAndReadAll('SELECT * FROM t')).getRowsJS()).toEqual([
      ['short', 7, 8n],
      [null, null, -9n],
    ]);
    c.closeSync();
    instance.closeSync();
  });
});

describe('DuckDbStore writes in chunks', () => {
  it('reads back every column of a batch larger than one chunk, NULL or not', async () => {
    const store = await DuckDbStore.open({ path: join(dir, 'rows.duckdb'), memoryLimit: '256MB' });
    try {
      const t0 = 1_800_000_000;
      const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
      const docs = Array.from({ length: 1100 }, (_, i) => {
        const t = t0 + i / 2;
        const some = <T>(every: number, at: number, v: T): T | undefined =>
          i % every === at ? v : undefined;
        const doc = {
          // A few traces, so reading them back is a few lookups.
          trace_id: `1-${hex(t0, 8)}-${hex(i % 11, 24)}`,
          id: hex(i * 8, 16),
          name: i % 3 === 0 ? 'naïve 日本 svc' : `svc-${i % 5}`,
          start_time: t + 0.25,
          end_time: i % 7 === 3 ? undefined : t + 0.75,
          in_progress: i % 7 === 3 ? true : undefined,
          origin: some(2, 0, 'AWS::EC2::Instance'),
          error: i % 4 === 1 || undefined,
          fault: i % 5 === 1 || undefined,
          throttle: i % 6 === 1 || undefined,
          user: some(4, 1, `user ${STRINGS[i % STRINGS.length]}`),
          resource_arn: some(5, 2, `arn:aws:ecs:eu-west-1:123:task/${i}`),
          http:
            i % 3 === 0
              ? undefined
              : {
                  request: {
                    method: 'POST',
                    url: `http://h/${i}/${STRINGS[i % STRINGS.length]}`,
                    user_agent: some(2, 1, `ua-${i}`),
                    client_ip: some(3, 1, `10.0.0.${i % 250}`),
                  },
                  response: i % 5 === 0 ? undefined : { status: 200 + (i % 300) },
                },
          aws: {
            account_id: some(3, 1, `acct-${i}`),
            ec2:
              i % 2 === 0
                ? { instance_id: `i-${i}`, availability_zone: some(4, 0, 'eu-west-1a') }
                : undefined,
          },
          annotations: { s: `v${i}`, n: i * 1.5, b: i % 2 === 0, ...(i % 4 === 0 ? { u: '😀\u0000' } : {}) },
          cause:
            i % 6 === 0
              ? { exceptions: [{ message: `boom ${i} 💥` }, { message: 'a\u0000b' }] }
              : i % 6 === 1
                ? { exceptions: [] }
                : undefined,
          subsegments: [
            {
              id: hex(i * 8 + 1, 16),
              name: 'db',
              start_time: t + 0.3,
              end_time: t + 0.4,
              namespace: 'remote',
            },
            {
              id: hex(i * 8 + 2, 16),
              name: 'DynamoDB',
              start_time: t + 0.4,
              end_time: t + 0.5,
              namespace: 'aws',
              aws: { table_name: 'orders' },
              cause: i % 2 === 0 ? { exceptions: [{ message: `inner ${i}` }] } : undefined,
            },
            { id: hex(i * 8 + 3, 16), name: 'step', start_time: t + 0.5, end_time: t + 0.6, origin: 'x' },
          ],
        };
        return ingested(JSON.parse(JSON.stringify(doc)), (t + 1) * 1e6 + i);
      });
      const rows = docs.flatMap((d) => d.rows);
      expect(rows.length).toBeGreaterThan(2 * 2048);
      await store.write(docs);

      const ids = [...new Set(docs.map((d) => d.traceId))];
      const byKey = (r: { traceId: string; id: string }) => `${r.traceId}/${r.id}`;
      const sorted = <T extends { annotations: { key: string }[] }>(r: T) => ({
        ...r,
        annotations: [...r.annotations].sort((a, b) => a.key.localeCompare(b.key)),
      });
      const got = new Map((await store.getSpans(ids)).map((r) => [byKey(r), sorted(r)]));
      expect(got.size).toBe(rows.length);
      for (const r of rows) expect(got.get(byKey(r))).toEqual(sorted(r));
      const stored = await store.getDocuments(ids);
      const documents = [...stored.values()].flat();
      expect(documents).toHaveLength(docs.length);
      expect(new Map(documents.map((d) => [d.id, d.document]))).toEqual(
        new Map(docs.map((d) => [d.id, d.document])),
      );
    } finally {
      await store.close();
    }
  });

  it('keeps nothing of a failed write, even once its appenders are garbage-collected', async () => {
    const path = join(dir, 'failed.duckdb');
    const store = await DuckDbStore.open({ path, memoryLimit: '256MB' });
    const t0 = 1_800_000_000;
    const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
    const doc = (i: number) =>
      ingested({
        trace_id: `1-${hex(t0, 8)}-${hex(i, 24)}`,
        id: hex(i, 16),
        name: 'svc',
        start_time: t0 + 0.5,
        end_time: t0 + 1,
      });
    const good = Array.from({ length: 3000 }, (_, i) => doc(i + 1));
    // The last document's row fails in the appender: by then every table has taken whole chunks.
    const failing = doc(9999);
    failing.rows[0]!.httpStatus = 2 ** 31;
    await expect(store.write([...good, failing])).rejects.toThrow(RangeError);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const collect = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    // The next writes replace the failed write's appenders: collected, they must append nothing.
    await store.write([doc(5000)]);
    await collect();
    await store.write([doc(5001)]);
    await collect();
    await store.close();
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    const counts = await c.runAndReadAll(
      'SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM spans), (SELECT count(*) FROM annotations)',
    );
    expect(counts.getRowsJS()).toEqual([[2n, 2n, 0n]]);
    c.closeSync();
    instance.closeSync();
  });
});
