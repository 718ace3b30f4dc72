/** `fluoro traces` and `fluoro trace ID` read a running Fluoro through its HTTP API. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PutTraceSegmentsCommand } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';

const run = (...args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args]);

describe('fluoro traces / fluoro trace', () => {
  let fluoro: RunningFluoro;
  const t = Math.floor(Date.now() / 1000) - 60;
  const traceId = `1-${t.toString(16)}-0000000000000000000cafe1`;
  const okId = `1-${t.toString(16)}-0000000000000000000cafe2`;
  beforeAll(async () => {
    fluoro = await startFluoro();
    const front = {
      trace_id: traceId,
      id: '00000000000f0001',
      name: 'front',
      start_time: t,
      end_time: t + 0.5,
      fault: true,
      http: { request: { method: 'POST', url: 'http://shop/checkout' }, response: { status: 502 } },
      subsegments: [
        {
          id: '00000000000f0002',
          name: 'payments',
          namespace: 'remote',
          start_time: t + 0.1,
          end_time: t + 0.4,
        },
        // A host that sends no segment: BatchGetTraces adds an inferred one for it.
        {
          id: '00000000000f0005',
          name: 'api.stripe.com',
          namespace: 'remote',
          start_time: t + 0.42,
          end_time: t + 0.48,
          http: { response: { status: 200 } },
        },
      ],
    };
    const payments = {
      trace_id: traceId,
      id: '00000000000f0003',
      parent_id: '00000000000f0002',
      name: 'payments',
      start_time: t + 0.15,
      end_time: t + 0.35,
      fault: true,
      http: { response: { status: 500 } },
      cause: {
        exceptions: [{ id: '00000000000e0001', type: 'CardDeclined', message: 'card 4242\n declined' }],
      },
      links: [{ trace_id: okId, id: '00000000000f0004' }],
      // OpenTelemetry span events as ingest keeps them (ADR 0005): six kept, three dropped.
      metadata: {
        otel: {
          events: [
            { name: 'retry', time: t + 0.2, attributes: { attempt: 2, reason: 'lock held' } },
            ...Array.from({ length: 5 }, (_, i) => ({ name: `tick ${i}`, time: t + 0.25 })),
          ],
          'events.dropped': 3,
        },
      },
    };
    const ok = {
      trace_id: okId,
      id: '00000000000f0004',
      name: 'front',
      start_time: t + 1,
      end_time: t + 1.01,
      http: { request: { method: 'GET', url: 'http://shop/' }, response: { status: 200 } },
    };
    await fluoro.xray().send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: [front, payments, ok].map((d) => JSON.stringify(d)),
      }),
    );
    await eventually(async () =>
      (await run('traces', '--url', fluoro.httpUrl)).stdout.includes(okId) ? true : undefined,
    );
  });
  afterAll(() => fluoro?.dispose());

  it('lists traces newest first with outcome, request and services, and filters them', async () => {
    const { stdout } = await run('traces', '--url', fluoro.httpUrl, '--since', '1h');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+TRACE ID\s+STATUS\s+METHOD\s+URL\s+RESPONSE\s+SERVICES$/);
    expect(lines[1]).toContain(okId);
    expect(lines[1]).toMatch(/200 ok\s+GET\s+http:\/\/shop\/\s+10\.0 ms\s+front$/);
    expect(lines[2]).toContain(traceId);
    expect(lines[2]).toMatch(/502 fault\s+POST\s+http:\/\/shop\/checkout\s+500\.0 ms\s+front, payments$/);
    expect(lines.at(-1)).toBe('2 matched of 2 scanned');
    const faults = await run('traces', '--url', fluoro.httpUrl, '--filter', 'fault');
    expect(faults.stdout).toContain(traceId);
    expect(faults.stdout).not.toContain(okId);
  });

  it('draws one trace as a tree with the callee under the calling subsegment', async () => {
    const { stdout } = await run('trace', traceId, '--url', fluoro.httpUrl);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(`trace ${traceId}  500.0 ms`);
    expect(lines[1]).toMatch(/^front\s+█{40}\s+500\.0 ms\s+502 fault$/);
    expect(lines[2]).toMatch(/^ {2}payments\s+ {8}█{24}\s+300\.0 ms\s+\(remote\)$/);
    expect(lines[3]).toMatch(/^ {4}payments\s+ {12}█{16}\s+200\.0 ms\s+500 fault$/);
    // What ended it and what it links to, under the row.
    expect(lines[4]).toBe('      ! CardDeclined: card 4242 declined');
    expect(lines[5]).toBe(`      -> linked ${okId} / 00000000000f0004`);
    // Span events: offset from the span's start, name and attributes; five, then the rest counted.
    expect(lines[6]).toBe('      · +50.0 ms retry attempt=2 reason=lock held');
    expect(lines.slice(7, 11)).toEqual([0, 1, 2, 3].map((i) => `      · +100.0 ms tick ${i}`));
    expect(lines[11]).toBe('      · … 4 more events');
    // The uninstrumented host's inferred segment, marked as such, under the call.
    expect(lines[12]).toMatch(/^ {2}api\.stripe\.com\s+█{4}\s+60\.0 ms\s+200 \(remote\)$/);
    expect(lines[13]).toMatch(/^ {4}api\.stripe\.com\s+█{4}\s+60\.0 ms\s+200 \(inferred\)$/);
    expect(lines).toHaveLength(14);
    const json = JSON.parse((await run('trace', traceId, '--json', '--url', fluoro.httpUrl)).stdout);
    expect(json.map((d: { name: string }) => d.name).sort()).toEqual(['api.stripe.com', 'front', 'payments']);
  });

  it('exits 1 with a clear message when Fluoro is not there, and 2 on a bad command line', async () => {
    await expect(run('traces', '--url', 'http://127.0.0.1:9')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/cannot reach Fluoro/),
    });
    await expect(run('traces', '--since', 'yesterday')).rejects.toMatchObject({ code: 2 });
    await expect(run('frobnicate')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown command/),
    });
  });
});
