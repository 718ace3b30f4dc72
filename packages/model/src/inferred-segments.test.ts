import { describe, expect, it } from 'vitest';
import { inferredSegments } from './inferred-segments.js';
import { assembleEntities, type TopEntity } from './trace-documents.js';

const TRACE = '1-5f000000-0123456789abcdef01234567';

const segment = (more: Partial<TopEntity> = {}): TopEntity => ({
  trace_id: TRACE,
  id: 'a000000000000000',
  name: 'api',
  start_time: 100,
  end_time: 101,
  subsegments: [
    { id: 'a000000000000001', name: 'DynamoDB', namespace: 'aws', start_time: 100.1, end_time: 100.2 },
  ],
  ...more,
});

describe('inferredSegments', () => {
  it('re-derives an id that a real entity of the trace already holds', () => {
    const [first] = inferredSegments([segment()], TRACE);
    expect(first?.id).toMatch(/^[0-9a-f]{16}$/);
    const clash = segment({ id: first!.id });
    const [second] = inferredSegments([clash], TRACE);
    expect(second?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(second?.id).not.toBe(first!.id);
    expect(second?.parent_id).toBe('a000000000000001');
  });

  it('differs between traces for the same subsegment id', () => {
    const other = '1-5f000000-76543210fedcba9876543210';
    const [a] = inferredSegments([segment()], TRACE);
    const [b] = inferredSegments([segment({ trace_id: other })], other);
    expect(a?.id).not.toBe(b?.id);
  });

  it('infers from a subsegment sent on its own whose parent never arrived', () => {
    const tops = assembleEntities([
      {
        id: 'b000000000000001',
        document: JSON.stringify({
          type: 'subsegment',
          trace_id: TRACE,
          parent_id: 'b000000000000000',
          id: 'b000000000000001',
          name: 'db@postgres',
          namespace: 'remote',
          start_time: 5,
          end_time: 6,
          sql: { url: 'postgres://db/app' },
        }),
      },
    ]);
    expect(inferredSegments(tops, TRACE)).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        name: 'db@postgres',
        start_time: 5,
        end_time: 6,
        parent_id: 'b000000000000001',
        inferred: true,
        trace_id: TRACE,
        origin: 'Database::SQL',
      },
    ]);
  });

  it('does not take an independent subsegment’s parent_id for a callee’s', () => {
    // The orphan names the aws call as its parent; only a segment doing so makes it instrumented.
    const tops: TopEntity[] = [
      segment(),
      {
        type: 'subsegment',
        trace_id: TRACE,
        parent_id: 'a000000000000001',
        id: 'c000000000000001',
        name: 'retry',
        start_time: 100.15,
        end_time: 100.16,
      },
    ];
    expect(inferredSegments(tops, TRACE).map((s) => s.parent_id)).toEqual(['a000000000000001']);
  });
});
