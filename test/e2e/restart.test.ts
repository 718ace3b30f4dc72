/** SIGTERM/SIGINT write everything accepted and exit 0; a restart on the same --data keeps it all. */
import { BatchGetTracesCommand, GetTraceSummariesCommand } from '@aws-sdk/client-xray';
import { describe, expect, it } from 'vitest';
import { startFluoro } from '../helpers/fluoro-up.js';

describe('restart', () => {
  it('keeps every trace acknowledged before a stop', async () => {
    const first = await startFluoro();
    const t = Math.floor(Date.now() / 1000);
    const traceIds: string[] = [];
    // 2,000 traces in batches of 100, acknowledged by PutTraceSegments; SIGTERM right after the last answer.
    for (let b = 0; b < 20; b++) {
      const docs = Array.from({ length: 100 }, (_, i) => {
        const traceId = `1-${t.toString(16)}-${(b * 100 + i + 1).toString(16).padStart(24, '0')}`;
        traceIds.push(traceId);
        const id = (b * 100 + i + 1).toString(16).padStart(16, '0');
        return JSON.stringify({
          trace_id: traceId,
          id,
          name: 'batch',
          start_time: t + i / 1000,
          end_time: t + i / 1000 + 0.005,
        });
      });
      const res = await fetch(`${first.httpUrl}/TraceSegments`, {
        method: 'POST',
        body: JSON.stringify({ TraceSegmentDocuments: docs }),
      });
      expect(
        ((await res.json()) as { UnprocessedTraceSegments: unknown[] }).UnprocessedTraceSegments,
      ).toEqual([]);
    }
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toMatch(/^fluoro: stopped \(2000 documents written\)$/m);

    const second = await startFluoro({ dataDir: first.dataDir });
    try {
      const xray = second.xray();
      let seen = 0;
      let token: string | undefined;
      do {
        const page = await xray.send(
          new GetTraceSummariesCommand({
            StartTime: new Date((t - 10) * 1000),
            EndTime: new Date((t + 10) * 1000),
            NextToken: token,
          }),
        );
        seen += page.TraceSummaries?.length ?? 0;
        token = page.NextToken;
      } while (token);
      expect(seen).toBe(2000);
      const some = await xray.send(new BatchGetTracesCommand({ TraceIds: traceIds.slice(-5) }));
      expect(some.Traces).toHaveLength(5);
      expect(await second.stop('SIGINT')).toBe(0);
    } finally {
      await second.dispose();
    }
  });
});
