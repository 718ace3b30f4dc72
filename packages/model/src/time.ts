/** Float epoch seconds (the wire) to integer epoch microseconds (the store). */
export function secondsToUs(seconds: number): number {
  return Math.round(seconds * 1e6);
}

/** Integer epoch microseconds to float epoch seconds. */
export function usToSeconds(us: number): number {
  return us / 1e6;
}

/** Current time in integer epoch microseconds. */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
