import fc from 'fast-check';
import { expect, test } from 'vitest';
import { Segment } from './entity.js';
import { httpJson, quote } from './json.js';

const any = fc.string({ unit: 'binary' });
const sink = { emitSegment() {}, emitSubsegment() {}, drop() {} };

test('quote() is a JSON string literal for any string', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
      (s) => {
        expect(JSON.parse(quote(s))).toBe(s);
      },
    ),
  );
});

test('httpJson() parses back to the same object', () => {
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }));
  fc.assert(
    fc.property(
      fc.record(
        {
          request: fc.record(
            {
              method: text,
              url: text,
              user_agent: text,
              client_ip: text,
              x_forwarded_for: fc.boolean(),
              traced: fc.boolean(),
            },
            { requiredKeys: [] },
          ),
          response: fc.record(
            { status: fc.integer({ min: 100, max: 599 }), content_length: fc.nat() },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
      (http) => {
        expect(JSON.parse(httpJson(http))).toEqual(http);
      },
    ),
  );
});

test('a rendered segment is valid JSON with every field, whatever the user strings hold', () => {
  fc.assert(
    fc.property(any, any, any, (name, user, value) => {
      const segment = new Segment({
        name: name || 'x',
        traceId: '1-5759e988-bd862e3fe1be46a994272793',
        sink,
      });
      segment.setUser(user);
      segment.addAnnotation('k', value);
      segment.addMetadata('m', { value });
      segment.http = { request: { url: value, user_agent: user } };
      segment.endTime = segment.startTime + 0.5;
      const doc = JSON.parse(`${segment.openJson()}}`) as Record<string, unknown>;
      expect(doc).toMatchObject({
        id: segment.id,
        name: segment.name,
        trace_id: segment.traceId,
        user: user.slice(0, 250),
        annotations: { k: value.slice(0, 250) },
        metadata: { default: { m: { value } } },
        http: { request: { url: value, user_agent: user } },
      });
      expect(doc['end_time'] as number).toBeCloseTo(segment.endTime, 5);
    }),
  );
});
