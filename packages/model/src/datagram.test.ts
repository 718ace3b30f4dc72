import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDatagram } from './datagram.js';

describe('decodeDatagram', () => {
  const cases: [string, string, ReturnType<typeof decodeDatagram>['ok'], string?][] = [
    ['the SDKs header', '{"format":"json","version":1}\n{"a":1}', true],
    ["Python's spaced header", '{"format": "json", "version": 1}\n{"a":1}', true],
    ['format in capitals (the daemon uses EqualFold)', '{"format":"JSON","version":1}\n{}', true],
    ['version 2', '{"format":"json","version":2}\n{}', false, 'bad_header'],
    ['version as string', '{"format":"json","version":"1"}\n{}', false, 'bad_header'],
    ['no newline', '{"format":"json","version":1}', false, 'missing_body'],
    ['empty body', '{"format":"json","version":1}\n', false, 'missing_body'],
    ['header not JSON', 'json 1\n{}', false, 'bad_header'],
    ['header null', 'null\n{}', false, 'bad_header'],
  ];
  it.each(cases)('%s', (_name, text, ok, reason) => {
    const d = decodeDatagram(Buffer.from(text));
    expect(d.ok).toBe(ok);
    if (!d.ok) expect(d.reason).toBe(reason);
    else expect(d.body).toBe(text.slice(text.indexOf('\n') + 1));
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(typeof decodeDatagram(Buffer.from(bytes)).ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});
