import type { Subsegment } from '../entity.js';
import { type ContextEntity, recorder } from '../recorder.js';
import { formatTraceparent, formatXRayHeader } from '../trace-header.js';

/** A started downstream call: its subsegment (when sampled) and the headers to send. */
export interface RemoteCall {
  subsegment: Subsegment | undefined;
  /** `X-Amzn-Trace-Id`. */
  header: string;
  /** W3C `traceparent` naming the same trace, parent and decision; undefined when turned off. */
  traceparent: string | undefined;
}

/**
 * Starts a `namespace: "remote"` subsegment for a downstream HTTP call made from the current
 * context and returns the `X-Amzn-Trace-Id` and `traceparent` values to inject. Undefined when there is no trace
 * (outgoing calls outside a request are not an error), tracing is off, or the call is an AWS
 * SDK call's own request (traceAwsClient records it).
 */
export function startRemoteCall(method: string, url: URL): RemoteCall | undefined {
  if (!recorder.enabled || !recorder.config.instrumentOutgoing) return undefined;
  const parent: ContextEntity | undefined = recorder.storage.getStore();
  if (parent === undefined) return undefined;
  // The HTTP request of a traced AWS SDK call: that call's subsegment already records it.
  if ('namespace' in parent && parent.namespace === 'aws') return undefined;
  const w3c = recorder.config.traceparent;
  if (!parent.sampled)
    return {
      subsegment: undefined,
      header: formatXRayHeader(parent.traceId, parent.id, false),
      traceparent: w3c ? formatTraceparent(parent.traceId, parent.id, false) : undefined,
    };
  const sub = parent.addSubsegment(url.hostname, 'remote');
  // X-Ray's SDKs strip the query string from recorded URLs (it may carry secrets).
  sub.http = {
    request: { method: method.toUpperCase(), url: `${url.protocol}//${url.host}${url.pathname}` },
  };
  return {
    subsegment: sub,
    header: formatXRayHeader(sub.traceId, sub.id, true),
    traceparent: w3c ? formatTraceparent(sub.traceId, sub.id, true) : undefined,
  };
}

/** Records the response status on a remote subsegment (4xx error, 429 throttle, 5xx fault). */
export function recordRemoteResponse(
  sub: Subsegment,
  status: number,
  contentLength: number | undefined,
): void {
  const response: { status: number; content_length?: number } = { status };
  if (contentLength !== undefined && Number.isFinite(contentLength)) response.content_length = contentLength;
  if (sub.http) sub.http.response = response;
  else sub.http = { response };
  sub.setStatus(status);
}
