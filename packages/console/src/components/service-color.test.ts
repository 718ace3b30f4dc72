import { describe, expect, test } from 'vitest';
import { serviceColor } from './service-color.js';

describe('serviceColor', () => {
  test('is stable for a name', () => {
    expect(serviceColor('api')).toBe(serviceColor('api'));
  });

  test('a trace of three usual service names gets more than one colour', () => {
    const colours = new Set(['api', 'inventory', 'postgres@127.0.0.1'].map(serviceColor));
    expect(colours.size).toBeGreaterThan(1);
  });

  test('names whose characters share their low bits still spread over the palette', () => {
    // 'a', 'i', 'q' and 'y' are all 1 modulo 8.
    const colours = new Set(['a', 'i', 'q', 'y', 'ai', 'qy', 'iq', 'ya'].map(serviceColor));
    expect(colours.size).toBeGreaterThanOrEqual(4);
  });

  test('many names use every colour, none more than twice its share', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 800; i++) {
      const c = serviceColor(`svc-${i}`);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(8);
    for (const n of counts.values()) expect(n).toBeLessThan(200);
  });
});
