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

/** An AWS timestamp member (epoch seconds) as integer microseconds. */
export function requiredEpochUs(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw invalidRequest(`${key} must be a timestamp in epoch seconds`);
  return Math.round(v * 1e6);
}

export function optionalString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`${key} must be a string`);
  return v;
}
