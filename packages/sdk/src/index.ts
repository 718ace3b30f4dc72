/**
 * @fluoro/sdk: X-Ray compatible tracing for Node. Segments and subsegments are X-Ray segment
 * documents sent over UDP to Fluoro or to an X-Ray daemon.
 */
import type { RecorderOptions } from './config.js';
import { installOutgoing } from './outgoing/install.js';
import { recorder } from './recorder.js';

export {
  addAnnotation,
  addMetadata,
  type CaptureDecorator,
  capture,
  getCurrent,
  setUser,
  subsegment,
  traceSegment,
  withEntity,
  wrap,
} from './capture.js';
export type { CauseDocument, ExceptionDocument, StackFrame } from './cause.js';
export { parseStack, toCause } from './cause.js';
export type { ContextMissingStrategy, RecorderOptions, SamplingOptions } from './config.js';
export type { AnnotationValue, HttpData, SqlData, TraceEntity } from './entity.js';
export { Segment, Subsegment } from './entity.js';
export { DEFAULT_IGNORE_PATHS, type IncomingOptions } from './incoming/incoming.js';
export { type AmqpModuleLike, type AmqpOptions, traceAmqp } from './instrument/amqp.js';
export { type AwsClientLike, traceAwsClient } from './instrument/aws-sdk.js';
export { type BullMQTelemetry, type BullMQTracingOptions, bullmqTracing } from './instrument/bullmq.js';
export {
  type GrpcClientInterceptor,
  type GrpcClientModuleLike,
  type GrpcMetadataLike,
  grpcClientTracing,
} from './instrument/grpc.js';
export {
  DEFAULT_GRPC_IGNORE_METHODS,
  type GrpcServerCallLike,
  type GrpcServerInterceptor,
  type GrpcServerModuleLike,
  type GrpcServerTracingOptions,
  grpcServerTracing,
} from './instrument/grpc-server.js';
export { type MySQLModuleLike, type MySQLOptions, traceMySQL } from './instrument/mysql.js';
export { type PgModuleLike, type PostgresOptions, tracePostgres } from './instrument/postgres.js';
export { type RedisTraceOptions, traceRedis } from './instrument/redis.js';
export { type TraceLogFields, traceLogFields } from './log-fields.js';
export type { Logger } from './logger.js';
export { expressErrorTracing, expressTracing } from './middleware/express.js';
export { type FastifyTracingPlugin, fastifyTracing } from './middleware/fastify.js';
export { type HonoContextLike, honoTracing } from './middleware/hono.js';
export { type KoaContextLike, koaTracing } from './middleware/koa.js';
export { type RequestListener, traceHttp } from './middleware/node-http.js';
export type { BeginSegmentOptions } from './recorder.js';
export { CentralizedSampler, type SamplingRuleDocument } from './sampling/centralized-sampler.js';
export {
  DEFAULT_LOCAL_RULES,
  LocalSampler,
  type LocalSamplingRule,
  type LocalSamplingRules,
} from './sampling/local-sampler.js';
export type { Sampler, SamplingDecision, SamplingRequest } from './sampling/sampler.js';
export {
  formatTraceparent,
  formatXRayHeader,
  parseTraceparent,
  parseXRayHeader,
  type TraceContext,
} from './trace-header.js';

installOutgoing();

/**
 * Configures the SDK (call once at startup, before the server starts; may be called again).
 * Environment variables win over options: `AWS_XRAY_DAEMON_ADDRESS`, `AWS_XRAY_CONTEXT_MISSING`,
 * `AWS_XRAY_TRACING_NAME`, `AWS_XRAY_SDK_ENABLED`. Never throws.
 */
export function configure(options: RecorderOptions = {}): void {
  recorder.configure(options);
}

/**
 * Resolves once every finished segment has been handed to the OS. Call before a short-lived
 * process exits. Safe to call twice; never rejects.
 */
export function flush(): Promise<void> {
  return recorder.flush();
}

/** Flushes, stops sampling pollers and closes the UDP socket. Safe to call twice. */
export function shutdown(): Promise<void> {
  return recorder.shutdown();
}

/** Datagrams sent and items dropped, by reason (`send_error`, `oversize_metadata`, `backlog`, …). */
export function stats(): { sent: number; dropped: Record<string, number> } {
  return recorder.stats();
}
