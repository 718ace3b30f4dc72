import { type Subsegment, UnsampledEntity } from '../entity.js';
import { type ContextEntity, recorder } from '../recorder.js';
import { formatTraceparent, formatTracestate, formatXRayHeader } from '../trace-header.js';

/** A started downstream call: its subsegment (when sampled) and the headers to send. */
export interface RemoteCall {
  subsegment: Subsegment | undefined;
  /** `X-Amzn-Trace-Id`. */
  header: string;
  /** W3C `traceparent` naming the same trace, parent and decision; undefined when turned off. */
  traceparent: string | undefined;
  /** W3C `tracestate` naming the sampling rule that decided, sent with `traceparent` when known. */
  tracestate: string | undefined;
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
  const tracestate = w3c ? tracestateOf(parent) : undefined;
  if (!parent.sampled)
    return {
      subsegment: undefined,
      header: formatXRayHeader(parent.traceId, parent.id, false),
      traceparent: w3c ? formatTraceparent(parent.traceId, parent.id, false) : undefined,
      tracestate,
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
    tracestate,
  };
}

/**
 * The `tracestate` for calls made from `entity`: the sampling rule that decided its trace, so a
 * callee counts its anomalies for that rule (adaptive sampling), as ADOT's SDKs propagate it.
 */
export function tracestateOf(entity: ContextEntity): string | undefined {
  const rule = entity instanceof UnsampledEntity ? entity.samplingRule : entity.segment.samplingRule;
  return rule === undefined ? undefined : formatTracestate(rule);
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
