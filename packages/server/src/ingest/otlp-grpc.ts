import { otlpSpans, type SpanInput } from '@fluoro/model';
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { decodeOtlpProtobuf, encodeOtlpResponse } from './otlp-protobuf.js';
import {
  asFailure,
  type IngestContext,
  ingestSpans,
  MAX_SPAN_BODY_BYTES,
  partialSuccessOf,
  refusedIngest,
} from './span-ingest.js';

/**
 * OTLP over gRPC (`opentelemetry.proto.collector.trace.v1.TraceService/Export`, port 4317 by
 * convention), the default transport of many OpenTelemetry SDKs and of the Collector's OTLP
 * exporter. Messages are decoded by the same protobuf schema as OTLP/HTTP and take the same
 * path: a bad span is counted in `partial_success` while its neighbours are kept, bytes that are
 * not an export are INVALID_ARGUMENT, a full write queue is UNAVAILABLE (every OTLP exporter
 * retries it). gzip and deflate message compression are grpc-js's own.
 */
const TRACE_SERVICE: ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestStream: false,
    responseStream: false,
    // The handler decodes, so that bytes which are not an export get a precise answer.
    requestDeserialize: (bytes: Buffer) => bytes,
    requestSerialize: (bytes: Buffer) => bytes,
    responseSerialize: (message: Uint8Array) =>
      Buffer.from(message.buffer, message.byteOffset, message.length),
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

export interface OtlpGrpcServer {
  /** host:port actually bound. */
  address: string;
  close(): Promise<void>;
}

/** Starts the OTLP/gRPC trace service on host:port (port 0 picks one). */
export async function startOtlpGrpc(host: string, port: number, ctx: IngestContext): Promise<OtlpGrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': MAX_SPAN_BODY_BYTES,
  });
  server.addService(TRACE_SERVICE, {
    Export: (call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
      // With --ingest-auth: metadata `authorization: Bearer <token>`, as OTEL_EXPORTER_OTLP_HEADERS sends it.
      const [authorization] = call.metadata.get('authorization');
      const refused = refusedIngest(
        ctx,
        typeof authorization === 'string' ? authorization : authorization?.toString('utf8'),
        'OTLP/gRPC Export',
      );
      if (refused) {
        callback({
          code: refused.status === 401 ? status.UNAUTHENTICATED : status.PERMISSION_DENIED,
          details: refused.message,
        });
        return;
      }
      let spans: SpanInput[];
      try {
        spans = otlpSpans(decodeOtlpProtobuf(call.request));
      } catch (e) {
        callback({
          code: status.INVALID_ARGUMENT,
          details: `not an OTLP trace export: ${(e as Error).message}`,
        });
        return;
      }
      try {
        callback(null, encodeOtlpResponse(partialSuccessOf(ingestSpans(spans, ctx))));
      } catch (e) {
        const failure = asFailure(e);
        callback({
          code: failure.status === 429 ? status.UNAVAILABLE : status.INTERNAL,
          details: failure.message,
        });
      }
    },
  });
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(target, ServerCredentials.createInsecure(), (err, actual) =>
      err ? reject(err) : resolve(actual),
    );
  });
  return {
    address: host.includes(':') ? `[${host}]:${bound}` : `${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Exporters keep their channel open; do not wait for them to hang up.
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
