import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzip, inflate } from 'node:zlib';
import { otlpSpans, type SpanInput, type SpanRejection, spanToDocument, zipkinSpans } from '@fluoro/model';
import { ApiError } from '../http/api-error.js';
import { readBodyBytes } from '../http/read-input.js';
import { acceptBuiltDocument } from './accept-document.js';
import type { BatchWriter } from './batch-writer.js';
import type { IngestStats } from './ingest-stats.js';
import { decodeOtlpProtobuf, encodeOtlpResponse, encodeOtlpStatus } from './otlp-protobuf.js';

/**
 * OpenTelemetry (OTLP/HTTP, `POST /v1/traces`, JSON or protobuf) and Zipkin v2
 * (`POST /api/v2/spans`, JSON) ingest. Each span becomes an X-Ray document
 * (`spanToDocument`) and takes the same path as a segment from the UDP port: validated, counted,
 * queued for the batch writer. A bad span is rejected and counted while its neighbours are kept
 * (`partialSuccess.rejectedSpans` in OTLP's answer); a bad request is answered 400 naming what is
 * wrong; a full write queue is answered 429 with `Retry-After`, which OTLP exporters retry.
 */

/** OTLP's recommended limit, applied after decompression. */
export const MAX_SPAN_BODY_BYTES = 20 * 1024 * 1024;

export interface IngestContext {
  writer: BatchWriter;
  stats: IngestStats;
  maxQueued: number;
  /**
   * Set with `--ingest-auth`: OTLP and Zipkin requests then need `Authorization: Bearer <token>`
   * (the query API's own authenticator, so a token rotation covers both). Undefined: open.
   */
  auth?: BearerCheck;
}

/** Checks an `Authorization` value; throws an ApiError (401 none, 403 wrong) when it is not the token. */
export interface BearerCheck {
  checkBearer(header: string | undefined): void;
}

/**
 * Checks an ingest request's bearer token when ingest needs one. A refusal is counted under
 * `rejected.unauthenticated` and returned as a 401 (no token) or 403 (a wrong one); the token is
 * never logged. `what` names the request for the log.
 */
export function refusedIngest(
  ctx: IngestContext,
  header: string | undefined,
  what: string,
): HttpFailure | undefined {
  if (!ctx.auth) return undefined;
  try {
    ctx.auth.checkBearer(header);
    return undefined;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    ctx.stats.refuse(`${what}: ${e.message}`);
    return new HttpFailure(e.status, e.message);
  }
}

/** What a request's spans came to. */
export interface Outcome {
  accepted: number;
  rejected: number;
  firstError?: string;
}

/** A failure with the HTTP status it is answered with (429: the write queue is full). */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Browsers may send spans too (OpenTelemetry's web SDK exports OTLP/HTTP JSON from the page):
 * `POST /v1/traces` allows any origin, as ingest is open to any process that can reach the port
 * anyway, and the preflight (`OPTIONS`) is answered. Nothing else on the port is shared.
 */
const CORS = { 'access-control-allow-origin': '*' };

/** `OPTIONS /v1/traces`: the CORS preflight a browser sends before a JSON or protobuf POST. */
export async function otlpPreflight(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  res
    .writeHead(204, {
      ...CORS,
      'access-control-allow-methods': 'POST',
      // authorization: a page's exporter sends the bearer token when ingest needs it.
      'access-control-allow-headers': 'content-type, content-encoding, authorization',
      'access-control-max-age': '86400',
    })
    .end();
}

/** `POST /v1/traces`: OTLP/HTTP with `Content-Type` application/json or application/x-protobuf. */
export function otlpTracesHandler(ctx: IngestContext) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(CORS)) res.setHeader(name, value);
    const type = contentType(req);
    const protobuf = type === 'application/x-protobuf' || type === 'application/protobuf';
    try {
      // Before anything is read: a caller without the token never gets to upload a body.
      const refused = refusedIngest(ctx, req.headers.authorization, 'POST /v1/traces');
      if (refused) throw refused;
      if (!protobuf && type !== 'application/json')
        throw new HttpFailure(
          415,
          `Content-Type must be application/json or application/x-protobuf, not "${type}"`,
        );
      const body = await readBody(req);
      let spans: SpanInput[];
      try {
        // Any failure to decode is the body's fault: JSON syntax, or protobuf's wire errors.
        spans = otlpSpans(protobuf ? decodeOtlpProtobuf(body) : parseJson(body));
      } catch (e) {
        throw new HttpFailure(400, `not an OTLP trace export: ${(e as Error).message}`);
      }
      const partial = partialSuccessOf(ingestSpans(spans, ctx));
      if (protobuf) {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(encodeOtlpResponse(partial));
      } else {
        const answer = partial
          ? {
              partialSuccess: {
                rejectedSpans: String(partial.rejectedSpans),
                errorMessage: partial.errorMessage,
              },
            }
          : {};
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      }
    } catch (e) {
      const failure = asFailure(e);
      const headers: Record<string, string> = {
        'content-type': protobuf ? 'application/x-protobuf' : 'application/json',
      };
      if (failure.status === 429) headers['retry-after'] = '1';
      if (failure.status === 401) headers['www-authenticate'] = BEARER_CHALLENGE;
      const code = rpcCodeOf(failure.status);
      res
        .writeHead(failure.status, headers)
        .end(
          protobuf
            ? encodeOtlpStatus(code, failure.message)
            : JSON.stringify({ code, message: failure.message }),
        );
    }
  };
}

/** `POST /api/v2/spans`: a Zipkin v2 JSON list of spans; answered 202 as Zipkin does. */
export function zipkinSpansHandler(ctx: IngestContext) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const refused = refusedIngest(ctx, req.headers.authorization, 'POST /api/v2/spans');
      if (refused) throw refused;
      const type = contentType(req);
      if (type !== 'application/json' && type !== '')
        throw new HttpFailure(415, `Content-Type must be application/json, not "${type}"`);
      const body = await readBody(req);
      let spans: SpanInput[];
      try {
        spans = zipkinSpans(parseJson(body));
      } catch (e) {
        throw new HttpFailure(400, `not a Zipkin v2 span list: ${(e as Error).message}`);
      }
      const outcome = ingestSpans(spans, ctx);
      if (outcome.rejected > 0) {
        // Zipkin has no partial answer: the good spans are kept, the count of bad ones is said.
        res
          .writeHead(400, { 'content-type': 'text/plain' })
          .end(`${outcome.rejected} of ${spans.length} spans rejected: ${outcome.firstError}\n`);
      } else res.writeHead(202).end();
    } catch (e) {
      const failure = asFailure(e);
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (failure.status === 429) headers['retry-after'] = '1';
      if (failure.status === 401) headers['www-authenticate'] = BEARER_CHALLENGE;
      res.writeHead(failure.status, headers).end(`${failure.message}\n`);
    }
  };
}

/** RFC 9110's challenge for a 401, as the query API sends it ("Bearer" opens no browser dialog). */
const BEARER_CHALLENGE = 'Bearer realm="fluoro"';

/**
 * The google.rpc.Status code of an OTLP/HTTP failure: 3 INVALID_ARGUMENT, 7 PERMISSION_DENIED,
 * 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, 16 UNAUTHENTICATED. OTLP exporters retry 429 and 503 and
 * give up on the rest.
 */
function rpcCodeOf(status: number): number {
  if (status === 401) return 16;
  if (status === 403) return 7;
  if (status === 429) return 8;
  return status >= 500 ? 14 : 3;
}

/** Translates, validates and queues each span; bad ones are counted by reason. */
export function ingestSpans(spans: SpanInput[], { writer, stats, maxQueued }: IngestContext): Outcome {
  if (writer.queued + spans.length > maxQueued)
    throw new HttpFailure(429, 'the write queue is full; retry later');
  const outcome: Outcome = { accepted: 0, rejected: 0 };
  const reject = (message: string) => {
    outcome.rejected++;
    outcome.firstError ??= message;
  };
  for (const span of spans) {
    const doc = spanToDocument(span);
    if (isRejection(doc)) {
      stats.received++;
      stats.reject(doc.reason, doc.message);
      reject(doc.message);
      continue;
    }
    const accepted = acceptBuiltDocument(doc, stats);
    if (!('rows' in accepted)) reject(`span ${span.spanId}: ${accepted.message}`);
    else if (!writer.offer(accepted)) reject(`span ${span.spanId}: the write queue is full`);
    else outcome.accepted++;
  }
  return outcome;
}

/** OTLP's `partial_success`, when some spans were rejected. */
export function partialSuccessOf(
  outcome: Outcome,
): { rejectedSpans: number; errorMessage: string } | undefined {
  return outcome.rejected > 0
    ? { rejectedSpans: outcome.rejected, errorMessage: outcome.firstError ?? 'spans rejected' }
    : undefined;
}

function isRejection(doc: object): doc is SpanRejection {
  return 'reason' in doc && !('id' in doc);
}

function contentType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function parseJson(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8'));
}

/** Unexpected failures already logged (once each, so a bad client cannot flood the log). */
const logged = new Set<string>();

export function asFailure(e: unknown): HttpFailure {
  if (e instanceof HttpFailure) return e;
  const message = (e as Error).message;
  if (!logged.has(message)) {
    logged.add(message);
    console.error(`fluoro: span ingest failed (further ones not logged): ${(e as Error).stack}`);
  }
  return new HttpFailure(503, `the request could not be handled: ${(e as Error).message}`);
}

/** The request body, decompressed (gzip or deflate), at most MAX_SPAN_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const raw = await readBodyBytes(
    req,
    MAX_SPAN_BODY_BYTES,
    () => new HttpFailure(413, `request body is over ${MAX_SPAN_BODY_BYTES} bytes`),
  );
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  const inflateWith = encoding === 'gzip' ? gunzip : encoding === 'deflate' ? inflate : undefined;
  if (!inflateWith)
    throw new HttpFailure(415, `Content-Encoding "${encoding}" is not supported (gzip, deflate)`);
  return new Promise((resolve, reject) => {
    inflateWith(raw, { maxOutputLength: MAX_SPAN_BODY_BYTES }, (err, out) => {
      if (!err) resolve(out);
      else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        reject(new HttpFailure(413, `request body is over ${MAX_SPAN_BODY_BYTES} bytes once decompressed`));
      else reject(new HttpFailure(400, `request body is not valid ${encoding}: ${err.message}`));
    });
  });
}
