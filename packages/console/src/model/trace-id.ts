import { toXRayTraceId } from '@fluoro/model/browser';

/**
 * A trace id from whatever a user pastes: X-Ray form, W3C 32-hex form, a W3C `traceparent`
 * (00-<trace>-<span>-<flags>) or an X-Amzn-Trace-Id header (Root=...;Parent=...).
 * Returns the X-Ray form, or undefined when there is no trace id in the text.
 */
export function parseTraceIdInput(text: string): string | undefined {
  const t = text.trim();
  const root = /Root=([0-9a-fA-F-]+)/.exec(t);
  if (root) return toXRayTraceId(root[1]!);
  const parent = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/i.exec(t);
  if (parent) return toXRayTraceId(parent[1]!);
  return toXRayTraceId(t);
}
