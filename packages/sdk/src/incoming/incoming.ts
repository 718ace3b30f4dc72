import { isAnomaly, type Segment, UnsampledEntity } from '../entity.js';
import { capString } from '../limits.js';
import { recorder } from '../recorder.js';
import { wildcardMatch } from '../sampling/glob.js';
import { formatXRayHeader, parseTraceparent, parseXRayHeader, ruleFromTracestate } from '../trace-header.js';

/** Options shared by every incoming-request middleware. */
export interface IncomingOptions {
  /** Segment name (fixed). Default: the configured name. `AWS_XRAY_TRACING_NAME` wins over both. */
  name?: string;
  /**
   * Dynamic naming: when the request's Host matches this wildcard pattern (`*`, `?`), the host
   * becomes the segment name; otherwise `name` is used.
   */
  hostPattern?: string;
  /** Paths (exact or wildcard, query string ignored) that are never traced. */
  ignorePaths?: readonly string[];
}

/** Health-check paths that are not traced unless `ignorePaths` says otherwise. */
export const DEFAULT_IGNORE_PATHS: readonly string[] = ['/health', '/healthz', '/livez', '/readyz', '/ping'];

/** What the middleware knows about a request, whatever the framework. */
export interface RequestInfo {
  method: string;
  /** Path plus query string, as on the request line. */
  url: string;
  host: string | undefined;
  /** True for TLS connections. */
  secure: boolean;
  userAgent: string | undefined;
  forwardedFor: string | undefined;
  remoteAddress: string | undefined;
  xrayHeader: string | undefined;
  traceparent: string | undefined;
  /** W3C `tracestate`: may name the sampling rule that decided upstream. */
  tracestate: string | undefined;
}

/** A traced request: its segment (or unsampled placeholder) and the response header value. */
export interface IncomingTrace {
  entity: Segment | UnsampledEntity;
  /**
   * `X-Amzn-Trace-Id` for the response: set when the request is sampled (the client can look
   * its trace up) or when the caller asked for the decision with `Sampled=?`, as X-Ray's SDKs
   * answer it. Otherwise undefined: an unsampled trace id names nothing that is stored, and
   * setting a header costs Node more than the rest of an unsampled request.
   */
  responseHeader: string | undefined;
}

const ASKS_FOR_DECISION = /(?:^|;)\s*sampled\s*=\s*\?/i;

/**
 * Starts the segment for a request, or returns undefined when the SDK is disabled or the path
 * is ignored. Never throws.
 */
export function startIncoming(info: RequestInfo, options: IncomingOptions): IncomingTrace | undefined {
  if (!recorder.enabled) return undefined;
  try {
    const q = info.url.indexOf('?');
    const path = q < 0 ? info.url : info.url.slice(0, q);
    if (ignored(options, path)) return undefined;
    const hostname = info.host ? stripPort(info.host) : undefined;
    let name = options.name;
    if (options.hostPattern && hostname && wildcardMatch(options.hostPattern, hostname)) name = hostname;
    const traceContext = parseXRayHeader(info.xrayHeader) ?? parseTraceparent(info.traceparent);
    if (traceContext !== undefined && info.tracestate !== undefined)
      traceContext.samplingRule = ruleFromTracestate(info.tracestate);
    const entity = recorder.beginSegment({
      name,
      traceContext,
      sampling: { host: hostname, method: info.method, path },
    });
    if (entity instanceof UnsampledEntity) {
      const asked = info.xrayHeader !== undefined && ASKS_FOR_DECISION.test(info.xrayHeader);
      return {
        entity,
        responseHeader: asked ? formatXRayHeader(entity.traceId, undefined, false) : undefined,
      };
    }
    const forwarded = info.forwardedFor?.split(',')[0]?.trim();
    const request: NonNullable<NonNullable<Segment['http']>['request']> = {
      method: info.method,
      url: capString(`${info.secure ? 'https' : 'http'}://${info.host ?? 'localhost'}${info.url}`),
    };
    if (info.userAgent) request.user_agent = capString(info.userAgent);
    if (forwarded) {
      request.client_ip = forwarded;
      request.x_forwarded_for = true;
    } else if (info.remoteAddress) request.client_ip = info.remoteAddress;
    entity.http = { request };
    return { entity, responseHeader: formatXRayHeader(entity.traceId, undefined, true) };
  } catch (err) {
    recorder.drop('middleware_error', (err as Error).message);
    return undefined;
  }
}

/** Records the response and ends the segment. Never throws. */
export function endIncoming(
  trace: IncomingTrace,
  status: number | undefined,
  contentLength: number | undefined,
  error?: unknown,
): void {
  const segment = trace.entity;
  if (segment instanceof UnsampledEntity) {
    // Adaptive sampling counts the anomalies of unsampled requests too.
    if (isAnomaly(status, error !== undefined)) segment.countAnomaly();
    return;
  }
  if (segment.closed) return;
  try {
    if (status !== undefined) {
      const response: { status: number; content_length?: number } = { status };
      if (contentLength !== undefined && Number.isFinite(contentLength))
        response.content_length = contentLength;
      if (segment.http) segment.http.response = response;
      else segment.http = { response };
      segment.setStatus(status);
    }
    if (error !== undefined && segment.cause === undefined) segment.addError(error);
    segment.close();
  } catch (err) {
    recorder.drop('middleware_error', (err as Error).message);
  }
}

/** Records an uncaught error on the request's segment (it ends later, with the response). */
export function recordIncomingError(trace: IncomingTrace, error: unknown): void {
  if (trace.entity.sampled && !trace.entity.closed) trace.entity.addError(error);
}

interface IgnoreMatcher {
  exact: Set<string>;
  patterns: string[];
}
const matchers = new WeakMap<IncomingOptions, IgnoreMatcher>();

/** Health-check test, compiled once per middleware options object (it runs on every request). */
function ignored(options: IncomingOptions, path: string): boolean {
  let m = matchers.get(options);
  if (!m) {
    const paths = options.ignorePaths ?? DEFAULT_IGNORE_PATHS;
    m = { exact: new Set(paths), patterns: paths.filter((p) => p.includes('*') || p.includes('?')) };
    matchers.set(options, m);
  }
  if (m.exact.has(path)) return true;
  for (const pattern of m.patterns) if (wildcardMatch(pattern, path)) return true;
  return false;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(1, end) : host;
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
