/**
 * Updates and late arrivals over the real UDP path: an in-progress segment later sent complete,
 * subsegments sent on their own, segments of one trace from two services arriving apart; and
 * back-pressure: a full queue answers PutTraceSegments with ThrottledException.
 */
import { createSocket } from 'node:dgram';
import {
  BatchGetTracesCommand,
  GetTraceSummariesCommand,
  PutTraceSegmentsCommand,
} from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, ingestStats, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';

const HEADER = '{"format":"json","version":1}\n';

describe('updates and late arrivals', () => {
  let fluoro: RunningFluoro;
  beforeAll(async () => {
    fluoro = await startFluoro();
  });
  afterAll(() => fluoro?.dispose());

  const send = async (doc: Record<string, unknown>) => {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      sock.send(HEADER + JSON.stringify(doc), fluoro.udpPort, fluoro.udpHost, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    sock.close();
  };

  it('assembles one trace from an in-progress segment completed later, independent subsegments and a second service', async () => {
    const t = Math.floor(Date.now() / 1000) - 300;
    const traceId = `1-${t.toString(16)}-00000000000000000000abcd`;
    const api = { trace_id: traceId, id: '000000000000a001', name: 'api', start_time: t };
    await send({ ...api, in_progress: true });
    const xray = fluoro.xray();
    const window = { StartTime: new Date((t - 60) * 1000), EndTime: new Date((t + 60) * 1000) };
    const partial = await eventually(async () => {
      const r = await xray.send(new GetTraceSummariesCommand(window));
      return r.TraceSummaries?.find((s) => s.Id === traceId);
    });
    expect(partial.IsPartial).toBe(true);

    // A subsegment sent on its own while the segment is open, then one nested inside it.
    const call = {
      type: 'subsegment',
      trace_id: traceId,
      parent_id: api.id,
      id: '000000000000b001',
      name: 'call-worker',
      namespace: 'remote',
      start_time: t + 0.1,
      end_time: t + 0.9,
      http: { request: { method: 'POST', url: 'http://worker/jobs' }, response: { status: 202 } },
    };
    await send(call);
    await send({
      type: 'subsegment',
      trace_id: traceId,
      parent_id: call.id,
      id: '000000000000b002',
      name: 'serialize',
      start_time: t + 0.1,
      end_time: t + 0.2,
    });
    // The downstream service's segment, "minutes later" in arrival, pointing at the caller's subsegment.
    await send({
      trace_id: traceId,
      id: '000000000000c001',
      parent_id: call.id,
      name: 'worker',
      start_time: t + 0.2,
      end_time: t + 0.8,
      fault: true,
    });
    await send({ ...api, end_time: t + 1, http: { response: { status: 200 } } });

    const trace = await eventually(async () => {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
      const segs = r.Traces?.[0]?.Segments ?? [];
      return segs.length === 2 && segs.some((s) => JSON.parse(s.Document!).end_time)
        ? r.Traces![0]!
        : undefined;
    });
    const docs = trace.Segments!.map((s) => JSON.parse(s.Document!));
    const apiDoc = docs.find((d) => d.name === 'api');
    expect(apiDoc.in_progress).toBeUndefined();
    expect(apiDoc.end_time).toBe(t + 1);
    expect(apiDoc.subsegments.map((s: { name: string }) => s.name)).toEqual(['call-worker']);
    expect(apiDoc.subsegments[0].subsegments.map((s: { name: string }) => s.name)).toEqual(['serialize']);
    expect(docs.find((d) => d.name === 'worker').parent_id).toBe(call.id);
    expect(trace.Duration).toBe(1);

    const summary = (await xray.send(new GetTraceSummariesCommand(window))).TraceSummaries!.filter(
      (s) => s.Id === traceId,
    );
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      IsPartial: false,
      HasFault: false,
      ResponseTime: 1,
      EntryPoint: { Name: 'api' },
    });
    expect(summary[0]!.ServiceIds!.map((s) => s.Name)).toEqual(['api', 'worker']);
  });
});

describe('back-pressure', () => {
  it('answers ThrottledException when the write queue cannot take the batch', async () => {
    const fluoro = await startFluoro({ args: ['--queue-size', '5'] });
    try {
      const t = Date.now() / 1000;
      const docs = Array.from({ length: 6 }, (_, i) =>
        JSON.stringify({
          trace_id: `1-${Math.floor(t).toString(16)}-${(i + 1).toString(16).padStart(24, '0')}`,
          id: (i + 1).toString(16).padStart(16, '0'),
          name: 'x',
          start_time: t,
          end_time: t + 1,
        }),
      );
      await expect(
        fluoro.xray().send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs })),
      ).rejects.toMatchObject({
        name: 'ThrottledException',
        $metadata: { httpStatusCode: 429 },
      });
      const ok = await fluoro
        .xray()
        .send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs.slice(0, 5) }));
      expect(ok.UnprocessedTraceSegments).toEqual([]);
      await eventually(async () =>
        (await ingestStats(fluoro.httpUrl)).ingest.written === 5 ? true : undefined,
      );
    } finally {
      await fluoro.dispose();
    }
  });
});
