import type { IncomingMessage, ServerResponse } from 'node:http';
import { recorder } from '../recorder.js';
import { XRAY_HEADER } from '../trace-header.js';
import { bindEmitter } from './bind-emitter.js';
import { endIncoming, type IncomingOptions, type IncomingTrace, startIncoming } from './incoming.js';

const TRACE = Symbol.for('fluoro.trace');

type Traced = { [TRACE]?: IncomingTrace };

/** The trace started for a Node request by any Fluoro middleware, if any. */
export function traceOf(req: IncomingMessage): IncomingTrace | undefined {
  return (req as Traced)[TRACE];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
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
  const existing = (req as Traced)[TRACE];
  if (existing) return existing;
  const trace = startIncoming(
    {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      host: header(req, 'host'),
      secure: Boolean((req.socket as { encrypted?: boolean } | undefined)?.encrypted),
      userAgent: header(req, 'user-agent'),
      forwardedFor: header(req, 'x-forwarded-for'),
      remoteAddress: req.socket?.remoteAddress,
      xrayHeader: header(req, 'x-amzn-trace-id'),
      traceparent: header(req, 'traceparent'),
    },
    options,
  );
  if (!trace) return undefined;
  (req as Traced)[TRACE] = trace;
  if (!res.headersSent) res.setHeader(XRAY_HEADER, trace.responseHeader);
  if (trace.entity.sampled) {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      endIncoming(trace, res.statusCode, contentLength(res));
    };
    res.once('finish', finish);
    res.once('close', finish);
  }
  bindEmitter(req, trace.entity);
  bindEmitter(res, trace.entity);
  return trace;
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
  // Node computes Content-Length itself for `res.end(body)`; it is only in the header text.
  const raw = (res as { _header?: unknown })._header;
  if (typeof raw === 'string') {
    const m = /\r\ncontent-length: *(\d+)/i.exec(raw);
    if (m) return Number(m[1]);
  }
  return undefined;
}
