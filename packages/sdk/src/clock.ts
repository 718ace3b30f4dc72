import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;

/** Current time as float epoch seconds with sub-millisecond resolution (X-Ray's time unit). */
export function nowSeconds(): number {
  return (origin + performance.now()) / 1000;
}

let lastSecond = -1;
let lastSecondText = '';
const PAD = ['', '00000', '0000', '000', '00', '0', ''];

/**
 * Formats epoch seconds as JSON with microsecond precision (`1764162105.000123`). About twice as
 * fast as number-to-string: the whole-second prefix is reused and the fraction is a small int.
 */
export function formatSeconds(seconds: number): string {
  const us = Math.round(seconds * 1e6);
  const whole = Math.floor(us / 1e6);
  if (whole !== lastSecond) {
    lastSecond = whole;
    lastSecondText = `${whole}.`;
  }
  const fraction = `${us - whole * 1e6}`;
  return lastSecondText + PAD[fraction.length] + fraction;
}
