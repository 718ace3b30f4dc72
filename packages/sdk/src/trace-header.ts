/**
 * Trace propagation headers: X-Ray's `X-Amzn-Trace-Id` and W3C `traceparent`.
 * Pure parsing and formatting; bad input gives `undefined`, never an exception.
 */

/** What a request carries about its upstream: trace, parent entity and sampling decision. */
export interface TraceContext {
  /** X-Ray form trace id (`1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy`). */
  traceId: string;
  /** Id of the upstream (sub)segment that made the call. */
  parentId?: string | undefined;
  /** Upstream decision: true (`1`), false (`0`) or undefined (absent or `?`: decide here). */
  sampled?: boolean | undefined;
  /**
   * The centralized sampling rule that decided upstream (from `tracestate`), so this service
   * counts its anomalies for that rule (adaptive sampling).
   */
  samplingRule?: string | undefined;
}

/** The X-Ray header name, as SDKs send it. */
export const XRAY_HEADER = 'X-Amzn-Trace-Id';
/** Lower-case form for Node's header maps. */
export const XRAY_HEADER_LOWER = 'x-amzn-trace-id';

/** The W3C Trace Context header. */
export const TRACEPARENT = 'traceparent';
/** Its companion, vendor entries; Fluoro and ADOT's SDKs name the deciding sampling rule there. */
export const TRACESTATE = 'tracestate';
/** ADOT's `tracestate` key for the sampling rule that decided at the root of the trace. */
const RULE_KEY = 'awsxraysamplingrule';
/** X-Ray's rule names: letters, digits, `_` and `-`, at most 32. */
const RULE_NAME = /^[A-Za-z0-9_-]{1,32}$/;

const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const ENTITY_ID = /^[0-9a-f]{16}$/;
const TRACEPARENT_FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** Parses `Root=…;Parent=…;Sampled=…` (keys case-insensitive, any order, extra keys ignored). */
export function parseXRayHeader(header: string | undefined): TraceContext | undefined {
  if (!header) return undefined;
  let traceId: string | undefined;
  let parentId: string | undefined;
  let sampled: boolean | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === 'root') traceId = value.toLowerCase();
    else if (key === 'parent') parentId = value.toLowerCase();
    else if (key === 'sampled') sampled = value === '1' ? true : value === '0' ? false : undefined;
  }
  if (!traceId || !TRACE_ID.test(traceId)) return undefined;
  return { traceId, parentId: parentId && ENTITY_ID.test(parentId) ? parentId : undefined, sampled };
}

/** Parses a W3C `traceparent` (`00-{32 hex trace}-{16 hex parent}-{flags}`) into X-Ray form. */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (!header) return undefined;
  const m = TRACEPARENT_FORMAT.exec(header.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, trace, parent, flags] = m as unknown as [string, string, string, string, string];
  if (version === 'ff' || /^0+$/.test(trace) || /^0+$/.test(parent)) return undefined;
  return {
    traceId: `1-${trace.slice(0, 8)}-${trace.slice(8)}`,
    parentId: parent,
    sampled: (Number.parseInt(flags, 16) & 1) === 1,
  };
}

/** Formats the header sent downstream: `Root=…;Parent=…;Sampled=1|0`. */
export function formatXRayHeader(traceId: string, parentId: string | undefined, sampled: boolean): string {
  return parentId
    ? `Root=${traceId};Parent=${parentId};Sampled=${sampled ? '1' : '0'}`
    : `Root=${traceId};Sampled=${sampled ? '1' : '0'}`;
}

/** Formats a W3C `traceparent` for an X-Ray trace id. */
export function formatTraceparent(traceId: string, parentId: string, sampled: boolean): string {
  return `00-${traceId.slice(2, 10)}${traceId.slice(11)}-${parentId}-${sampled ? '01' : '00'}`;
}

/** The sampling rule a `tracestate` names (its `awsxraysamplingrule` entry), if any. */
export function ruleFromTracestate(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const member of header.split(',')) {
    const eq = member.indexOf('=');
    if (eq < 0 || member.slice(0, eq).trim() !== RULE_KEY) continue;
    const rule = member.slice(eq + 1).trim();
    return RULE_NAME.test(rule) ? rule : undefined;
  }
  return undefined;
}

/** A `tracestate` naming the rule that decided (sent beside `traceparent`). */
export function formatTracestate(rule: string): string {
  return `${RULE_KEY}=${rule}`;
}
