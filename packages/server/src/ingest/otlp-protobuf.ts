/**
 * OTLP/HTTP's protobuf body (`Content-Type: application/x-protobuf`), decoded with protobufjs
 * into the same shape as OTLP's JSON form (so one translation serves both). The schema below
 * holds the messages and field numbers of opentelemetry-proto's `trace/v1`, `common/v1`,
 * `resource/v1` and `collector/trace/v1` that Fluoro reads; fields it does not list
 * (dropped counts, flags, trace state) are skipped by the decoder, as protobuf allows.
 */
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package fluoro.otlp;

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Link { bytes trace_id = 1; bytes span_id = 2; repeated KeyValue attributes = 4; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }

message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message RpcStatus { int32 code = 1; string message = 2; }
`;

const root = protobuf.parse(SCHEMA, { keepCase: false }).root;
const Request = root.lookupType('fluoro.otlp.ExportTraceServiceRequest');
const Response = root.lookupType('fluoro.otlp.ExportTraceServiceResponse');
const RpcStatus = root.lookupType('fluoro.otlp.RpcStatus');

/**
 * The request as OTLP/JSON would carry it: camelCase members, 64-bit integers as
 * decimal strings (ids as base64, which `otlpSpans` reads too). Throws (protobufjs's Error or RangeError) on bytes that are not the message.
 */
export function decodeOtlpProtobuf(body: Buffer): unknown {
  const message = Request.decode(body);
  // Ids come out as base64 (padded, so never mistaken for hex); otlpSpans turns them into hex.
  return Request.toObject(message, { longs: String, bytes: String, defaults: false, oneofs: false });
}

/** `ExportTraceServiceResponse`, with `partial_success` when spans were rejected. */
export function encodeOtlpResponse(partial?: { rejectedSpans: number; errorMessage: string }): Uint8Array {
  const payload = partial
    ? { partialSuccess: { rejectedSpans: partial.rejectedSpans, errorMessage: partial.errorMessage } }
    : {};
  return Response.encode(Response.fromObject(payload)).finish();
}

/** `google.rpc.Status`, the body of an OTLP/HTTP error answer. */
export function encodeOtlpStatus(code: number, message: string): Uint8Array {
  return RpcStatus.encode(RpcStatus.fromObject({ code, message })).finish();
}
