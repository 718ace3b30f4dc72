import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IncomingOptions, recordIncomingError } from '../incoming/incoming.js';
import { runInTrace, traceNodeRequest, traceOf } from '../incoming/node-request.js';

type Next = (err?: unknown) => void;

/**
 * Express 4 and 5 middleware. Install it before the routes, as the first middleware:
 * `app.use(expressTracing({ name: 'api' }))`, and `app.use(expressErrorTracing())` after the
 * routes so errors passed to `next(err)` or thrown by handlers are recorded with their stack.
 */
export function expressTracing(
  options: IncomingOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  return function fluoroTracing(req, res, next) {
    const trace = traceNodeRequest(req, res, options);
    runInTrace(trace, () => next());
  };
}

/** Express error middleware that records the error on the request's segment and passes it on. */
export function expressErrorTracing(): (
  err: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
) => void {
  return function fluoroErrorTracing(err, req, _res, next) {
    const trace = traceOf(req);
    if (trace) recordIncomingError(trace, err);
    next(err);
  };
}
