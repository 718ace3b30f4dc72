import type { Segment, Subsegment } from '../entity.js';
import { capString } from '../limits.js';
import { tracestateOf } from '../outgoing/remote.js';
import { type ContextEntity, recorder } from '../recorder.js';
import {
  formatTraceparent,
  formatXRayHeader,
  TRACEPARENT,
  TRACESTATE,
  XRAY_HEADER_LOWER,
} from '../trace-header.js';
import { endGrpcCall, type GrpcStatusLike, parseTarget, splitMethodPath } from './grpc-status.js';

/** grpc-js's `Metadata`, as used here. */
export interface GrpcMetadataLike {
  get(key: string): unknown[];
  set(key: string, value: string): void;
  clone(): GrpcMetadataLike;
}

/** The module given to `grpcClientTracing`: `@grpc/grpc-js` (its `InterceptingCall` class). */
export interface GrpcClientModuleLike {
  InterceptingCall: new (nextCall: never, requester?: never) => unknown;
}

/**
 * A client interceptor (grpc-js's `Interceptor`), typed by the `InterceptingCall` class of the
 * module it was made from.
 */
export type GrpcClientInterceptor<Call> = <Options extends { method_definition: { path: string } }>(
  options: Options,
  nextCall: (options: Options) => { getPeer(): string },
) => Call;

type Next<T> = (value: T) => void;

/**
 * Traces the calls a grpc-js client makes, through grpc-js's own client interceptors: give
 * `interceptors: [grpcClientTracing(grpc)]` to each client's constructor (or to one call's
 * options), with the `@grpc/grpc-js` module.
 *
 * - A call made inside a sampled trace is a `namespace: "remote"` subsegment named after the
 *   host of the client's target (`orders` for `dns:///orders:50051`), with `http.request`
 *   (`POST`, `grpc://orders:50051/package.Service/Method`) and `metadata.grpc` (`service`,
 *   `method`, `status_code`, `status`). It ends when the call's status arrives, whatever the
 *   kind of call (unary, client, server or bidirectional stream): OK is ok; UNKNOWN,
 *   DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE and DATA_LOSS a `fault`;
 *   RESOURCE_EXHAUSTED a `throttle` and `error`; every other code an `error`. A failure's
 *   `cause` is the status (name and details).
 * - The call's metadata carries `x-amzn-trace-id: Root=…;Parent=<subsegment>;Sampled=1` and the
 *   same as W3C `traceparent` (with `tracestate` naming the sampling rule that decided, when
 *   known; neither with `configure({ traceparent: false })`), on a copy: the
 *   caller's `Metadata` is never changed. Inside an unsampled trace it carries `Sampled=0` and
 *   nothing is recorded; metadata that already holds either header keeps its own. Outside any
 *   trace the call is left untouched.
 * - The call's callback and stream events run in the caller's context, so work they start stays
 *   in the caller's trace (grpc-js runs those of calls that waited for a connection in the
 *   context of the call that opened it).
 *
 * Never throws into grpc-js: a failure inside is counted as `grpc_instrumentation_error`.
 */
export function grpcClientTracing<M extends GrpcClientModuleLike>(
  grpc: M,
): GrpcClientInterceptor<InstanceType<M['InterceptingCall']>> {
  type Call = InstanceType<M['InterceptingCall']>;
  const InterceptingCall = (grpc as Partial<GrpcClientModuleLike> | null)?.InterceptingCall;
  if (typeof InterceptingCall !== 'function') {
    recorder.drop('grpc_unsupported_module', 'grpcClientTracing() needs the @grpc/grpc-js module');
    // Untouched calls: the next call is one in all but name.
    return (options, nextCall) => nextCall(options) as Call;
  }
  return (options, nextCall) => {
    const next = nextCall(options);
    const parent = recorder.enabled ? recorder.storage.getStore() : undefined;
    if (parent === undefined) return new InterceptingCall(next as never) as Call;
    return new InterceptingCall(next as never, clientRequester(parent, options, next) as never) as Call;
  };
}

/** The requester of a call made in `parent`'s context: headers, subsegment, callbacks' context. */
function clientRequester(
  parent: ContextEntity,
  options: { method_definition: { path: string } },
  next: { getPeer(): string },
) {
  return {
    start(metadata: GrpcMetadataLike, _listener: unknown, start: (m: GrpcMetadataLike, l: object) => void) {
      let sub: Subsegment | undefined;
      let sent = metadata;
      try {
        const path = options.method_definition.path;
        // Before the call starts, grpc-js's peer is the channel's target.
        if ('addSubsegment' in parent) sub = startClientCall(parent, path, next.getPeer());
        // A caller that set either header chose its own propagation: both are left as they are.
        if (metadata.get(XRAY_HEADER_LOWER).length === 0 && metadata.get(TRACEPARENT).length === 0) {
          sent = metadata.clone();
          const id = sub?.id ?? parent.id;
          sent.set(XRAY_HEADER_LOWER, formatXRayHeader(parent.traceId, id, sub !== undefined));
          if (recorder.config.traceparent) {
            sent.set(TRACEPARENT, formatTraceparent(parent.traceId, id, sub !== undefined));
            // The sampling rule that decided, for the callee's adaptive sampling (ADR 0011).
            const tracestate = tracestateOf(parent);
            if (tracestate !== undefined && metadata.get(TRACESTATE).length === 0)
              sent.set(TRACESTATE, tracestate);
          }
        }
      } catch (err) {
        recorder.drop('grpc_instrumentation_error', `grpc client: ${(err as Error).message}`);
      }
      start(sent, {
        onReceiveMetadata: (m: GrpcMetadataLike, next: Next<GrpcMetadataLike>) =>
          recorder.run(parent, () => next(m)),
        onReceiveMessage: (message: unknown, next: Next<unknown>) =>
          recorder.run(parent, () => next(message)),
        onReceiveStatus: (status: GrpcStatusLike, next: Next<GrpcStatusLike>) => {
          if (sub) endGrpcCall(sub, status, true);
          recorder.run(parent, () => next(status));
        },
      });
    },
  };
}

function startClientCall(parent: Segment | Subsegment, path: string, target: string): Subsegment {
  const { service, method } = splitMethodPath(path);
  const address = parseTarget(target);
  const sub = parent.addSubsegment(address?.host ?? (service || 'grpc'), 'remote');
  sub.http = { request: { method: 'POST', url: capString(`grpc://${address?.authority ?? ''}${path}`) } };
  sub.metadata = { grpc: { service, method } };
  return sub;
}
