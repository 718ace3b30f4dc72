import { type Segment, UnsampledEntity } from '../entity.js';
import { capString } from '../limits.js';
import { recorder } from '../recorder.js';
import { wildcardMatch } from '../sampling/glob.js';
import {
  parseTraceparent,
  parseXRayHeader,
  ruleFromTracestate,
  TRACEPARENT,
  TRACESTATE,
  XRAY_HEADER_LOWER,
} from '../trace-header.js';
import type { GrpcMetadataLike } from './grpc.js';
import {
  endGrpcCall,
  GRPC_CANCELLED,
  GRPC_DEADLINE_EXCEEDED,
  type GrpcStatusLike,
  grpcOutcome,
  parseTarget,
  splitMethodPath,
} from './grpc-status.js';

/** The module given to `grpcServerTracing`: `@grpc/grpc-js` 1.10 or later. */
export interface GrpcServerModuleLike {
  ServerInterceptingCall: new (nextCall: never, responder?: never) => unknown;
}

/** What a server interceptor sees of a call (grpc-js's `ServerInterceptingCallInterface`). */
export interface GrpcServerCallLike {
  getHost?(): string;
  getDeadline?(): Date | number;
  getConnectionInfo?(): { remoteAddress?: string | undefined };
}

/** A server interceptor (grpc-js's `ServerInterceptor`), typed by the module it was made from. */
export type GrpcServerInterceptor<Call> = (method: { path: string }, call: GrpcServerCallLike) => Call;

/** Options for `grpcServerTracing`. */
export interface GrpcServerTracingOptions {
  /** Segment name. Default: the configured name. `AWS_XRAY_TRACING_NAME` wins over both. */
  name?: string;
  /**
   * Methods never traced, as paths (`/package.Service/Method`, wildcards `*` and `?`).
   * Default: `DEFAULT_GRPC_IGNORE_METHODS`, the gRPC health checks.
   */
  ignoreMethods?: readonly string[];
}

/** The standard gRPC health service, which load balancers and Kubernetes probes call all day. */
export const DEFAULT_GRPC_IGNORE_METHODS: readonly string[] = ['/grpc.health.v1.Health/*'];

type Next<T> = (value: T) => void;

/** How close to the deadline a cancel counts as the deadline passing (see `onCancel`). */
const DEADLINE_SLACK_MS = 250;

/**
 * Traces the calls a grpc-js server (1.10 or later) serves, through its server interceptors:
 * `new grpc.Server({ interceptors: [grpcServerTracing(grpc)] })`.
 *
 * - Each call runs its handler in a new segment (named `options.name`, default the configured
 *   name) that continues the trace in the call's metadata (`x-amzn-trace-id`, else W3C
 *   `traceparent`; a `tracestate` naming the rule that decided upstream counts the call for
 *   that rule) and follows its sampling decision; a call with neither is sampled by the
 *   rules, as an HTTP request `POST` to the method's path (`/package.Service/Method`) on the
 *   `:authority` host. The handler, its callbacks and its stream events run in that segment's
 *   context, so `capture()` and outgoing calls nest under it.
 * - The segment has `http.request` (`POST`, `grpc://<authority>/package.Service/Method`, the
 *   client's address and user agent), annotations `rpc_service`, `rpc_method` and `grpc_status`,
 *   and `metadata.grpc` as a client's subsegment has. It ends when the handler sends its
 *   status, with the client's mapping of codes to `error`, `throttle` and `fault`; a handler
 *   that throws (UNKNOWN, which grpc-js sends without the error) or passes an error is a fault
 *   with the status as `cause`. A call the client cancels, or whose deadline passes first,
 *   ends as CANCELLED or DEADLINE_EXCEEDED. The response carries nothing extra.
 * - Methods in `options.ignoreMethods` (default the health checks) and methods the server does
 *   not implement are not traced.
 *
 * Never throws into grpc-js: a failure inside is counted as `grpc_instrumentation_error`.
 */
export function grpcServerTracing<M extends GrpcServerModuleLike>(
  grpc: M,
  options: GrpcServerTracingOptions = {},
): GrpcServerInterceptor<InstanceType<M['ServerInterceptingCall']>> {
  type Call = InstanceType<M['ServerInterceptingCall']>;
  const ServerInterceptingCall = (grpc as Partial<GrpcServerModuleLike> | null)?.ServerInterceptingCall;
  if (typeof ServerInterceptingCall !== 'function') {
    recorder.drop(
      'grpc_unsupported_module',
      'grpcServerTracing() needs the @grpc/grpc-js module, 1.10 or later (server interceptors)',
    );
    return (_method, call) => call as Call;
  }
  const name = options.name;
  const ignore = options.ignoreMethods ?? DEFAULT_GRPC_IGNORE_METHODS;
  return (method, call) => {
    const path = method.path;
    if (!recorder.enabled || ignore.some((pattern) => wildcardMatch(pattern, path)))
      return new ServerInterceptingCall(call as never) as Call;
    return new ServerInterceptingCall(call as never, serverResponder(call, path, name) as never) as Call;
  };
}

/** The responder of one served call: its segment, its listener's context, its end. */
function serverResponder(call: GrpcServerCallLike, path: string, name: string | undefined) {
  let entity: Segment | UnsampledEntity | undefined;
  let ended = false;
  const inContext = (fn: () => void) => (entity === undefined ? fn() : recorder.run(entity, fn));
  const end = (status: GrpcStatusLike) => {
    if (ended) return;
    ended = true;
    if (entity instanceof UnsampledEntity) {
      // Adaptive sampling counts the failures of unsampled calls too.
      if (grpcOutcome(status.code) === 'fault') entity.countAnomaly();
    } else if (entity !== undefined) endGrpcCall(entity, status, false);
  };
  const listener = {
    onReceiveMetadata(metadata: GrpcMetadataLike, next: Next<GrpcMetadataLike>) {
      entity = startServerCall(call, path, name, metadata);
      inContext(() => next(metadata));
    },
    onReceiveMessage: (message: unknown, next: Next<unknown>) => inContext(() => next(message)),
    onReceiveHalfClose: (next: () => void) => inContext(next),
    // grpc-js reports every call's end here, after the status it sent: only a call that ended
    // without one (cancelled, or its deadline passed) is still open.
    onCancel() {
      const deadline = call.getDeadline?.();
      // The server's copy of the deadline is the caller's timeout counted from when the call
      // arrived, so it runs late by the call's transit: a cancel that comes just before it is
      // the caller's deadline passing (seen under load in CI), not the caller giving up.
      const passed = deadline !== undefined && Number(deadline) - DEADLINE_SLACK_MS <= Date.now();
      end({
        code: passed ? GRPC_DEADLINE_EXCEEDED : GRPC_CANCELLED,
        details: passed ? 'Deadline exceeded' : 'Cancelled',
      });
    },
  };
  return {
    start: (next: Next<object>) => next(listener),
    sendStatus(status: GrpcStatusLike, next: Next<GrpcStatusLike>) {
      end(status);
      next(status);
    },
  };
}

function startServerCall(
  call: GrpcServerCallLike,
  path: string,
  name: string | undefined,
  metadata: GrpcMetadataLike,
): Segment | UnsampledEntity | undefined {
  let entity: Segment | UnsampledEntity;
  let authority: string | undefined;
  try {
    const traceContext =
      parseXRayHeader(first(metadata, XRAY_HEADER_LOWER)) ?? parseTraceparent(first(metadata, TRACEPARENT));
    // The rule that decided upstream counts this call's anomalies (adaptive sampling).
    const tracestate = first(metadata, TRACESTATE);
    if (traceContext !== undefined && tracestate !== undefined)
      traceContext.samplingRule = ruleFromTracestate(tracestate);
    authority = call.getHost?.();
    const host = authority ? parseTarget(authority)?.host : undefined;
    entity = recorder.beginSegment({ name, traceContext, sampling: { host, method: 'POST', path } });
  } catch (err) {
    recorder.drop('grpc_instrumentation_error', `grpc server: ${(err as Error).message}`);
    return undefined;
  }
  if (entity instanceof UnsampledEntity) return entity;
  try {
    describeServerCall(entity, call, path, authority, metadata);
  } catch (err) {
    recorder.drop('grpc_instrumentation_error', `grpc server: ${(err as Error).message}`);
  }
  return entity;
}

function describeServerCall(
  segment: Segment,
  call: GrpcServerCallLike,
  path: string,
  authority: string | undefined,
  metadata: GrpcMetadataLike,
): void {
  const request: NonNullable<NonNullable<Segment['http']>['request']> = {
    method: 'POST',
    url: capString(`grpc://${authority ?? ''}${path}`),
  };
  const userAgent = first(metadata, 'user-agent');
  if (userAgent) request.user_agent = capString(userAgent);
  const forwarded = first(metadata, 'x-forwarded-for')?.split(',')[0]?.trim();
  const peer = call.getConnectionInfo?.().remoteAddress;
  if (forwarded) {
    request.client_ip = forwarded;
    request.x_forwarded_for = true;
  } else if (peer) request.client_ip = peer;
  segment.http = { request };
  const { service, method } = splitMethodPath(path);
  segment.addAnnotation('rpc_service', service).addAnnotation('rpc_method', method);
  segment.metadata = { grpc: { service, method } };
}

/** The first value of a metadata key, as text (binary `-bin` keys hold Buffers). */
function first(metadata: GrpcMetadataLike, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}
