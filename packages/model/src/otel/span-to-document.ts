/**
 * OpenTelemetry (and Zipkin) spans as X-Ray segment documents, so spans from any exporter are
 * stored, searched and drawn like the segments of X-Ray's SDKs. One span becomes one document:
 *
 * - a SERVER or CONSUMER span, or a span with no parent, is a **segment** named after its
 *   service (`service.name`), with `parent_id` pointing at the caller's span;
 * - any other span is an independent **subsegment** (`type: "subsegment"`) of its parent span.
 *   CLIENT and PRODUCER spans are `namespace: "remote"` and named after what they call
 *   (`peer.service`, the server address or the URL's host), so the service graph shows the
 *   callee; AWS SDK calls are `namespace: "aws"`; database calls carry an `sql` block.
 *
 * HTTP semantic conventions (old and new names) fill the `http` block; the HTTP status decides
 * error (4xx), throttle (429) and fault (5xx), a gRPC status code (`rpc.grpc.status_code`)
 * decides the same way (see `GRPC_FAULT_CODES`), and a span with status ERROR and neither is a
 * fault. Exception events become the `cause`; other events (retries, log lines) are kept,
 * capped, as `metadata.otel.events`, and span links are the document's `links`, as AWS's
 * awsxrayexporter writes them. The application's own scalar attributes
 * become annotations (keys with `.` and other characters written as `_`, so `annotation.cart_id`
 * filters `cart.id`), up to X-Ray's 50, plus `http.route`; the semantic conventions' other
 * attributes, the rest, and the resource's attributes are metadata under `otel`. Trace ids are
 * written in X-Ray form (`1-` + first 8 hex + `-` + last 24), as Fluoro's SDK does for a W3C
 * `traceparent`, so OpenTelemetry and X-Ray services join the same trace.
 */
import { ENTITY_ID, toXRayTraceId } from '../ids.js';
import type { AnnotationValue, HttpBlock, SegmentDocument, XRayException } from '../wire.js';

/** An attribute value, as OTLP and Zipkin carry them (arrays and maps stay as they are). */
export type AttributeValue = string | number | boolean | AttributeValue[] | { [key: string]: AttributeValue };

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** A span from any OpenTelemetry-like source, with times in integer microseconds. */
export interface SpanInput {
  /** 32 hex digits (16 are padded with zeros on the left, as Zipkin's 64-bit ids are). */
  traceId: string;
  spanId: string;
  parentSpanId?: string | undefined;
  name: string;
  kind: SpanKind;
  startUs: number;
  endUs: number;
  attributes: Record<string, AttributeValue>;
  /** The resource's attributes (`service.name`, `service.version`, `cloud.platform`, …). */
  resource: Record<string, AttributeValue>;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string | undefined;
  events: SpanEvent[];
  /** Links to spans of this or other traces (a queue consumer's link to its producer). */
  links?: SpanLink[] | undefined;
  /** The instrumentation scope (library) that made the span. */
  scope?: string | undefined;
  /** The W3C `tracestate` the span was made under (OTLP). */
  traceState?: string | undefined;
  /** What the exporting SDK dropped at its own limits before sending (OTLP's dropped counts). */
  droppedBySdk?: { attributes: number; events: number; links: number } | undefined;
}

/** A timed event of a span: an exception, a retry, a log line (Zipkin's annotations too). */
export interface SpanEvent {
  name: string;
  timeUs: number;
  attributes: Record<string, AttributeValue>;
}

/** A link from a span to another span, as OTLP carries it (ids in hex). */
export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Record<string, AttributeValue>;
}

/** A span that could not become a document, and why. */
export interface SpanRejection {
  reason: 'invalid_trace_id' | 'invalid_id' | 'invalid_time';
  message: string;
}

/** W3C's limit on a `tracestate` header; longer values are cut. */
const MAX_TRACE_STATE_LENGTH = 512;
/** X-Ray's limit on annotations per document; more attributes go to metadata. */
const MAX_ANNOTATIONS = 50;
const MAX_NAME_LENGTH = 200;
const MAX_STRING_LENGTH = 250;
/**
 * Events and links are capped so that one span cannot make a document over X-Ray's 64 KiB (which
 * would be rejected whole): at most OpenTelemetry's default per-span limit of each (128), and
 * at most this much JSON of each, which leaves 24 KiB for the rest of the document. What does
 * not fit is counted (`events.dropped`, `links.dropped` in the `otel` metadata).
 */
export const MAX_EVENTS = 128;
export const MAX_EVENTS_JSON = 32 * 1024;
export const MAX_LINKS = 128;
export const MAX_LINKS_JSON = 8 * 1024;
/** An event's string attribute longer than this (a long log line) is cut to it. */
export const MAX_EVENT_STRING_LENGTH = 1024;
/** Characters X-Ray does not allow in segment names are removed. */
const NAME_DISALLOWED = /[^\p{L}\p{N}\s_.:/%&#=+\\\-@]/gu;

/** Attributes the mapping reads into X-Ray fields (they are not repeated as annotations). */
const MAPPED = new Set([
  'http.method',
  'http.request.method',
  'http.url',
  'url.full',
  'http.target',
  'url.path',
  'url.query',
  'url.scheme',
  'http.scheme',
  'http.host',
  'server.address',
  'server.port',
  'net.peer.name',
  'net.peer.port',
  'net.host.name',
  'net.host.port',
  'http.status_code',
  'http.response.status_code',
  'http.user_agent',
  'user_agent.original',
  'http.client_ip',
  'client.address',
  'net.sock.peer.addr',
  'network.peer.address',
  'http.response_content_length',
  'http.response.body.size',
  'peer.service',
  'db.system',
  'db.system.name',
  'db.name',
  'db.namespace',
  'db.user',
  'db.statement',
  'db.query.text',
  'db.connection_string',
  'rpc.system',
  'rpc.service',
  'rpc.method',
  'aws.region',
  'cloud.region',
  'aws.request_id',
  'enduser.id',
  'error',
]);

/**
 * Semantic-convention namespaces: their attributes describe the transport and runtime and stay
 * in metadata, so annotations hold what the application itself recorded (`tenant`, `cart.id`).
 */
const SEMANTIC_PREFIXES = [
  'aws.',
  'client.',
  'cloud.',
  'code.',
  'container.',
  'db.',
  'error.',
  'exception.',
  'faas.',
  'host.',
  'http.',
  'k8s.',
  'messaging.',
  'net.',
  'network.',
  'os.',
  'otel.',
  'peer.',
  'process.',
  'rpc.',
  'server.',
  'telemetry.',
  'thread.',
  'url.',
  'user_agent.',
];
/** Semantic-convention attributes worth filtering on, kept as annotations (`annotation.http_route`). */
const ANNOTATED = new Set(['http.route', 'messaging.destination.name', 'db.operation.name', 'db.operation']);

function isSemantic(key: string): boolean {
  if (ANNOTATED.has(key)) return false;
  for (const prefix of SEMANTIC_PREFIXES) if (key.startsWith(prefix)) return true;
  return false;
}

/** `cloud.platform` values and the X-Ray origin they mean. */
const ORIGINS: Record<string, string> = {
  aws_ec2: 'AWS::EC2::Instance',
  aws_ecs: 'AWS::ECS::Container',
  aws_eks: 'AWS::EKS::Container',
  aws_elastic_beanstalk: 'AWS::ElasticBeanstalk::Environment',
  aws_lambda: 'AWS::Lambda::Function',
  aws_app_runner: 'AWS::AppRunner::Service',
};

/** Translates one span; returns the document or why it was rejected. Never throws. */
export function spanToDocument(span: SpanInput): SegmentDocument | SpanRejection {
  const traceId = xrayTraceId(span.traceId);
  if (traceId === undefined)
    return { reason: 'invalid_trace_id', message: `trace id "${short(span.traceId)}" is not 32 hex digits` };
  const id = span.spanId.toLowerCase();
  if (!ENTITY_ID.test(id) || /^0+$/.test(id))
    return { reason: 'invalid_id', message: `span id "${short(span.spanId)}" is not 16 hex digits` };
  let parentId = span.parentSpanId?.toLowerCase();
  if (parentId !== undefined && (!ENTITY_ID.test(parentId) || /^0+$/.test(parentId))) parentId = undefined;
  if (!(span.startUs > 0) || !Number.isFinite(span.endUs))
    return { reason: 'invalid_time', message: `span ${id} has no start time` };

  const a = span.attributes;
  const isSegment = span.kind === 'server' || span.kind === 'consumer' || parentId === undefined;
  const doc: Record<string, unknown> = {
    id,
    trace_id: traceId,
    start_time: span.startUs / 1e6,
    end_time: Math.max(span.endUs, span.startUs) / 1e6,
  };
  if (parentId !== undefined) doc['parent_id'] = parentId;

  const http = httpBlock(a, span.kind);
  const status = http?.response?.status;
  if (http) doc['http'] = http;
  const grpcCode = status === undefined ? grpcStatusCode(a) : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    doc['error'] = true;
    if (status === 429) doc['throttle'] = true;
  } else if (grpcCode !== undefined) {
    // A gRPC call: its status code decides, as Fluoro's SDK maps it. OpenTelemetry marks every
    // non-OK client call ERROR, which would make a NOT_FOUND a fault.
    if (GRPC_FAULT_CODES.has(grpcCode)) doc['fault'] = true;
    else if (grpcCode !== 0) {
      doc['error'] = true;
      if (grpcCode === GRPC_RESOURCE_EXHAUSTED) doc['throttle'] = true;
    }
  } else if ((status !== undefined && status >= 500) || (status === undefined && isError(span))) {
    doc['fault'] = true;
  }
  const cause = causeOf(span);
  if (cause) doc['cause'] = cause;
  const links = linksOf(span.links);
  if (links.kept.length > 0) doc['links'] = links.kept;

  if (isSegment) {
    doc['name'] = segmentName(span);
    const version = text(span.resource['service.version']);
    if (version) doc['service'] = { version };
    const origin = ORIGINS[text(span.resource['cloud.platform']) ?? ''];
    if (origin) doc['origin'] = origin;
    const user = text(a['enduser.id']);
    if (user) doc['user'] = user.slice(0, MAX_STRING_LENGTH);
    const language = text(span.resource['telemetry.sdk.language']);
    doc['aws'] = {
      xray: {
        sdk: `opentelemetry${language ? ` for ${language}` : ''}`,
        ...(text(span.resource['telemetry.sdk.version'])
          ? { sdk_version: text(span.resource['telemetry.sdk.version']) }
          : {}),
      },
    };
  } else {
    doc['type'] = 'subsegment';
    Object.assign(doc, subsegmentFields(span));
  }

  const { annotations, rest } = splitAttributes(a);
  if (annotations) doc['annotations'] = annotations;
  const otel: Record<string, unknown> = { 'span.kind': span.kind };
  if (span.name && span.name !== doc['name']) otel['span.name'] = span.name;
  if (span.scope) otel['scope'] = span.scope;
  if (span.statusMessage) otel['status.message'] = span.statusMessage;
  if (rest) otel['attributes'] = rest;
  if (isSegment && Object.keys(span.resource).length > 0) otel['resource'] = span.resource;
  const events = eventsOf(span.events);
  if (events.kept.length > 0) otel['events'] = events.kept;
  // Dropped here (the caps above) and by the SDK at its own limits, counted together.
  const bySdk = span.droppedBySdk;
  const eventsDropped = events.dropped + (bySdk?.events ?? 0);
  const linksDropped = links.dropped + (bySdk?.links ?? 0);
  if (eventsDropped > 0) otel['events.dropped'] = eventsDropped;
  if (linksDropped > 0) otel['links.dropped'] = linksDropped;
  if (bySdk && bySdk.attributes > 0) otel['attributes.dropped'] = bySdk.attributes;
  if (span.traceState) otel['trace_state'] = span.traceState.slice(0, MAX_TRACE_STATE_LENGTH);
  doc['metadata'] = { otel };
  return doc as unknown as SegmentDocument;
}

function segmentName(span: SpanInput): string {
  const service = text(span.resource['service.name']);
  const name = service && !service.startsWith('unknown_service') ? service : span.name;
  return cleanName(name) || 'unknown_service';
}

function cleanName(name: string): string {
  return name.replace(NAME_DISALLOWED, '').trim().slice(0, MAX_NAME_LENGTH);
}

/** Name, namespace and the aws/sql blocks of a span that is not a segment. */
function subsegmentFields(span: SpanInput): Record<string, unknown> {
  const a = span.attributes;
  const out: Record<string, unknown> = {};
  const remote = span.kind === 'client' || span.kind === 'producer';
  const rpcSystem = text(a['rpc.system']);
  if (remote && rpcSystem === 'aws-api') {
    // An AWS SDK call: named after the service, as X-Ray's SDKs name them.
    out['namespace'] = 'aws';
    out['name'] = (text(a['rpc.service']) ?? span.name).slice(0, MAX_NAME_LENGTH);
    const aws: Record<string, unknown> = {};
    const operation = text(a['rpc.method']);
    if (operation) aws['operation'] = operation;
    const region = text(a['aws.region']) ?? text(a['cloud.region']);
    if (region) aws['region'] = region;
    const requestId = text(a['aws.request_id']);
    if (requestId) aws['request_id'] = requestId;
    out['aws'] = aws;
    return out;
  }
  const dbSystem = text(a['db.system']) ?? text(a['db.system.name']);
  if (remote || dbSystem) out['namespace'] = 'remote';
  if (dbSystem) {
    const database = text(a['db.name']) ?? text(a['db.namespace']);
    const host = text(a['server.address']) ?? text(a['net.peer.name']);
    out['name'] = (
      text(a['peer.service']) ?? (database && host ? `${database}@${host}` : (database ?? host ?? dbSystem))
    ).slice(0, MAX_NAME_LENGTH);
    const sql: Record<string, unknown> = { database_type: dbSystem };
    const url =
      text(a['db.connection_string']) ?? (host ? `${host}${portOf(a)}/${database ?? ''}` : undefined);
    if (url) sql['url'] = url;
    const user = text(a['db.user']);
    if (user) sql['user'] = user;
    const query = text(a['db.statement']) ?? text(a['db.query.text']);
    if (query) sql['sanitized_query'] = query;
    out['sql'] = sql;
    return out;
  }
  if (remote) {
    out['name'] = (text(a['peer.service']) ?? remoteHost(a) ?? span.name).slice(0, MAX_NAME_LENGTH);
    return out;
  }
  out['name'] = (span.name || 'span').slice(0, MAX_NAME_LENGTH);
  return out;
}

function portOf(a: Record<string, AttributeValue>): string {
  const port = a['server.port'] ?? a['net.peer.port'];
  return typeof port === 'number' || typeof port === 'string' ? `:${port}` : '';
}

/** The host a client span called: `server.address`, `net.peer.name`, or the URL's host. */
function remoteHost(a: Record<string, AttributeValue>): string | undefined {
  const host = text(a['server.address']) ?? text(a['net.peer.name']) ?? text(a['http.host']);
  if (host) return host.replace(/:\d+$/, '');
  const url = text(a['url.full']) ?? text(a['http.url']);
  if (!url) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

function httpBlock(a: Record<string, AttributeValue>, kind: SpanKind): HttpBlock | undefined {
  const method = text(a['http.request.method']) ?? text(a['http.method']);
  const statusValue = a['http.response.status_code'] ?? a['http.status_code'];
  const status = typeof statusValue === 'string' ? Number(statusValue) : statusValue;
  if (method === undefined && typeof status !== 'number') return undefined;
  const request: NonNullable<HttpBlock['request']> = {};
  if (method) request.method = method;
  const url = urlOf(a, kind);
  if (url) request.url = url.slice(0, 2048);
  const userAgent = text(a['user_agent.original']) ?? text(a['http.user_agent']);
  if (userAgent) request.user_agent = userAgent.slice(0, MAX_STRING_LENGTH);
  if (kind === 'server') {
    const client = text(a['client.address']) ?? text(a['http.client_ip']);
    const peer = text(a['network.peer.address']) ?? text(a['net.sock.peer.addr']);
    if (client) {
      request.client_ip = client;
      if (peer && peer !== client) request.x_forwarded_for = true;
    } else if (peer) request.client_ip = peer;
  }
  const http: HttpBlock = { request };
  // A status X-Ray's documents cannot carry (not a whole number from 0 to 999) is left out
  // rather than losing the span to validation.
  if (typeof status === 'number' && Number.isInteger(status) && status >= 0 && status <= 999) {
    http.response = { status };
    const length = a['http.response.body.size'] ?? a['http.response_content_length'];
    if (typeof length === 'number') http.response.content_length = length;
  }
  return http;
}

function urlOf(a: Record<string, AttributeValue>, kind: SpanKind): string | undefined {
  const full = text(a['url.full']) ?? text(a['http.url']);
  if (full) return full;
  const path = text(a['url.path']);
  const target = path !== undefined ? `${path}${queryOf(a)}` : text(a['http.target']);
  if (target === undefined) return undefined;
  const scheme = text(a['url.scheme']) ?? text(a['http.scheme']) ?? 'http';
  const host =
    text(a['http.host']) ??
    (
      text(a['server.address']) ?? (kind === 'server' ? text(a['net.host.name']) : text(a['net.peer.name']))
    )?.concat(portOf(a));
  return host ? `${scheme}://${host}${target}` : target;
}

function queryOf(a: Record<string, AttributeValue>): string {
  const q = text(a['url.query']);
  return q ? `?${q}` : '';
}

/**
 * The gRPC status codes that are the server's failure (a fault), as OpenTelemetry's semantic
 * conventions count them for server spans: UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL,
 * UNAVAILABLE, DATA_LOSS. RESOURCE_EXHAUSTED is a throttle; any other non-OK code an error.
 */
const GRPC_FAULT_CODES: ReadonlySet<number> = new Set([2, 4, 12, 13, 14, 15]);
const GRPC_RESOURCE_EXHAUSTED = 8;

/** `rpc.grpc.status_code` (0–16, or a code outside them as a fault's UNKNOWN), if the span has one. */
function grpcStatusCode(a: Record<string, AttributeValue>): number | undefined {
  const value = a['rpc.grpc.status_code'];
  const code = typeof value === 'string' ? Number(value) : value;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0) return undefined;
  return code > 16 ? 2 : code;
}

function isError(span: SpanInput): boolean {
  return span.status === 'error' || span.attributes['error'] === true || span.attributes['error'] === 'true';
}

/** Exception events as X-Ray exceptions; V8-style stack lines become frames. */
function causeOf(span: SpanInput): { exceptions: XRayException[] } | undefined {
  const exceptions: XRayException[] = [];
  for (const event of span.events) {
    if (event.name !== 'exception') continue;
    const e = event.attributes;
    const exception: XRayException = { id: exceptionId(span.spanId, exceptions.length) };
    const type = text(e['exception.type']);
    if (type) exception.type = type;
    const message = text(e['exception.message']);
    if (message) exception.message = message;
    const stack = stackFrames(text(e['exception.stacktrace']));
    if (stack.length > 0) exception.stack = stack;
    if (span.kind === 'client' || span.kind === 'producer') exception.remote = true;
    exceptions.push(exception);
  }
  return exceptions.length > 0 ? { exceptions } : undefined;
}

/**
 * The first items that fit `maxCount` and `maxJson` bytes of JSON, rendered by `render`
 * (undefined: the item is not valid and is dropped); how many were dropped either way.
 */
function capped<T>(
  items: readonly T[],
  maxCount: number,
  maxJson: number,
  render: (item: T) => Record<string, unknown> | undefined,
): { kept: Record<string, unknown>[]; dropped: number } {
  const kept: Record<string, unknown>[] = [];
  let dropped = 0;
  let size = 0;
  for (const item of items) {
    const out = kept.length < maxCount ? render(item) : undefined;
    const length = out ? Buffer.byteLength(JSON.stringify(out)) + 1 : 0;
    if (!out || size + length > maxJson) {
      dropped++;
      continue;
    }
    size += length;
    kept.push(out);
  }
  return { kept, dropped };
}

/**
 * Links as awsxrayexporter writes them (`links: [{trace_id, id, attributes}]`, trace ids in X-Ray
 * form like the span's own). A link whose ids are not valid is dropped and counted, not the span.
 */
function linksOf(links: SpanLink[] | undefined): { kept: Record<string, unknown>[]; dropped: number } {
  return capped(links ?? [], MAX_LINKS, MAX_LINKS_JSON, (link) => {
    const traceId = xrayTraceId(link.traceId);
    const id = link.spanId.toLowerCase();
    if (traceId === undefined || !ENTITY_ID.test(id) || /^0+$/.test(id)) return undefined;
    const out: Record<string, unknown> = { trace_id: traceId, id };
    if (Object.keys(link.attributes).length > 0) out['attributes'] = link.attributes;
    return out;
  });
}

/**
 * Events other than exceptions (which are the `cause`), in the order sent, as `{name, time,
 * attributes}` with the time in epoch seconds like the document's own. awsxrayexporter drops them;
 * Fluoro keeps them in the `otel` metadata, where X-Ray's document model has room for them and
 * every X-Ray client and console shows them. The first ones that fit the caps are kept.
 */
function eventsOf(events: SpanEvent[]): { kept: Record<string, unknown>[]; dropped: number } {
  const others = events.filter((e) => e.name !== 'exception');
  return capped(others, MAX_EVENTS, MAX_EVENTS_JSON, (event) => {
    const out: Record<string, unknown> = { name: event.name.slice(0, MAX_STRING_LENGTH) };
    if (Number.isFinite(event.timeUs) && event.timeUs > 0) out['time'] = event.timeUs / 1e6;
    const attributes = Object.entries(event.attributes);
    if (attributes.length > 0)
      out['attributes'] = Object.fromEntries(
        attributes.map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, MAX_EVENT_STRING_LENGTH) : v]),
      );
    return out;
  });
}

/** A 32-hex trace id (or Zipkin's 16) in X-Ray form; undefined when it is not one, or all zeros. */
function xrayTraceId(id: string): string | undefined {
  const traceId = toXRayTraceId(id.length === 16 ? id.padStart(32, '0') : id);
  return traceId === undefined || /^1-0{8}-0{24}$/.test(traceId) ? undefined : traceId;
}

/** A stable 16-hex exception id derived from the span id (ids must be unique per trace). */
function exceptionId(spanId: string, index: number): string {
  const n = (Number.parseInt(spanId.slice(-8), 16) + index + 1) >>> 0;
  return `${spanId.slice(0, 8)}${n.toString(16).padStart(8, '0')}`.toLowerCase();
}

const V8_FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+)(?::\d+)?\)?$/;
const PYTHON_FRAME = /^\s*File "(.+?)", line (\d+)(?:, in (.+))?$/;

function stackFrames(stack: string | undefined): { path?: string; line?: number; label?: string }[] {
  if (!stack) return [];
  const frames: { path?: string; line?: number; label?: string }[] = [];
  for (const line of stack.split('\n')) {
    const v8 = V8_FRAME.exec(line);
    if (v8) frames.push({ label: v8[1] ?? 'anonymous', path: v8[2]!, line: Number(v8[3]) });
    else {
      const py = PYTHON_FRAME.exec(line);
      if (py) frames.push({ path: py[1]!, line: Number(py[2]), label: py[3] ?? 'module' });
    }
    if (frames.length >= 50) break;
  }
  return frames;
}

/** Scalar attributes as annotations (up to X-Ray's limit); the others are returned apart. */
function splitAttributes(a: Record<string, AttributeValue>): {
  annotations: Record<string, AnnotationValue> | undefined;
  rest: Record<string, AttributeValue> | undefined;
} {
  let annotations: Record<string, AnnotationValue> | undefined;
  let rest: Record<string, AttributeValue> | undefined;
  let count = 0;
  for (const [key, value] of Object.entries(a)) {
    if (MAPPED.has(key)) continue;
    const scalar =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (scalar && count < MAX_ANNOTATIONS && !isSemantic(key)) {
      annotations ??= {};
      annotations[annotationKey(key)] = typeof value === 'string' ? value.slice(0, MAX_STRING_LENGTH) : value;
      count++;
    } else {
      rest ??= {};
      rest[key] = value;
    }
  }
  return { annotations, rest };
}

/** Annotation keys are `[A-Za-z0-9_]` in X-Ray: `http.route` becomes `http_route`. */
export function annotationKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_]/g, '_').slice(0, MAX_STRING_LENGTH) || '_';
}

function text(v: AttributeValue | undefined): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function short(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
