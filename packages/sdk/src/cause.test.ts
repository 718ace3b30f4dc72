import { describe, expect, test } from 'vitest';
import { parseStack, toCause } from './cause.js';
import { formatSeconds } from './clock.js';
import { sanitizeAnnotationKey, sanitizeName } from './limits.js';

describe('parseStack', () => {
  test('parses V8 frames with and without labels, file URLs, and counts truncation', () => {
    const stack = [
      'Error: boom',
      '    at OrderService.place (/app/src/orders.ts:42:11)',
      '    at async Promise.all (index 0)',
      '    at file:///app/src/main.js:7:3',
      '    at new Thing (/app/thing.js:3:9)',
      '    at Object.<anonymous> (node:internal/main:1:1)',
    ].join('\n');
    expect(parseStack(stack)).toEqual({
      frames: [
        { path: '/app/src/orders.ts', line: 42, label: 'OrderService.place' },
        { path: '/app/src/main.js', line: 7, label: 'anonymous' },
        { path: '/app/thing.js', line: 3, label: 'new Thing' },
        { path: 'node:internal/main', line: 1, label: 'Object.<anonymous>' },
      ],
      truncated: 0,
    });
    expect(parseStack(stack, 2).truncated).toBe(2);
    expect(parseStack(undefined)).toEqual({ frames: [], truncated: 0 });
  });

  test('toCause records errors and non-errors', () => {
    const cause = toCause(new SyntaxError('bad'));
    expect(cause.working_directory).toBe(process.cwd());
    expect(cause.exceptions[0]).toMatchObject({ type: 'SyntaxError', message: 'bad' });
    expect(cause.exceptions[0]?.stack[0]?.path).toContain('cause.test.ts');
    expect(toCause('plain string', true).exceptions[0]).toMatchObject({
      type: 'string',
      message: 'plain string',
      remote: true,
    });
  });
});

describe('limits', () => {
  test.each([
    ['user.id', 'user_id'],
    ['ok_KEY_1', 'ok_KEY_1'],
    ['spaces and-dashes', 'spaces_and_dashes'],
  ])('annotation key %s → %s', (key, clean) => {
    expect(sanitizeAnnotationKey(key)).toBe(clean);
  });
  test.each([
    ['orders-api', 'orders-api'],
    ['bad?;*()!$~^<>name', 'badname'],
    ['x'.repeat(300), 'x'.repeat(200)],
    ['???', 'unnamed'],
    ['café @ host:80/path', 'café @ host:80/path'],
  ])('name %s', (name, clean) => {
    expect(sanitizeName(name)).toBe(clean);
  });
});

describe('formatSeconds', () => {
  test.each([
    [1764162105.000001, '1764162105.000001'],
    [1764162105.1, '1764162105.100000'],
    [1764162105, '1764162105.000000'],
    [1764162105.5, '1764162105.500000'],
  ])('%d → %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
    expect(Number(formatSeconds(seconds))).toBeCloseTo(seconds, 5);
  });
});
