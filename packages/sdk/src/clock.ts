import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;

/** Current time as float epoch seconds with sub-millisecond resolution (X-Ray's time unit). */
export function nowSeconds(): number {
  return (origin + performance.now()) / 1000;
}
