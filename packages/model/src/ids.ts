/** Identifier formats of X-Ray (and the W3C trace-context form Fluoro also accepts). */

export const ENTITY_ID = /^[0-9a-f]{16}$/;
export const XRAY_TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
export const W3C_TRACE_ID = /^[0-9a-f]{32}$/;

/** The epoch seconds written in an X-Ray trace id's second part (0 when the id is not X-Ray form). */
export function traceIdEpochSeconds(traceId: string): number {
  if (!XRAY_TRACE_ID.test(traceId)) return 0;
  return Number.parseInt(traceId.slice(2, 10), 16);
}

/**
 * Normalises a trace id given by a user: X-Ray form is returned as is, a 32-hex W3C id is
 * rewritten to X-Ray form (`1-` + first 8 hex + `-` + last 24), anything else gives undefined.
 */
export function toXRayTraceId(id: string): string | undefined {
  const t = id.trim().toLowerCase();
  if (XRAY_TRACE_ID.test(t)) return t;
  if (W3C_TRACE_ID.test(t)) return `1-${t.slice(0, 8)}-${t.slice(8)}`;
  return undefined;
}
