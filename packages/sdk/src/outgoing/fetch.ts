import { subscribe } from 'node:diagnostics_channel';
import type { Subsegment } from '../entity.js';
import { recordRemoteResponse, startRemoteCall } from './remote.js';

/** The parts of undici's request object published on its diagnostics channels. */
interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
  headers?: string | string[];
  addHeader?(name: string, value: string): unknown;
}

const calls = new WeakMap<object, Subsegment>();
let installed = false;

/**
 * Traces global `fetch` (and the `undici` package) through undici's diagnostics channels: each
 * request made inside a trace becomes a `remote` subsegment and carries `X-Amzn-Trace-Id`.
 * Nothing is patched. Installed once.
 */
export function instrumentFetch(): void {
  if (installed) return;
  installed = true;
  subscribe('undici:request:create', (message) => {
    const request = (message as { request: UndiciRequest }).request;
    try {
      const url = new URL(request.path ?? '/', String(request.origin));
      const call = startRemoteCall(request.method ?? 'GET', url);
      if (!call) return;
      // A caller that set either header chose its own propagation: both are left as they are.
      if (!hasHeader(request.headers, 'x-amzn-trace-id') && !hasHeader(request.headers, 'traceparent')) {
        request.addHeader?.('X-Amzn-Trace-Id', call.header);
        if (call.traceparent !== undefined) request.addHeader?.('traceparent', call.traceparent);
        if (call.tracestate !== undefined && !hasHeader(request.headers, 'tracestate'))
          request.addHeader?.('tracestate', call.tracestate);
      }
      if (call.subsegment) calls.set(request, call.subsegment);
    } catch {
      // a request we cannot read is simply not traced
    }
  });
  subscribe('undici:request:headers', (message) => {
    const { request, response } = message as {
      request: object;
      response: { statusCode: number; headers: Buffer[] | string[] };
    };
    const sub = calls.get(request);
    if (sub) recordRemoteResponse(sub, response.statusCode, headerLength(response.headers));
  });
  subscribe('undici:request:trailers', (message) => {
    const request = (message as { request: object }).request;
    const sub = calls.get(request);
    if (!sub) return;
    calls.delete(request);
    sub.close();
  });
  subscribe('undici:request:error', (message) => {
    const { request, error } = message as { request: object; error: unknown };
    const sub = calls.get(request);
    if (!sub) return;
    calls.delete(request);
    sub.addError(error, true);
    sub.close();
  });
}

/** Whether undici's request headers (raw text or name/value pairs) hold `lowerName`. */
function hasHeader(headers: string | string[] | undefined, lowerName: string): boolean {
  if (headers === undefined) return false;
  if (typeof headers === 'string') {
    const text = headers.toLowerCase();
    return text.startsWith(`${lowerName}:`) || text.includes(`\r\n${lowerName}:`);
  }
  for (let i = 0; i < headers.length; i += 2) if (headers[i]?.toLowerCase() === lowerName) return true;
  return false;
}

function headerLength(headers: (Buffer | string)[]): number | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() === 'content-length') {
      const n = Number(String(headers[i + 1]));
      return Number.isFinite(n) ? n : undefined;
    }
  }
  return undefined;
}
