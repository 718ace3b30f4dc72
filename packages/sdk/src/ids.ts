import { randomFillSync } from 'node:crypto';

/**
 * Random identifiers for traces and entities. Random bytes are drawn from the OS in blocks of
 * 4 KiB and hex-encoded on demand, so an id costs a slice and a string conversion, not a syscall.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
// The pool as one hex string; ids are substrings of it (8192 hex digits per refill).
let hexPool = '';
let offset = hexPool.length;

function randomHex(bytes: number): string {
  const digits = bytes * 2;
  if (offset + digits > hexPool.length) {
    randomFillSync(pool);
    hexPool = pool.toString('hex');
    offset = 0;
  }
  const hex = hexPool.substring(offset, offset + digits);
  offset += digits;
  return hex;
}

/** A 64-bit entity (segment, subsegment, exception) id: 16 lowercase hex digits. */
export function newEntityId(): string {
  return randomHex(8);
}

let lastSecond = -1;
let lastPrefix = '';

/** An X-Ray trace id, `1-{epoch seconds, 8 hex}-{96 random bits, 24 hex}`. */
export function newTraceId(nowSeconds: number = Date.now() / 1000): string {
  const second = Math.floor(nowSeconds);
  if (second !== lastSecond) {
    lastSecond = second;
    lastPrefix = `1-${second.toString(16).padStart(8, '0')}-`;
  }
  return lastPrefix + randomHex(12);
}

/** A 24-hex-digit client id for the sampling API. */
export function newClientId(): string {
  return randomHex(12);
}
