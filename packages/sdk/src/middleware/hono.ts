import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  endIncoming,
  type IncomingOptions,
  type IncomingTrace,
  startIncoming,
} from '../incoming/incoming.js';
import { contentLength } from '../incoming/node-request.js';
import { recorder } from '../recorder.js';
import { XRAY_HEADER } from '../trace-header.js';

/** The parts of Hono's context the middleware uses (structural: no dependency on hono). */
export interface HonoContextLike {
  req: { raw: Request; method: string; url: string };
  res: Response;
  error?: Error | undefined;
  env?: unknown;
}

/**
 * Hono middleware; install it first: `app.use(honoTracing({ name: 'api' }))`. Works with
 * `@hono/node-server` (client address from the Node socket) and other runtimes.
 */
export function honoTracing(
  options: IncomingOptions = {},
): (c: HonoContextLike, next: () => Promise<void>) => Promise<void> {
  return async function fluoroTracing(c, next) {
    const url = new URL(c.req.url);
    const headers = c.req.raw.headers;
    const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
    const incoming = env?.incoming;
    const outgoing = env?.outgoing;
    const trace = startIncoming(
      {
        method: c.req.method,
        url: url.pathname + url.search,
        host: headers.get('host') ?? url.host,
        secure: url.protocol === 'https:',
        userAgent: headers.get('user-agent') ?? undefined,
        forwardedFor: headers.get('x-forwarded-for') ?? undefined,
        remoteAddress: incoming?.socket?.remoteAddress,
        xrayHeader: headers.get('x-amzn-trace-id') ?? undefined,
        traceparent: headers.get('traceparent') ?? undefined,
        tracestate: headers.get('tracestate') ?? undefined,
      },
      options,
    );
    if (!trace) return next();
    try {
      await recorder.run(trace.entity, next);
    } finally {
      try {
        if (trace.responseHeader !== undefined) c.res.headers.set(XRAY_HEADER, trace.responseHeader);
      } catch {
        // immutable headers (e.g. a fetched Response passed through)
      }
      if (outgoing && typeof outgoing.once === 'function') {
        // On Node the body is written after the middleware returns: read status and length there.
        const error = c.error;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          endIncoming(trace, outgoing.statusCode, contentLength(outgoing), error);
        };
        outgoing.once('finish', finish);
        outgoing.once('close', finish);
      } else endAfterResponse(trace, c);
    }
  };
}

function endAfterResponse(trace: IncomingTrace, c: HonoContextLike): void {
  let status: number | undefined;
  let length: number | undefined;
  try {
    status = c.res.status;
    const cl = c.res.headers.get('content-length');
    length = cl === null ? undefined : Number(cl);
  } catch {
    // no response to read
  }
  endIncoming(trace, status, length, c.error);
}
