import type { ClientRequest, IncomingMessage } from 'node:http';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { recorder } from '../recorder.js';
import { TRACEPARENT, TRACESTATE, XRAY_HEADER } from '../trace-header.js';
import { recordRemoteResponse, startRemoteCall } from './remote.js';

type HttpModule = typeof import('node:http');
type RequestFn = (...args: unknown[]) => ClientRequest;

const require = createRequire(import.meta.url);
const PATCHED = Symbol.for('fluoro.httpPatched');
let installed = false;

/**
 * Patches `http.request`/`get` and `https.request`/`get` (also for ESM importers, via
 * `syncBuiltinESMExports`) so calls made inside a trace become `remote` subsegments and carry
 * `X-Amzn-Trace-Id`. Calls outside a trace pass straight through. Installed once.
 */
export function instrumentHttpClients(): void {
  if (installed) return;
  installed = true;
  for (const name of ['node:http', 'node:https']) {
    const mod = require(name) as HttpModule & { [PATCHED]?: boolean };
    if (mod[PATCHED]) continue;
    mod[PATCHED] = true;
    const original = mod.request as unknown as RequestFn;
    const defaultProtocol = name === 'node:https' ? 'https:' : 'http:';
    const request = function request(this: unknown, ...args: unknown[]): ClientRequest {
      if (recorder.storage.getStore() === undefined) return original.apply(this, args);
      return tracedRequest(original, this, args, defaultProtocol);
    };
    const get = function get(this: unknown, ...args: unknown[]): ClientRequest {
      const req = request.apply(this, args);
      req.end();
      return req;
    };
    (mod as { request: unknown }).request = request;
    (mod as { get: unknown }).get = get;
  }
  syncBuiltinESMExports();
}

function tracedRequest(
  original: RequestFn,
  self: unknown,
  args: unknown[],
  defaultProtocol: string,
): ClientRequest {
  const req = original.apply(self, args);
  let url: URL;
  try {
    const host = String(req.getHeader('host') ?? req.host);
    url = new URL(`${req.protocol ?? defaultProtocol}//${host}${req.path}`);
  } catch {
    return req;
  }
  const call = startRemoteCall(req.method, url);
  if (!call) return req;
  try {
    // A caller that set either header chose its own propagation: both are left as they are.
    if (
      !req.headersSent &&
      req.getHeader(XRAY_HEADER) === undefined &&
      req.getHeader(TRACEPARENT) === undefined
    ) {
      req.setHeader(XRAY_HEADER, call.header);
      if (call.traceparent !== undefined) req.setHeader(TRACEPARENT, call.traceparent);
      if (call.tracestate !== undefined && req.getHeader(TRACESTATE) === undefined)
        req.setHeader(TRACESTATE, call.tracestate);
    }
  } catch {
    // headers given as a raw array are already serialised; the call is still recorded
  }
  const sub = call.subsegment;
  if (!sub) return req;
  let settled = false;
  const finish = (error?: unknown) => {
    if (settled) return;
    settled = true;
    if (error !== undefined) sub.addError(error, true);
    sub.close();
  };
  req.prependListener('response', (res: IncomingMessage) => {
    const cl = res.headers['content-length'];
    recordRemoteResponse(sub, res.statusCode ?? 0, cl === undefined ? undefined : Number(cl));
    res.once('end', () => finish());
    res.once('close', () => finish());
    res.once('error', (e) => finish(e));
    // Our listener alone must not stop Node from discarding an unread response.
    if (req.listenerCount('response') === 1) res.resume();
  });
  req.once('error', (e) => finish(e));
  req.once('close', () => {
    if (!sub.http?.response) finish();
  });
  return req;
}
