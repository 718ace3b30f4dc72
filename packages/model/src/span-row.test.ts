import { describe, expect, it } from 'vitest';
import { toSpanRows } from './span-row.js';
import { validateDocument } from './validate.js';

describe('toSpanRows', () => {
  it("keeps a subsegment's non-string user, origin and resource_arn out of the string columns", () => {
    // Found by test/e2e/fuzz-ingest.test.ts: validation checks these on segments only, and a
    // number here made the DuckDB appender refuse the whole document.
    const checked = validateDocument({
      trace_id: '1-6b08d38d-000000040000000000000001',
      id: '0000000000000001',
      name: 'svc',
      start_time: 1795740557,
      end_time: 1795740558,
      user: 'alice',
      origin: 'AWS::EC2::Instance',
      subsegments: [
        {
          id: '0000000000000002',
          name: 'call',
          namespace: 'remote',
          start_time: 1795740557,
          end_time: 1795740558,
          user: 5,
          origin: { a: 1 },
          resource_arn: [],
        },
      ],
    });
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    const [segment, sub] = toSpanRows(checked.doc, 0);
    expect(segment).toMatchObject({ user: 'alice', origin: 'AWS::EC2::Instance' });
    expect(sub).toMatchObject({ user: null, origin: '', resourceArn: null, remoteType: 'remote' });
  });
});
