import { describe, expect, it } from 'vitest';
import { featuresOf } from './features.js';

describe('featuresOf', () => {
  it.each([
    ['18.16.1', false],
    ['19.5.4.22', false],
    ['19.6.1.1', true],
    ['19.17.9.60', true],
    ['20.3.21.2', true],
    ['24.8.4.13', true],
    ['garbage', false],
  ])('%s: table TTL %s', (version, tableTtl) => {
    expect(featuresOf(version)).toEqual({ version, tableTtl });
  });
});
