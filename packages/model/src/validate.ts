import { ENTITY_ID, XRAY_TRACE_ID } from './ids.js';
import type { SegmentDocument } from './wire.js';

/** Why a document was rejected; each reason has its own counter in the ingest stats. */
export type RejectReason =
  | 'not_json'
  | 'not_object'
  | 'oversize'
  | 'missing_field'
  | 'invalid_id'
  | 'invalid_trace_id'
  | 'invalid_name'
  | 'invalid_time'
  | 'invalid_type'
  | 'invalid_annotation'
  | 'too_deep';

export interface Rejection {
  ok: false;
  reason: RejectReason;
  /** PutTraceSegments `ErrorCode` for this reason. */
  errorCode: string;
  message: string;
  /** The document's id when it could be read, for `UnprocessedTraceSegments[].Id`. */
  id?: string;
}

export type Validation = { ok: true; doc: SegmentDocument } | Rejection;

/** Largest document X-Ray accepts (and the UDP datagram bound). */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
export const MAX_NAME_LENGTH = 200;
export const MAX_STRING_LENGTH = 250;
const MAX_DEPTH = 64;
/** X-Ray's segment-name alphabet: Unicode letters, digits, whitespace and `_ . : / % & # = + \ - @`. */
const SEGMENT_NAME = /^[\p{L}\p{N}\s_.:/%&#=+\\\-@]+$/u;

const ERROR_CODES: Record<RejectReason, string> = {
  not_json: 'InvalidSegment',
  not_object: 'InvalidSegment',
  oversize: 'InvalidSegment',
  missing_field: 'InvalidSegment',
  invalid_id: 'InvalidId',
  invalid_trace_id: 'InvalidTraceId',
  invalid_name: 'InvalidName',
  invalid_time: 'InvalidSegment',
  invalid_type: 'InvalidSegment',
  invalid_annotation: 'InvalidAnnotation',
  too_deep: 'InvalidSegment',
};

class Invalid extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}

/** Parses and validates one segment document given as text (a datagram body or a PutTraceSegments entry). */
export function parseDocument(text: string): Validation {
  if (Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) {
    return reject('oversize', `document is larger than ${MAX_DOCUMENT_BYTES} bytes`, peekId(text));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return reject('not_json', `document is not JSON: ${(e as Error).message}`, peekId(text));
  }
  return validateDocument(value);
}

/**
 * Checks a parsed document against the X-Ray segment rules, tolerating what the official SDKs
 * really send (Python's `namespace:"local"` and `in_progress:false` beside `end_time`, Node's
 * top-level `traced`, causes that reference an exception by id).
 */
export function validateDocument(value: unknown): Validation {
  if (!isObject(value)) return reject('not_object', 'document must be a JSON object');
  const id = typeof value['id'] === 'string' ? value['id'] : undefined;
  try {
    const independent = value['type'] === 'subsegment';
    checkEntity(value, independent ? 'subsegment' : 'segment', 0);
    requireString(value, 'trace_id');
    if (!XRAY_TRACE_ID.test(value['trace_id'] as string)) {
      throw new Invalid(
        'invalid_trace_id',
        `trace_id "${short(value['trace_id'])}" is not 1-xxxxxxxx-<24 hex>`,
      );
    }
    if (independent) requireString(value, 'parent_id');
    if (value['parent_id'] !== undefined) checkId(value['parent_id'], 'parent_id');
    for (const key of ['user', 'origin', 'resource_arn'] as const) optionalString(value, key);
    return { ok: true, doc: value as unknown as SegmentDocument };
  } catch (e) {
    if (e instanceof Invalid) return reject(e.reason, e.message, id);
    throw e;
  }
}

function checkEntity(e: Record<string, unknown>, kind: 'segment' | 'subsegment', depth: number): void {
  if (depth > MAX_DEPTH) throw new Invalid('too_deep', `subsegments nest deeper than ${MAX_DEPTH}`);
  requireString(e, 'id');
  checkId(e['id'], 'id');
  requireString(e, 'name');
  const name = e['name'] as string;
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new Invalid('invalid_name', `name must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  // X-Ray enforces its alphabet on segment (service) names; subsegment names are free text.
  if (kind === 'segment' && !SEGMENT_NAME.test(name)) {
    throw new Invalid('invalid_name', `segment name "${short(name)}" has characters X-Ray does not allow`);
  }
  if (e['start_time'] === undefined)
    throw new Invalid('missing_field', `${kind} ${e['id']} has no start_time`);
  if (!isTime(e['start_time']))
    throw new Invalid('invalid_time', 'start_time must be epoch seconds (before 2106)');
  const inProgress = e['in_progress'];
  if (inProgress !== undefined && typeof inProgress !== 'boolean') {
    throw new Invalid('invalid_type', 'in_progress must be a boolean');
  }
  if (inProgress === true) {
    if (e['end_time'] !== undefined)
      throw new Invalid('invalid_time', 'in_progress document has an end_time');
  } else {
    if (e['end_time'] === undefined) {
      throw new Invalid('missing_field', `${kind} ${e['id']} has neither end_time nor in_progress`);
    }
    if (!isTime(e['end_time']))
      throw new Invalid('invalid_time', 'end_time must be epoch seconds (before 2106)');
    if ((e['end_time'] as number) < (e['start_time'] as number)) {
      throw new Invalid('invalid_time', 'end_time is before start_time');
    }
  }
  for (const flag of ['error', 'fault', 'throttle', 'traced'] as const) {
    if (e[flag] !== undefined && typeof e[flag] !== 'boolean') {
      throw new Invalid('invalid_type', `${flag} must be a boolean`);
    }
  }
  for (const key of ['http', 'aws', 'metadata', 'sql', 'service'] as const) {
    if (e[key] !== undefined && !isObject(e[key]))
      throw new Invalid('invalid_type', `${key} must be an object`);
  }
  optionalString(e, 'namespace');
  checkHttp(e['http']);
  checkCause(e['cause']);
  checkAnnotations(e['annotations']);
  checkLinks(e['links']);
  const subs = e['subsegments'];
  if (subs !== undefined) {
    if (!Array.isArray(subs)) throw new Invalid('invalid_type', 'subsegments must be an array');
    for (const s of subs) {
      if (!isObject(s)) throw new Invalid('invalid_type', 'each subsegment must be an object');
      checkEntity(s, 'subsegment', depth + 1);
    }
  }
}

function checkHttp(http: unknown): void {
  if (!isObject(http)) return;
  const res = http['response'];
  const status = isObject(res) ? res['status'] : undefined;
  // Three digits at most: the stores keep it in a 32-bit column, and a value one cannot hold
  // would make the store refuse the document.
  if (
    status !== undefined &&
    !(Number.isInteger(status) && (status as number) >= 0 && (status as number) <= 999)
  ) {
    throw new Invalid(
      'invalid_type',
      `http.response.status must be an integer from 0 to 999, not ${short(status)}`,
    );
  }
  const req = http['request'];
  if (req !== undefined && !isObject(req))
    throw new Invalid('invalid_type', 'http.request must be an object');
  if (isObject(req))
    for (const k of ['method', 'url', 'user_agent', 'client_ip']) optionalString(req, k, 'http.request.');
}

function checkCause(cause: unknown): void {
  if (cause === undefined) return;
  if (typeof cause === 'string') {
    if (!ENTITY_ID.test(cause)) throw new Invalid('invalid_id', 'cause must be an exception id or an object');
    return;
  }
  if (!isObject(cause)) throw new Invalid('invalid_type', 'cause must be an exception id or an object');
  const exceptions = cause['exceptions'];
  if (exceptions === undefined) return;
  if (!Array.isArray(exceptions)) throw new Invalid('invalid_type', 'cause.exceptions must be an array');
  for (const x of exceptions) {
    if (!isObject(x)) throw new Invalid('invalid_type', 'each exception must be an object');
    if (x['stack'] !== undefined && !Array.isArray(x['stack'])) {
      throw new Invalid('invalid_type', 'exception stack must be an array');
    }
  }
}

/**
 * Span links, as AWS's OpenTelemetry exporter (awsxrayexporter) writes them into segments and
 * subsegments: `[{trace_id, id, attributes}]`. Their ids are not checked against X-Ray's forms
 * (a link may name a trace of another system), only the shape, which the console reads.
 */
function checkLinks(links: unknown): void {
  if (links === undefined) return;
  if (!Array.isArray(links)) throw new Invalid('invalid_type', 'links must be an array');
  for (const link of links) {
    if (!isObject(link)) throw new Invalid('invalid_type', 'each link must be an object');
    optionalString(link, 'trace_id', 'links[].');
    optionalString(link, 'id', 'links[].');
    if (link['attributes'] !== undefined && !isObject(link['attributes']))
      throw new Invalid('invalid_type', 'links[].attributes must be an object');
  }
}

function checkAnnotations(annotations: unknown): void {
  if (annotations === undefined) return;
  if (!isObject(annotations)) throw new Invalid('invalid_annotation', 'annotations must be an object');
  for (const [key, v] of Object.entries(annotations)) {
    if (key.length === 0 || key.length > MAX_STRING_LENGTH) {
      throw new Invalid('invalid_annotation', `annotation key must be 1 to ${MAX_STRING_LENGTH} characters`);
    }
    const ok =
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v)) ||
      (typeof v === 'string' && v.length <= 1000);
    if (!ok)
      throw new Invalid(
        'invalid_annotation',
        `annotation "${short(key)}" must be a string, number or boolean`,
      );
  }
}

function checkId(v: unknown, field: string): void {
  if (typeof v !== 'string' || !ENTITY_ID.test(v)) {
    throw new Invalid('invalid_id', `${field} "${short(v)}" is not 16 lowercase hex digits`);
  }
}

function requireString(o: Record<string, unknown>, key: string): void {
  if (o[key] === undefined) throw new Invalid('missing_field', `missing required field ${key}`);
  if (typeof o[key] !== 'string') throw new Invalid('invalid_type', `${key} must be a string`);
}

function optionalString(o: Record<string, unknown>, key: string, prefix = ''): void {
  if (o[key] !== undefined && typeof o[key] !== 'string') {
    throw new Invalid('invalid_type', `${prefix}${key} must be a string`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The last second an X-Ray trace id can name (8 hex digits of epoch seconds, in 2106). */
const MAX_TIME_S = 0xffffffff;

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_TIME_S;
}

function short(v: unknown): string {
  const s = String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function peekId(text: string): string | undefined {
  return /"id"\s*:\s*"([0-9a-f]{16})"/.exec(text.slice(0, 4096))?.[1];
}

function reject(reason: RejectReason, message: string, id?: string): Rejection {
  return id === undefined
    ? { ok: false, reason, errorCode: ERROR_CODES[reason], message }
    : { ok: false, reason, errorCode: ERROR_CODES[reason], message, id };
}
