import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IncomingOptions, recordIncomingError } from '../incoming/incoming.js';
import { runInTrace, traceNodeRequest } from '../incoming/node-request.js';
import { XRAY_HEADER } from '../trace-header.js';

/** The part of Koa's context the middleware uses. */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
}

/**
 * Koa middleware; install it first: `app.use(koaTracing({ name: 'api' }))`. Errors thrown
 * downstream are recorded as faults and rethrown for Koa's own error handling.
 */
export function koaTracing(
  options: IncomingOptions = {},
): (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<unknown> {
  return function fluoroTracing(ctx, next) {
    const trace = traceNodeRequest(ctx.req, ctx.res, options);
    if (!trace) return next();
    return runInTrace(trace, () =>
      next().catch((err: unknown) => {
        recordIncomingError(trace, err);
        if (trace.responseHeader !== undefined) keepTraceHeader(err, trace.responseHeader);
        throw err;
      }),
    );
  };
}

/** Koa's error handler clears all response headers, then applies `err.headers`: ride along. */
function keepTraceHeader(err: unknown, value: string): void {
  if (typeof err !== 'object' || err === null || !Object.isExtensible(err)) return;
  const e = err as { headers?: Record<string, unknown> };
  try {
    e.headers = { ...e.headers, [XRAY_HEADER]: value };
  } catch {
    // a read-only `headers`: the error response goes out without the trace header
  }
}
