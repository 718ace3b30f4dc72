import type { IncomingMessage } from 'node:http';
import { invalidRequest } from './api-error.js';

/**
 * A request's body, at most `maxBytes`: past that, reading stops and `tooLarge()` is thrown
 * (each caller answers in its own protocol's shape).
 */
export async function readBodyBytes(
  req: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Small checked readers for request bodies: each failure names the member that is wrong. */
export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidRequest('request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function requiredStringArray(
  o: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): string[] {
  const v = o[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw invalidRequest(`${key} must be a list of strings`);
  if (v.length < min || v.length > max)
    throw invalidRequest(`${key} must hold ${min} to ${max} entries, not ${v.length}`);
  return v as string[];
}

/** Epoch seconds past the last time stored (2^32 s, in 2106; ingest refuses later times too). */
const MAX_EPOCH_SECONDS = 2 ** 32;

/** An AWS timestamp member (epoch seconds) as integer microseconds. */
export function requiredEpochUs(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw invalidRequest(`${key} must be a timestamp in epoch seconds`);
  // The span rows hold times in 64-bit microseconds and ingest takes none after 2106: a time
  // outside that could only overflow a query, never match anything.
  if (v < 0 || v >= MAX_EPOCH_SECONDS)
    throw invalidRequest(`${key} must be epoch seconds from 1970 to 2106, not ${v}`);
  return Math.round(v * 1e6);
}

export function optionalString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`${key} must be a string`);
  return v;
}

/**
 * A query parameter in epoch seconds (`start`, `end` of Fluoro's own routes), or undefined when
 * absent; 1970 to 2106, as the AWS members above.
 */
export function optionalEpochSeconds(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n >= MAX_EPOCH_SECONDS)
    throw invalidRequest(`${name} must be epoch seconds from 1970 to 2106`);
  return n;
}
