/**
 * `fluoro up --store clickhouse` on a real clickhouse-server: several stateless processes on one
 * database, and a database that goes away during ingest and comes back.
 */
import { BatchGetTracesCommand, GetTraceSummariesCommand, type XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ClickHouseServer,
  describeWithClickHouse,
  startClickHouse,
} from '../../packages/store/src/clickhouse/clickhouse-harness.test-helpers.js';
import { eventually, ingestStats, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** `count` segment documents over `traces` traces, all starting at epoch second `t`. */
function segments(
  t: number,
  traces: number,
  perTrace: number,
  salt: number,
): { traceIds: string[]; docs: string[] } {
  const traceIds: string[] = [];
  const docs: string[] = [];
  for (let i = 0; i < traces; i++) {
    const traceId = `1-${hex(t, 8)}-${hex(salt, 8)}${hex(i, 16)}`;
    traceIds.push(traceId);
    for (let j = 0; j < perTrace; j++) {
      const start = t + j / 1000;
      docs.push(
        JSON.stringify({
          trace_id: traceId,
          id: hex(salt * 1e7 + i * perTrace + j + 1, 16),
          name: `svc-${j % 5}`,
          start_time: start,
          end_time: start + 0.0005,
        }),
      );
    }
  }
  return { traceIds, docs };
}

async function put(fluoro: RunningFluoro, docs: string[]): Promise<void> {
  const res = await fetch(`${fluoro.httpUrl}/TraceSegments`, {
    method: 'POST',
    body: JSON.stringify({ TraceSegmentDocuments: docs }),
  });
  const body = (await res.json()) as { UnprocessedTraceSegments: unknown[] };
  expect(res.status).toBe(200);
  expect(body.UnprocessedTraceSegments).toEqual([]);
}

/** Every trace id in the range through GetTraceSummaries' pages. */
async function allTraceIds(xray: XRayClient, t: number): Promise<string[]> {
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await xray.send(
      new GetTraceSummariesCommand({
        StartTime: new Date((t - 5) * 1000),
        EndTime: new Date((t + 5) * 1000),
        NextToken,
      }),
    );
    ids.push(...(page.TraceSummaries ?? []).map((s) => s.Id!));
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}

/** How many segment documents BatchGetTraces returns over all the traces, 5 ids a call. */
async function countSegments(xray: XRayClient, traceIds: string[]): Promise<number> {
  let total = 0;
  const chunks = [];
  for (let i = 0; i < traceIds.length; i += 5) chunks.push(traceIds.slice(i, i + 5));
  for (let i = 0; i < chunks.length; i += 8) {
    const answers = await Promise.all(
      chunks.slice(i, i + 8).map((TraceIds) => xray.send(new BatchGetTracesCommand({ TraceIds }))),
    );
    for (const a of answers) for (const tr of a.Traces ?? []) total += tr.Segments?.length ?? 0;
  }
  return total;
}

describeWithClickHouse('fluoro up --store clickhouse', () => {
  let ch: ClickHouseServer;
  beforeAll(async () => {
    ch = await startClickHouse();
  });
  afterAll(() => ch?.dispose());

  it('two collectors and one API process share one database: 100,000 segments in, exactly 100,000 out after a retried batch', async () => {
    const store = ['--store', 'clickhouse', '--clickhouse-url', ch.url, '--clickhouse-database', 'multi'];
    const collectors = await Promise.all([
      startFluoro({ args: [...store, '--role', 'collector'] }),
      startFluoro({ args: [...store, '--role', 'collector'] }),
    ]);
    const api = await startFluoro({ args: [...store, '--role', 'api'] });
    try {
      expect(await (await fetch(`${api.httpUrl}/TraceSegments`, { method: 'POST', body: '{}' })).status).toBe(
        404,
      );
      const t = Math.floor(Date.now() / 1000) - 120;
      const { traceIds, docs } = segments(t, 1000, 100, 1);
      const batches: string[][] = [];
      for (let i = 0; i < docs.length; i += 500) batches.push(docs.slice(i, i + 500));
      for (let i = 0; i < batches.length; i += 4) {
        await Promise.all(batches.slice(i, i + 4).map((b, k) => put(collectors[(i + k) % 2]!, b)));
      }
      // A client retrying a batch that already landed, on the other collector.
      await put(collectors[1]!, batches[0]!);
      await eventually(async () => {
        const [a, b] = await Promise.all(collectors.map((c) => ingestStats(c.httpUrl)));
        return a!.ingest.written + b!.ingest.written === 100_500 ? true : undefined;
      }, 120_000);
      const xray = api.xray();
      const found = await allTraceIds(xray, t);
      expect(found.length).toBe(1000);
      expect(new Set(found)).toEqual(new Set(traceIds));
      expect(await countSegments(xray, traceIds)).toBe(100_000);
    } finally {
      await Promise.all([...collectors, api].map((f) => f.dispose()));
    }
  });

  it('keeps accepting while ClickHouse is down, answers queries ServiceUnavailable, and lands everything when it is back', async () => {
    const fluoro = await startFluoro({
      args: ['--store', 'clickhouse', '--clickhouse-url', ch.url, '--clickhouse-database', 'outage'],
    });
    try {
      const t = Math.floor(Date.now() / 1000) - 60;
      const before = segments(t, 100, 2, 2);
      await put(fluoro, before.docs);
      await eventually(async () =>
        (await ingestStats(fluoro.httpUrl)).ingest.written === 200 ? true : undefined,
      );
      await ch.stop();
      const during = segments(t, 150, 2, 3);
      await put(fluoro, during.docs.slice(0, 150));
      await put(fluoro, during.docs.slice(150));
      await eventually(async () => {
        const s = await ingestStats(fluoro.httpUrl);
        return s.queued === 300 && (s.ingest as { writeRetries?: number }).writeRetries! > 0
          ? true
          : undefined;
      });
      await expect(
        fluoro.xray().send(
          new GetTraceSummariesCommand({
            StartTime: new Date((t - 5) * 1000),
            EndTime: new Date((t + 5) * 1000),
          }),
        ),
      ).rejects.toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
      await ch.start();
      await eventually(
        async () => ((await ingestStats(fluoro.httpUrl)).ingest.written === 500 ? true : undefined),
        120_000,
      );
      const stats = await ingestStats(fluoro.httpUrl);
      expect(stats.ingest.dropped).toEqual({});
      const ids = await allTraceIds(fluoro.xray(), t);
      expect(new Set(ids)).toEqual(new Set([...before.traceIds, ...during.traceIds]));
      expect(await countSegments(fluoro.xray(), [...before.traceIds, ...during.traceIds])).toBe(500);
    } finally {
      await fluoro.dispose();
    }
  });
});
