/**
 * OTLP trace export requests (`ExportTraceServiceRequest`) in their JSON form, as OTLP/HTTP
 * sends them with `Content-Type: application/json`: ids are hex, enums are integers and 64-bit
 * integers are decimal strings (or numbers). The protobuf form is decoded to this same shape by
 * the server (packages/server/src/ingest/otlp-protobuf.ts).
 */
import type { AttributeValue, SpanInput, SpanKind } from './span-to-document.js';

/** `AnyValue`: exactly one member is set. */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}

export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpKeyValue[];
  events?: { timeUnixNano?: string | number; name?: string; attributes?: OtlpKeyValue[] }[];
  /** `traceState` is not read: awsxrayexporter does not keep it either. */
  links?: { traceId?: string; spanId?: string; traceState?: string; attributes?: OtlpKeyValue[] }[];
  status?: { code?: number; message?: string };
  /** The W3C `tracestate` the span was made under. */
  traceState?: string;
  /** What the exporting SDK dropped at its own limits. */
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
}

export interface OtlpTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { scope?: { name?: string; version?: string }; spans?: OtlpSpan[] }[];
  }[];
}

/** OTLP's `SpanKind` numbers (0 unspecified is treated as internal). */
const KINDS: SpanKind[] = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'];

/** A body that is not an OTLP trace export or a Zipkin span list at all (answered 400). */
export class SpanFormatError extends Error {}

/**
 * The spans of an export request, flattened with their resource and scope. Throws
 * SpanFormatError when the request's structure is wrong; a single malformed span is still
 * returned, for `spanToDocument` to reject and count.
 */
export function otlpSpans(request: unknown): SpanInput[] {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw new SpanFormatError('an OTLP trace export must be a JSON object with resourceSpans');
  const resourceSpans = (request as OtlpTraceRequest).resourceSpans ?? [];
  if (!Array.isArray(resourceSpans)) throw new SpanFormatError('resourceSpans must be a list');
  const out: SpanInput[] = [];
  for (const rs of resourceSpans) {
    const resource = attributes(rs?.resource?.attributes);
    const scopeSpans = rs?.scopeSpans ?? [];
    if (!Array.isArray(scopeSpans)) throw new SpanFormatError('scopeSpans must be a list');
    for (const ss of scopeSpans) {
      const spans = ss?.spans ?? [];
      if (!Array.isArray(spans)) throw new SpanFormatError('spans must be a list');
      const scope = ss?.scope?.name || undefined;
      for (const span of spans) out.push(toSpanInput(span ?? {}, resource, scope));
    }
  }
  return out;
}

function toSpanInput(span: OtlpSpan, resource: Record<string, AttributeValue>, scope?: string): SpanInput {
  const code = span.status?.code;
  return {
    traceId: hex(span.traceId),
    spanId: hex(span.spanId),
    parentSpanId: span.parentSpanId ? hex(span.parentSpanId) : undefined,
    name: typeof span.name === 'string' ? span.name : '',
    kind: KINDS[typeof span.kind === 'number' ? span.kind : 0] ?? 'internal',
    startUs: nanosToMicros(span.startTimeUnixNano),
    endUs: nanosToMicros(span.endTimeUnixNano),
    attributes: attributes(span.attributes),
    resource,
    status: code === 2 ? 'error' : code === 1 ? 'ok' : 'unset',
    statusMessage: span.status?.message || undefined,
    events: (Array.isArray(span.events) ? span.events : []).map((e) => ({
      name: typeof e?.name === 'string' ? e.name : '',
      timeUs: nanosToMicros(e?.timeUnixNano),
      attributes: attributes(e?.attributes),
    })),
    links: (Array.isArray(span.links) ? span.links : []).map((l) => ({
      traceId: hex(l?.traceId),
      spanId: hex(l?.spanId),
      attributes: attributes(l?.attributes),
    })),
    scope,
    traceState: typeof span.traceState === 'string' && span.traceState !== '' ? span.traceState : undefined,
    droppedBySdk: {
      attributes: count(span.droppedAttributesCount),
      events: count(span.droppedEventsCount),
      links: count(span.droppedLinksCount),
    },
  };
}

/** A dropped count as OTLP sends it (a number; 0 or absent when nothing was dropped). */
function count(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 0;
}

/** Ids are hex in OTLP/JSON; a few exporters send base64 (the protobuf JSON mapping): both work. */
function hex(id: unknown): string {
  if (typeof id !== 'string') return '';
  if (/^[0-9a-fA-F]*$/.test(id)) return id.toLowerCase();
  const bytes = Buffer.from(id, 'base64');
  return bytes.length === 16 || bytes.length === 8 ? bytes.toString('hex') : id;
}

/** Nanoseconds (decimal string or number) as integer microseconds; NaN when absent. */
export function nanosToMicros(value: string | number | undefined): number {
  if (typeof value === 'number') return Math.floor(value / 1000);
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) return Number.NaN;
  return Number(BigInt(value) / 1000n);
}

function attributes(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (typeof kv?.key !== 'string') continue;
    const v = anyValue(kv.value);
    if (v !== undefined) out[kv.key] = v;
  }
  return out;
}

function anyValue(v: OtlpAnyValue | undefined, depth = 0): AttributeValue | undefined {
  if (v === undefined || v === null || depth > 8) return undefined;
  if (v.stringValue !== undefined) return String(v.stringValue);
  if (v.boolValue !== undefined) return Boolean(v.boolValue);
  if (v.intValue !== undefined) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue !== undefined)
    return (v.arrayValue.values ?? [])
      .map((x) => anyValue(x, depth + 1))
      .filter((x): x is AttributeValue => x !== undefined);
  if (v.kvlistValue !== undefined) {
    const out: Record<string, AttributeValue> = {};
    for (const kv of v.kvlistValue.values ?? []) {
      const x = anyValue(kv.value, depth + 1);
      if (typeof kv.key === 'string' && x !== undefined) out[kv.key] = x;
    }
    return out;
  }
  if (v.bytesValue !== undefined) return String(v.bytesValue);
  return undefined;
}
