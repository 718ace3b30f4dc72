/**
 * Sends one trace of `subsegments` independent subsegments (plus their segment) to a Fluoro
 * through PutTraceSegments, the way the X-Ray daemon uploads: many small documents per request,
 * each well under the 64 KiB document limit. Returns the trace id.
 */
import { randomBytes } from 'node:crypto';

export interface BigTrace {
  traceId: string;
  segmentId: string;
  startS: number;
  endS: number;
}

export async function sendBigTrace(
  httpUrl: string,
  subsegments: number,
  opts: { name?: string } = {},
): Promise<BigTrace> {
  const nowS = Date.now() / 1000;
  const traceId = `1-${Math.floor(nowS).toString(16)}-${randomBytes(12).toString('hex')}`;
  const segmentId = randomBytes(8).toString('hex');
  const startS = nowS - 30;
  const endS = startS + 20;
  const segment = {
    trace_id: traceId,
    id: segmentId,
    name: opts.name ?? 'bulk-import',
    start_time: startS,
    end_time: endS,
    http: { request: { method: 'POST', url: 'http://importer/jobs/42' }, response: { status: 200 } },
    annotations: { job: 'big' },
  };
  const docs: string[] = [JSON.stringify(segment)];
  const step = (endS - startS) / subsegments;
  for (let i = 0; i < subsegments; i++) {
    docs.push(
      JSON.stringify({
        type: 'subsegment',
        trace_id: traceId,
        parent_id: segmentId,
        id: randomBytes(8).toString('hex'),
        name: `row-${String(i).padStart(5, '0')}`,
        start_time: startS + i * step,
        end_time: startS + i * step + step * 0.8,
        ...(i % 997 === 0 ? { fault: true } : {}),
      }),
    );
  }
  const BATCH = 2_000;
  for (let i = 0; i < docs.length; i += BATCH) {
    const res = await fetch(`${httpUrl}/TraceSegments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ TraceSegmentDocuments: docs.slice(i, i + BATCH) }),
    });
    const body = (await res.json()) as { UnprocessedTraceSegments?: unknown[] };
    if (!res.ok || (body.UnprocessedTraceSegments?.length ?? 0) > 0)
      throw new Error(`PutTraceSegments failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
  return { traceId, segmentId, startS, endS };
}
