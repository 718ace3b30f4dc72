/**
 * Zipkin v2 spans (`POST /api/v2/spans`, a JSON list), as OpenTelemetry's Zipkin exporter and
 * Zipkin's own libraries send them: times and durations in microseconds, tags as strings,
 * `localEndpoint.serviceName` for the service and `remoteEndpoint.serviceName` for a callee.
 */
import { SpanFormatError } from './otlp.js';
import type { AttributeValue, SpanInput, SpanKind } from './span-to-document.js';

export interface ZipkinSpan {
  traceId?: string;
  id?: string;
  parentId?: string;
  name?: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  timestamp?: number;
  duration?: number;
  localEndpoint?: { serviceName?: string; ipv4?: string; ipv6?: string; port?: number };
  remoteEndpoint?: { serviceName?: string; ipv4?: string; ipv6?: string; port?: number };
  tags?: Record<string, string>;
  annotations?: { timestamp?: number; value?: string }[];
}

const KINDS: Record<string, SpanKind> = {
  CLIENT: 'client',
  SERVER: 'server',
  PRODUCER: 'producer',
  CONSUMER: 'consumer',
};

/** Tags whose value is a number in OpenTelemetry's conventions (Zipkin carries strings). */
const NUMERIC_TAGS = new Set([
  'http.status_code',
  'http.response.status_code',
  'http.response_content_length',
  'http.response.body.size',
  'server.port',
  'net.peer.port',
]);

/** The spans of a Zipkin v2 upload. Throws SpanFormatError when the body is not a list. */
export function zipkinSpans(body: unknown): SpanInput[] {
  if (!Array.isArray(body)) throw new SpanFormatError('a Zipkin v2 upload must be a JSON list of spans');
  return body.map((raw) => toSpanInput((raw ?? {}) as ZipkinSpan));
}

function toSpanInput(span: ZipkinSpan): SpanInput {
  const tags = typeof span.tags === 'object' && span.tags !== null ? span.tags : {};
  const attributes: Record<string, AttributeValue> = {};
  let status: SpanInput['status'] = 'unset';
  let statusMessage: string | undefined;
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== 'string') continue;
    if (key === 'error') {
      status = 'error';
      if (value && value !== 'true') statusMessage = value;
      continue;
    }
    if (key === 'otel.status_code') {
      if (value === 'ERROR') status = 'error';
      continue;
    }
    if (key === 'otel.status_description') {
      statusMessage = value;
      continue;
    }
    const n = Number(value);
    attributes[key] = NUMERIC_TAGS.has(key) && value !== '' && Number.isFinite(n) ? n : value;
  }
  // Zipkin's own HTTP tags, for libraries that predate OpenTelemetry's names.
  if (tags['http.path'] && !tags['http.target'] && !tags['url.path'])
    attributes['url.path'] = tags['http.path'];
  const remote = span.remoteEndpoint;
  if (remote?.serviceName && attributes['peer.service'] === undefined)
    attributes['peer.service'] = remote.serviceName;
  if (remote && (remote.ipv4 || remote.ipv6) && attributes['server.address'] === undefined) {
    const kind = KINDS[span.kind ?? ''];
    const address = (remote.ipv4 ?? remote.ipv6)!;
    if (kind === 'server') attributes['network.peer.address'] = address;
    else attributes['server.address'] = address;
    if (remote.port && kind !== 'server') attributes['server.port'] = remote.port;
  }
  const start = typeof span.timestamp === 'number' ? Math.floor(span.timestamp) : Number.NaN;
  const duration = typeof span.duration === 'number' ? Math.max(0, Math.floor(span.duration)) : 0;
  const resource: Record<string, AttributeValue> = {};
  if (span.localEndpoint?.serviceName) resource['service.name'] = span.localEndpoint.serviceName;
  return {
    traceId: typeof span.traceId === 'string' ? span.traceId.toLowerCase() : '',
    spanId: typeof span.id === 'string' ? span.id.toLowerCase() : '',
    parentSpanId: typeof span.parentId === 'string' ? span.parentId.toLowerCase() : undefined,
    name: typeof span.name === 'string' ? span.name : '',
    kind: KINDS[span.kind ?? ''] ?? 'internal',
    startUs: start,
    endUs: start + duration,
    attributes,
    resource,
    status,
    statusMessage,
    events: (Array.isArray(span.annotations) ? span.annotations : []).map((a) => ({
      name: typeof a?.value === 'string' ? a.value : '',
      timeUs: typeof a?.timestamp === 'number' ? a.timestamp : Number.NaN,
      attributes: {},
    })),
  };
}
