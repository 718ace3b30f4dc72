import { IncomingMessage, ServerResponse } from 'node:http';
import { isAnomaly, UnsampledEntity } from '../entity.js';
import { recorder } from '../recorder.js';
import { XRAY_HEADER } from '../trace-header.js';
import { bindListenersToContext } from './bind-emitter.js';
import { endIncoming, type IncomingOptions, type IncomingTrace, startIncoming } from './incoming.js';

/**
 * Where a request's trace is kept. On a plain `IncomingMessage` (node:http, Fastify, Koa) a
 * symbol property: V8 reuses one hidden-class transition for it, a few nanoseconds. Express
 * changes the prototype of every `req`, after which a new property costs V8 microseconds, so
 * those requests go in a WeakMap instead (a WeakMap insert costs about 0.4 µs and GC work,
 * measured: too much for every unsampled request on a plain server).
 */
const TRACE = Symbol('fluoro.trace');
type Traced = IncomingMessage & { [TRACE]?: IncomingTrace };
const reshaped = new WeakMap<IncomingMessage, IncomingTrace>();

/** The trace started for a Node request by any Fluoro middleware, if any. */
export function traceOf(req: IncomingMessage): IncomingTrace | undefined {
  // Both are read: `traceHttp(app)` keeps the trace before Express changes the prototype.
  return (req as Traced)[TRACE] ?? reshaped.get(req);
}

function keepTrace(req: IncomingMessage, trace: IncomingTrace): void {
  if (Object.getPrototypeOf(req) === IncomingMessage.prototype) (req as Traced)[TRACE] = trace;
  else reshaped.set(req, trace);
}

let listenersBound = false;

/** Request and response listeners run in the context they were added in (see bindListenersToContext). */
function bindRequestListeners(req: IncomingMessage, res: ServerResponse): void {
  if (!listenersBound) {
    listenersBound = true;
    bindListenersToContext(IncomingMessage.prototype);
    bindListenersToContext(ServerResponse.prototype);
  }
  // Other request classes (HTTP/2's compatibility API) are bound on their own prototype.
  if (!(req instanceof IncomingMessage)) bindListenersToContext(Object.getPrototypeOf(req));
  if (!(res instanceof ServerResponse)) bindListenersToContext(Object.getPrototypeOf(res));
}

/** The request headers Fluoro reads (first value of each). */
interface TraceHeaders {
  host: string | undefined;
  userAgent: string | undefined;
  forwardedFor: string | undefined;
  xray: string | undefined;
  traceparent: string | undefined;
  tracestate: string | undefined;
}

/**
 * Reads the headers Fluoro needs from `rawHeaders` in one pass. Node builds `req.headers`
 * lazily, for the whole request, and that costs more than everything else the middleware does
 * for an unsampled request; an app that reads `req.headers` itself pays for it either way.
 */
function readHeaders(req: IncomingMessage): TraceHeaders {
  const found: TraceHeaders = {
    host: undefined,
    userAgent: undefined,
    forwardedFor: undefined,
    xray: undefined,
    traceparent: undefined,
    tracestate: undefined,
  };
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    // Only names of the lengths Fluoro reads are compared, without allocating a lowercase copy.
    switch (name.length) {
      case 4:
        if (found.host === undefined && isNamed(name, 'host')) found.host = raw[i + 1];
        break;
      case 10:
        if (found.userAgent === undefined && isNamed(name, 'user-agent')) found.userAgent = raw[i + 1];
        else if (found.tracestate === undefined && isNamed(name, 'tracestate')) found.tracestate = raw[i + 1];
        break;
      case 11:
        if (found.traceparent === undefined && isNamed(name, 'traceparent')) found.traceparent = raw[i + 1];
        break;
      case 15:
        if (found.forwardedFor === undefined && isNamed(name, 'x-forwarded-for'))
          found.forwardedFor = raw[i + 1];
        else if (found.xray === undefined && isNamed(name, 'x-amzn-trace-id')) found.xray = raw[i + 1];
        break;
    }
  }
  return found;
}

/** Whether a header name equals `lower` (same length, lowercase ASCII) ignoring case. */
function isNamed(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Starts tracing a Node request: creates the segment, sets the `X-Amzn-Trace-Id` response
 * header, binds `req`/`res` listeners to the trace and ends the segment when the response
 * finishes (or the connection closes). Idempotent per request. Returns undefined if untraced.
 */
export function traceNodeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: IncomingOptions,
): IncomingTrace | undefined {
  const existing = traceOf(req);
  if (existing) return existing;
  const headers = readHeaders(req);
  const trace = startIncoming(
    {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      host: headers.host,
      secure: Boolean((req.socket as { encrypted?: boolean } | undefined)?.encrypted),
      userAgent: headers.userAgent,
      forwardedFor: headers.forwardedFor,
      remoteAddress: req.socket?.remoteAddress,
      xrayHeader: headers.xray,
      traceparent: headers.traceparent,
      tracestate: headers.tracestate,
    },
    options,
  );
  if (!trace) return undefined;
  if (trace.responseHeader !== undefined && !res.headersSent)
    res.setHeader(XRAY_HEADER, trace.responseHeader);
  if (trace.entity.sampled) {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      endIncoming(trace, res.statusCode, contentLength(res));
    };
    res.once('finish', finish);
    res.once('close', finish);
  } else if ((trace.entity as UnsampledEntity).watchesAnomalies) {
    // Unsampled. Adaptive sampling: only requests of a rule that can be boosted pay for this listener.
    res.on('finish', countUnsampledAnomaly);
  }
  keepTrace(req, trace);
  bindRequestListeners(req, res);
  return trace;
}

/** `finish` of an unsampled response: a 5xx status is an anomaly of the rule that decided. */
function countUnsampledAnomaly(this: ServerResponse): void {
  if (!isAnomaly(this.statusCode, false)) return;
  const entity = traceOf(this.req)?.entity;
  if (entity instanceof UnsampledEntity) entity.countAnomaly();
}

/** Runs `fn` in the request's trace context (or plainly when untraced). */
export function runInTrace<T>(trace: IncomingTrace | undefined, fn: () => T): T {
  return trace ? recorder.run(trace.entity, fn) : fn();
}

/** Content-Length of a finished Node response, from the header map or the written header text. */
export function contentLength(res: ServerResponse): number | undefined {
  const h = res.getHeader('content-length');
  if (h !== undefined) {
    const n = Number(Array.isArray(h) ? h[0] : h);
    return Number.isFinite(n) ? n : undefined;
  }
  // Node computes Content-Length itself for `res.end(body)` and keeps it in `_contentLength`
  // (Node 18+; reading it saves a regular expression over the header text per sampled request).
  const computed = (res as { _contentLength?: unknown })._contentLength;
  if (typeof computed === 'number') return computed;
  const raw = (res as { _header?: unknown })._header;
  if (typeof raw === 'string') {
    const m = /\r\ncontent-length: *(\d+)/i.exec(raw);
    if (m) return Number(m[1]);
  }
  return undefined;
}
