import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument, validateDocument } from './validate.js';

const base = {
  trace_id: '1-58406520-a006649127e371903a2de979',
  id: '70de5b6f19ff9a0a',
  name: 'api',
  start_time: 1480615200.01,
  end_time: 1480615200.09,
};

describe('validateDocument', () => {
  const accepted: [string, Record<string, unknown>][] = [
    ['a complete segment', base],
    ['an in-progress segment', { ...base, end_time: undefined, in_progress: true }],
    ["Python's in_progress:false beside end_time", { ...base, in_progress: false }],
    [
      "Python's namespace:local subsegment",
      {
        ...base,
        subsegments: [{ id: 'aaaaaaaaaaaaaaaa', name: 'x', start_time: 1, end_time: 2, namespace: 'local' }],
      },
    ],
    [
      "Node's top-level traced on a subsegment",
      {
        ...base,
        subsegments: [{ id: 'aaaaaaaaaaaaaaaa', name: 'h', start_time: 1, end_time: 2, traced: true }],
      },
    ],
    ['a cause that references an exception by id', { ...base, fault: true, cause: 'bbbbbbbbbbbbbbbb' }],
    [
      'an independent subsegment',
      { ...base, type: 'subsegment', parent_id: 'cccccccccccccccc', name: 'GET /x?y' },
    ],
    ['a unicode service name with allowed symbols', { ...base, name: 'Zahlungs-Dienst_ü 1.2:/%&#=+\\@' }],
    [
      'annotations of each type',
      { ...base, annotations: { a: 'x', b: 1.5, c: false, 'aws.local.op': 'GET' } },
    ],
    [
      "span links as AWS's awsxrayexporter writes them, on a segment and an embedded subsegment",
      {
        ...base,
        links: [
          {
            trace_id: '1-5759e988-bd862e3fe1be46a994272793',
            id: '53995c3f42cd8ad8',
            attributes: { 'messaging.operation': 'receive', n: 1, list: ['a'] },
          },
        ],
        subsegments: [
          {
            id: 'aaaaaaaaaaaaaaaa',
            name: 'SQS',
            start_time: 1,
            end_time: 2,
            links: [{ trace_id: '1-5759e988-bd862e3fe1be46a994272794', id: '53995c3f42cd8ad9' }],
          },
        ],
      },
    ],
    [
      'a link to a trace that is not in X-Ray form (another system)',
      { ...base, links: [{ trace_id: 'abc', id: 'span-7' }] },
    ],
  ];
  it.each(accepted)('accepts %s', (_name, doc) => {
    expect(validateDocument(doc)).toMatchObject({ ok: true });
  });

  const rejected: [string, unknown, string][] = [
    ['null', null, 'not_object'],
    ['no trace_id', { ...base, trace_id: undefined }, 'missing_field'],
    ['a W3C trace id', { ...base, trace_id: '4efaaf4d1e8720b39541901950019ee5' }, 'invalid_trace_id'],
    ['a 15-digit id', { ...base, id: '70de5b6f19ff9a0' }, 'invalid_id'],
    ['a bad parent_id', { ...base, parent_id: 'x' }, 'invalid_id'],
    ['an empty name', { ...base, name: '' }, 'invalid_name'],
    ['a name with parentheses', { ...base, name: 'a(b)' }, 'invalid_name'],
    ['in_progress with end_time', { ...base, in_progress: true }, 'invalid_time'],
    ['a negative start', { ...base, start_time: -1 }, 'invalid_time'],
    ['an infinite-looking end', { ...base, end_time: '1e999' }, 'invalid_time'],
    ['an array annotation', { ...base, annotations: { a: [1] } }, 'invalid_annotation'],
    ['a null annotation', { ...base, annotations: { a: null } }, 'invalid_annotation'],
    ['http status as string', { ...base, http: { response: { status: '200' } } }, 'invalid_type'],
    // Values the stores' columns cannot hold (a 32-bit status, microseconds in 64 bits).
    ['an http status past 999', { ...base, http: { response: { status: 5_000_000_000 } } }, 'invalid_type'],
    ['a negative http status', { ...base, http: { response: { status: -1 } } }, 'invalid_type'],
    ['a start after 2106', { ...base, start_time: 1e300, end_time: 1e300 }, 'invalid_time'],
    ['an end after 2106', { ...base, end_time: 2 ** 32 }, 'invalid_time'],
    ['subsegments not an array', { ...base, subsegments: {} }, 'invalid_type'],
    ['a bad exception id reference', { ...base, cause: 'nope' }, 'invalid_id'],
    ['links not an array', { ...base, links: { trace_id: base.trace_id } }, 'invalid_type'],
    [
      'a link that is not an object',
      { ...base, links: ['1-58406520-a006649127e371903a2de979'] },
      'invalid_type',
    ],
    ['a link trace_id that is not a string', { ...base, links: [{ trace_id: 1, id: 'x' }] }, 'invalid_type'],
    ['link attributes that are a list', { ...base, links: [{ id: 'x', attributes: [1] }] }, 'invalid_type'],
    [
      'a bad link on an embedded subsegment',
      { ...base, subsegments: [{ id: 'aaaaaaaaaaaaaaaa', name: 's', start_time: 1, end_time: 2, links: 7 }] },
      'invalid_type',
    ],
  ];
  it.each(rejected)('rejects %s', (_name, doc, reason) => {
    expect(validateDocument(doc)).toMatchObject({ ok: false, reason });
  });

  it('rejects nesting deeper than the limit without overflowing the stack', () => {
    let sub: Record<string, unknown> = { id: 'aaaaaaaaaaaaaaaa', name: 's', start_time: 1, end_time: 2 };
    for (let i = 0; i < 5000; i++)
      sub = { id: 'aaaaaaaaaaaaaaaa', name: 's', start_time: 1, end_time: 2, subsegments: [sub] };
    expect(validateDocument({ ...base, subsegments: [sub] })).toMatchObject({
      ok: false,
      reason: 'too_deep',
    });
  });

  it('reads the id of a rejected document for UnprocessedTraceSegments', () => {
    expect(parseDocument(JSON.stringify({ ...base, name: '' }))).toMatchObject({
      ok: false,
      id: base.id,
      errorCode: 'InvalidName',
    });
    expect(parseDocument('{"id":"70de5b6f19ff9a0a", oops')).toMatchObject({
      ok: false,
      id: base.id,
      reason: 'not_json',
    });
  });
});

describe('parseDocument (property)', () => {
  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ ...base, subsegments: [v] })),
        ),
        (text) => {
          const v = parseDocument(text);
          expect(typeof v.ok).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts any document built from valid parts', () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const doc = fc.record({
      trace_id: fc.tuple(hex(8), hex(24)).map(([a, b]) => `1-${a}-${b}`),
      id: hex(16),
      name: fc.stringMatching(/^[A-Za-z0-9 _.:/%&#=+\-@]{1,200}$/),
      start_time: fc.double({ min: 1, max: 4e9, noNaN: true }),
      duration: fc.double({ min: 0, max: 1e4, noNaN: true }),
      annotations: fc.dictionary(
        fc.stringMatching(/^[A-Za-z0-9_]{1,20}$/),
        fc.oneof(
          fc.string({ maxLength: 50 }),
          fc.boolean(),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
        ),
      ),
    });
    fc.assert(
      fc.property(doc, ({ duration, ...d }) => {
        expect(parseDocument(JSON.stringify({ ...d, end_time: d.start_time + duration }))).toMatchObject({
          ok: true,
        });
      }),
      { numRuns: 500 },
    );
  });
});
