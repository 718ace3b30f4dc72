import { toCause } from '../cause.js';
import type { Segment, Subsegment } from '../entity.js';
import { capString } from '../limits.js';
import { recorder } from '../recorder.js';

/**
 * What the gRPC client and server instrumentations (grpc.ts, grpc-server.ts) share: status codes
 * and what they mean for a segment, and the names read from a method path and a channel target.
 */

/** A call's final status, as grpc-js hands it to interceptors. */
export interface GrpcStatusLike {
  code: number;
  details?: string;
}

/** gRPC's status codes by number (grpc/doc/statuscodes.md). */
export const GRPC_STATUS_NAMES: readonly string[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

export const GRPC_OK = 0;
export const GRPC_CANCELLED = 1;
export const GRPC_DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;

/**
 * The codes that are the server's fault: those OpenTelemetry's semantic conventions for gRPC
 * mark a server span as an error for (https://opentelemetry.io/docs/specs/semconv/rpc/grpc/,
 * "gRPC status"), the ones grpc-gateway and Connect answer with a 5xx. Every other non-OK code is the caller's doing
 * (a bad argument, a missing entity, no permission, a cancelled call): X-Ray's `error`, like a
 * 4xx; RESOURCE_EXHAUSTED (a quota, a rate limit) is also a `throttle`, like a 429.
 */
const FAULT_CODES = new Set([2, 4, 12, 13, 14, 15]);

/** How a call that ended with `code` is recorded, as X-Ray's outcome flags. */
export type GrpcOutcome = 'ok' | 'error' | 'throttle' | 'fault';

/** The outcome of a call that ended with `code`; a code gRPC does not define is a fault. */
export function grpcOutcome(code: number): GrpcOutcome {
  if (code === GRPC_OK) return 'ok';
  if (FAULT_CODES.has(code) || !Number.isInteger(code) || code < 0 || code >= GRPC_STATUS_NAMES.length)
    return 'fault';
  return code === RESOURCE_EXHAUSTED ? 'throttle' : 'error';
}

/** `NOT_FOUND` for 5; `CODE_99` for a code gRPC does not define. */
export function grpcStatusName(code: number): string {
  return GRPC_STATUS_NAMES[code] ?? `CODE_${code}`;
}

/**
 * Records a call's final status on its segment or subsegment: the outcome flags, the code and
 * its name in `metadata.grpc`, and for a failure a `cause` whose exception is the status (type
 * the status name, message its details: all gRPC hands over, no stack). `remote` marks a status
 * the caller received.
 */
export function recordGrpcStatus(
  entity: Segment | Subsegment,
  code: number,
  details: string | undefined,
  remote: boolean,
): void {
  const name = grpcStatusName(code);
  entity.addMetadata('status_code', code, 'grpc');
  entity.addMetadata('status', name, 'grpc');
  const outcome = grpcOutcome(code);
  if (outcome === 'ok') return;
  if (outcome === 'fault') entity.fault = true;
  else {
    entity.error = true;
    if (outcome === 'throttle') entity.throttle = true;
  }
  const error = new Error(capString(details || name));
  error.name = name;
  error.stack = '';
  entity.cause = toCause(error, remote);
}

/**
 * Records a call's final status (`recordGrpcStatus`; a server's segment also gets the
 * `grpc_status` annotation) and ends the segment or subsegment, once. Never throws.
 */
export function endGrpcCall(entity: Segment | Subsegment, status: GrpcStatusLike, remote: boolean): void {
  if (entity.closed) return;
  try {
    recordGrpcStatus(entity, status.code, status.details, remote);
    if (!remote) entity.addAnnotation('grpc_status', grpcStatusName(status.code));
  } catch (err) {
    recorder.drop('grpc_instrumentation_error', `grpc: ${(err as Error).message}`);
  }
  entity.close();
}

/** `{ service: 'orders.v1.Orders', method: 'Get' }` for the path `/orders.v1.Orders/Get`. */
export function splitMethodPath(path: string): { service: string; method: string } {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return { service: '', method: path.slice(slash + 1) };
  return { service: path.slice(path.startsWith('/') ? 1 : 0, slash), method: path.slice(slash + 1) };
}

/** The host and `host:port` a channel target names. */
export interface TargetAddress {
  host: string;
  authority: string;
}

// grpc-js's target grammar: `scheme:` then `//authority/` (both optional), then the address.
const TARGET = /^(?:([A-Za-z0-9+.-]+):)?(?:\/\/[^/]*\/)?(.+)$/;

/**
 * The host a client's channel target calls (`dns:///orders:50051`, `orders:50051`,
 * `ipv4:10.0.0.5:50051,10.0.0.6:50051`, `ipv6:[::1]:50051`), as OpenTelemetry's gRPC
 * instrumentation reads it for `server.address`; undefined for a Unix socket or what is no
 * target (grpc-js's `unknown`).
 */
export function parseTarget(target: string): TargetAddress | undefined {
  const m = TARGET.exec(target);
  if (m === null) return undefined;
  const scheme = m[1]?.toLowerCase();
  if (scheme === 'unix' || scheme === 'unix-abstract' || target === 'unknown') return undefined;
  // A scheme grpc-js does not know is part of the address (`localhost:50051` parses as one).
  const address = (scheme === undefined || /^(dns|ipv4|ipv6|xds)$/.test(scheme) ? m[2]! : target).split(
    ',',
  )[0]!;
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    return end > 1 ? { host: address.slice(1, end), authority: address } : undefined;
  }
  const colon = address.lastIndexOf(':');
  const host = colon < 0 || address.indexOf(':') !== colon ? address : address.slice(0, colon);
  return host === '' ? undefined : { host, authority: address };
}
