import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDatagram } from './datagram.js';
import { type SpanRow, toSpanRows } from './span-row.js';
import { assembleSegments } from './trace-documents.js';
import { toTraceSummary } from './trace-summary.js';
import { parseDocument } from './validate.js';
import type { SegmentDocument } from './wire.js';

/** Datagrams captured from the real SDKs (test/fixtures, copied from shared/fixtures). */
function fixture(name: string): { text: string; doc: SegmentDocument }[] {
  const path = new URL(`../../../test/fixtures/${name}`, import.meta.url);
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const d = decodeDatagram(Buffer.from(JSON.parse(line) as string));
      if (!d.ok) throw new Error(d.message);
      const v = parseDocument(d.body);
      if (!v.ok) throw new Error(v.message);
      return { text: d.body, doc: v.doc };
    });
}

function rowsByTrace(docs: { doc: SegmentDocument }[]): Map<string, SpanRow[]> {
  const m = new Map<string, SpanRow[]>();
  docs.forEach(({ doc }, i) => {
    m.set(doc.trace_id, [...(m.get(doc.trace_id) ?? []), ...toSpanRows(doc, i)]);
  });
  return m;
}

describe('toTraceSummary over the real Node SDK capture', () => {
  const traces = rowsByTrace(fixture('node-aws-xray-sdk-core-3.12.jsonl'));

  it('makes the caller the entry point and lists both services', () => {
    const s = toTraceSummary(traces.get('1-6b07de71-43db38d9dd49a4df12cde769')!);
    expect(s.EntryPoint).toEqual({ Name: 'storefront', Names: ['storefront'] });
    expect(s.ServiceIds.map((x) => x.Name).sort()).toEqual(['inventory-service', 'storefront']);
    expect(s.Http?.HttpStatus).toBe(200);
    expect(s.ResponseTime).toBeCloseTo(1795677809.185 - 1795677809.162, 6);
    expect(s.Duration).toBeCloseTo(1795677809.185 - 1795677809.162, 6);
    expect(s.Users).toEqual([
      { UserName: 'bob', ServiceIds: [{ Name: 'storefront', Names: ['storefront'] }] },
    ]);
    expect(s.Annotations['sku']?.[0]).toEqual({
      AnnotationValue: { StringValue: 'A-100' },
      ServiceIds: [{ Name: 'inventory-service', Names: ['inventory-service'] }],
    });
    expect(s.Revision).toBe(2);
  });

  it('reports faults from the root and throttles from any segment', () => {
    const fault = toTraceSummary(traces.get('1-6b07de71-59be9121ca8ba9efa7a395e7')!);
    expect(fault).toMatchObject({ HasFault: true, HasError: false, HasThrottle: false });
    const throttled = toTraceSummary(traces.get('1-6b07de71-20cdee57f91933608ab4296f')!);
    expect(throttled).toMatchObject({ HasFault: true, HasThrottle: true, Http: { HttpStatus: 502 } });
  });

  it('does not depend on the order rows arrive in', () => {
    const rows = traces.get('1-6b07de71-43db38d9dd49a4df12cde769')!;
    expect(toTraceSummary([...rows].reverse())).toEqual(toTraceSummary(rows));
  });
});

describe('toTraceSummary edge cases', () => {
  const seg = (extra: Record<string, unknown>) =>
    toSpanRows(
      {
        trace_id: '1-5f000000-000000000000000000000001',
        id: 'aaaaaaaaaaaaaaaa',
        name: 'svc',
        start_time: 100,
        ...extra,
      } as SegmentDocument,
      1,
    );

  it('marks an in-progress trace partial and uses the latest known end', () => {
    const s = toTraceSummary(
      seg({
        in_progress: true,
        subsegments: [{ id: 'bbbbbbbbbbbbbbbb', name: 'x', start_time: 100, end_time: 101 }],
      }),
    );
    expect(s.IsPartial).toBe(true);
    expect(s.ResponseTime).toBeUndefined();
    expect(s.Duration).toBe(1);
  });

  it('treats a 4xx root as an error, not a fault', () => {
    expect(toTraceSummary(seg({ end_time: 101, http: { response: { status: 404 } } }))).toMatchObject({
      HasError: true,
      HasFault: false,
    });
  });
});

describe('assembleSegments', () => {
  it('merges independently sent subsegments into their parent, at any depth, sorted by start', () => {
    const docs = [
      {
        id: 'aaaaaaaaaaaaaaaa',
        document: JSON.stringify({
          id: 'aaaaaaaaaaaaaaaa',
          name: 's',
          start_time: 1,
          end_time: 9,
          trace_id: 't',
          subsegments: [{ id: 'cccccccccccccccc', name: 'late', start_time: 5, end_time: 6 }],
        }),
      },
      {
        id: 'bbbbbbbbbbbbbbbb',
        document: JSON.stringify({
          type: 'subsegment',
          id: 'bbbbbbbbbbbbbbbb',
          parent_id: 'aaaaaaaaaaaaaaaa',
          trace_id: 't',
          name: 'early',
          start_time: 2,
          end_time: 3,
        }),
      },
      {
        id: 'dddddddddddddddd',
        document: JSON.stringify({
          type: 'subsegment',
          id: 'dddddddddddddddd',
          parent_id: 'bbbbbbbbbbbbbbbb',
          trace_id: 't',
          name: 'inner',
          start_time: 2.1,
          end_time: 2.2,
        }),
      },
      {
        id: 'eeeeeeeeeeeeeeee',
        document: JSON.stringify({
          type: 'subsegment',
          id: 'eeeeeeeeeeeeeeee',
          parent_id: 'ffffffffffffffff',
          trace_id: 't',
          name: 'orphan',
          start_time: 4,
          end_time: 5,
        }),
      },
    ];
    const out = assembleSegments(docs);
    expect(out.map((s) => s.Id)).toEqual(['aaaaaaaaaaaaaaaa', 'eeeeeeeeeeeeeeee']);
    const root = JSON.parse(out[0]!.Document);
    expect(root.subsegments.map((s: { name: string }) => s.name)).toEqual(['early', 'late']);
    expect(root.subsegments[0]).not.toHaveProperty('type');
    expect(root.subsegments[0].subsegments.map((s: { name: string }) => s.name)).toEqual(['inner']);
  });
});
