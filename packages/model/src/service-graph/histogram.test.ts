import { describe, expect, it } from 'vitest';
import { durationBucketUs, quantileUs, toDistribution } from './histogram.js';

describe('durationBucketUs', () => {
  it.each([
    [0, 0],
    [-5, 0],
    [99, 99],
    [100, 100],
    [123, 120],
    [999, 990],
    [1000, 1000],
    [12_345, 12_000],
    [99_999, 99_000],
    [1_234_567, 1_200_000],
    [5e11 + 123, 5e11],
  ])('%d µs → %d µs', (d, bucket) => {
    expect(durationBucketUs(d)).toBe(bucket);
  });
});

describe('quantileUs and toDistribution', () => {
  const h = new Map([
    [1000, 50],
    [2000, 40],
    [90_000, 9],
    [1_500_000, 1],
  ]);
  it.each([
    [0.5, 1000],
    [0.51, 2000],
    [0.9, 2000],
    [0.99, 90_000],
    [1, 1_500_000],
  ])('q%s → %d µs', (q, us) => {
    expect(quantileUs(h, q)).toBe(us);
  });
  it('is null for an empty histogram', () => {
    expect(quantileUs(new Map(), 0.5)).toBeNull();
  });
  it('re-buckets to caller bounds, with an open last bucket', () => {
    expect(toDistribution(h, [2000, 100_000])).toEqual([
      { geUs: 0, ltUs: 2000, count: 50 },
      { geUs: 2000, ltUs: 100_000, count: 49 },
      { geUs: 100_000, ltUs: null, count: 1 },
    ]);
  });
});
