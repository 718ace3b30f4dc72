import { describe, expect, it } from 'vitest';
import { withoutLoneSurrogates } from './http-client.js';

describe('withoutLoneSurrogates', () => {
  it('replaces the escapes JSON.stringify writes for lone surrogates, and nothing else', () => {
    const row = {
      lone: 'a\ud800b',
      trailing: '\udfff',
      pair: '😀',
      literal: '\\ud800 is six characters',
      escapedThenLone: '\\\ud801',
    };
    const json = withoutLoneSurrogates(JSON.stringify(row));
    expect(JSON.parse(json)).toEqual({
      lone: 'a\ufffdb',
      trailing: '\ufffd',
      pair: '😀',
      literal: '\\ud800 is six characters',
      escapedThenLone: '\\\ufffd',
    });
    expect(JSON.parse(json).lone.isWellFormed()).toBe(true);
  });

  it('returns well-formed JSON untouched', () => {
    const json = JSON.stringify({ url: 'http://x/é?q=1', doc: '{"a":"\\u0041"}' });
    expect(withoutLoneSurrogates(json)).toBe(json);
  });
});
