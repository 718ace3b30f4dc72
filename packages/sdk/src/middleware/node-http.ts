import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IncomingOptions, recordIncomingError } from '../incoming/incoming.js';
import { runInTrace, traceNodeRequest } from '../incoming/node-request.js';

/** A Node `http`/`https` request listener. */
export type RequestListener<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
> = (req: Req, res: Res) => unknown;

/**
 * Wraps a Node `http`/`https` request listener so each request is a segment:
 * `http.createServer(traceHttp(handler, { name: 'api' }))`, or `traceHttp(app)` around an
 * Express or Connect app. A synchronous throw or a rejected promise from the handler is
 * recorded as a fault and passed on unchanged. Typed for Node's own request classes (an Express
 * app fits), or for the custom ones a server was created with.
 */
export function traceHttp(
  listener: RequestListener,
  options?: IncomingOptions,
): (req: IncomingMessage, res: ServerResponse) => unknown;
export function traceHttp<Req extends IncomingMessage, Res extends ServerResponse>(
  listener: RequestListener<Req, Res>,
  options?: IncomingOptions,
): RequestListener<Req, Res>;
export function traceHttp(listener: RequestListener, options: IncomingOptions = {}): RequestListener {
  const traced = function tracedListener(this: unknown, req: IncomingMessage, res: ServerResponse) {
    const trace = traceNodeRequest(req, res, options);
    if (!trace) return listener.call(this, req, res);
    return runInTrace(trace, () => {
      let result: unknown;
      try {
        result = listener.call(this, req, res);
      } catch (err) {
        recordIncomingError(trace, err);
        throw err;
      }
      if (result instanceof Promise) {
        return result.catch((err: unknown) => {
          recordIncomingError(trace, err);
          throw err;
        });
      }
      return result;
    });
  };
  return traced;
}
