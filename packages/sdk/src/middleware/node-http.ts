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
 * `http.createServer(traceHttp(handler, { name: 'api' }))`. A synchronous throw or a rejected
 * promise from the handler is recorded as a fault and passed on unchanged.
 */
export function traceHttp<Req extends IncomingMessage, Res extends ServerResponse>(
  listener: RequestListener<Req, Res>,
  options: IncomingOptions = {},
): RequestListener<Req, Res> {
  return function tracedListener(this: unknown, req: Req, res: Res) {
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
}
