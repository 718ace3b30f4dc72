import { toCause } from '../cause.js';
import type { Subsegment } from '../entity.js';
import { recorder } from '../recorder.js';
import { formatXRayHeader, XRAY_HEADER } from '../trace-header.js';

/**
 * The part of an AWS SDK for JavaScript v3 client that is instrumented, kept structural so the
 * SDK needs no AWS package: every v3 client (`new DynamoDBClient(...)`, `new SQSClient(...)`)
 * and `DynamoDBDocumentClient` fit.
 */
export interface AwsClientLike {
  middlewareStack: { add(middleware: never, options: never): unknown };
  config?: { region?: unknown };
}

/** Request parameters recorded in the `aws` block (X-Ray's names), when a call has them. */
const RESOURCE_PARAMS: Record<string, string> = {
  TableName: 'table_name',
  QueueUrl: 'queue_url',
  TopicArn: 'topic_arn',
  FunctionName: 'function_name',
  InvocationType: 'invocation_type',
  Bucket: 'bucket_name',
  StreamName: 'stream_name',
  StateMachineArn: 'state_machine_arn',
};

const PATCHED = Symbol.for('fluoro.awsClientTraced');

type Handler = (args: { input?: unknown; request?: unknown }) => Promise<{ output?: unknown }>;
interface Context {
  clientName?: string;
  commandName?: string;
}
interface Metadata {
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

/**
 * Traces an AWS SDK v3 client: `traceAwsClient(new DynamoDBClient({}))`, as X-Ray's
 * `captureAWSv3Client`. Each call made inside a trace becomes an `aws` subsegment named after
 * the service (`DynamoDB`, `SQS`, …) with an `aws` block (operation, region, request id,
 * retries, and the table, queue, topic, function or bucket it was about) and the HTTP status.
 * The service map shows the resource as its own node (`AWS::DynamoDB::Table`, …). A failed
 * call is an error (4xx), a throttle (429 or a throttling error) or a fault (5xx, network),
 * with the error as `cause`; the caller gets it unchanged. The call carries `X-Amzn-Trace-Id`,
 * so a service that reads it (Lambda, API Gateway, another Fluoro-traced service) continues
 * the trace. Returns the client; tracing a client twice is harmless.
 */
export function traceAwsClient<T extends AwsClientLike>(client: T): T {
  const marked = client as T & { [PATCHED]?: true };
  if (marked[PATCHED]) return client;
  Object.defineProperty(marked, PATCHED, { value: true });
  const middleware = (next: Handler, context: Context): Handler =>
    async function fluoroAwsTracing(args) {
      const parent = recorder.enabled ? recorder.storage.getStore() : undefined;
      if (parent === undefined) return next(args);
      const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers;
      if (!parent.sampled) {
        if (headers) headers[XRAY_HEADER] = formatXRayHeader(parent.traceId, parent.id, false);
        return next(args);
      }
      let sub: Subsegment;
      try {
        sub = parent.addSubsegment(serviceName(context.clientName), 'aws');
        sub.aws = await describeCall(client, context, args.input);
        if (headers) headers[XRAY_HEADER] = formatXRayHeader(sub.traceId, sub.id, true);
      } catch (err) {
        recorder.drop('instrumentation_error', `aws-sdk: ${(err as Error).message}`);
        return next(args);
      }
      try {
        // In the subsegment's context: the HTTP request under it is not recorded twice.
        const result = await recorder.storage.run(sub, next, args);
        recordResponse(sub, (result.output as Metadata | undefined)?.$metadata, undefined);
        sub.close();
        return result;
      } catch (err) {
        recordResponse(sub, (err as Metadata | null)?.$metadata, err);
        sub.close();
        throw err;
      }
    };
  // `build`: after the request is serialised (so the header can be added), before the retry
  // loop (so one call is one subsegment, its attempts counted as `retries`).
  client.middlewareStack.add(
    middleware as never,
    { step: 'build', name: 'fluoroAwsTracing', tags: ['FLUORO', 'TRACING'] } as never,
  );
  return client;
}

/** `DynamoDBClient` → `DynamoDB`; X-Ray names AWS subsegments after the service. */
function serviceName(clientName: string | undefined): string {
  if (!clientName) return 'AWS';
  return clientName.replace(/(Document)?Client$/, '') || clientName;
}

async function describeCall(
  client: AwsClientLike,
  context: Context,
  input: unknown,
): Promise<Record<string, string | number>> {
  const aws: Record<string, string | number> = {};
  if (context.commandName) aws['operation'] = context.commandName.replace(/Command$/, '');
  const region = client.config?.region;
  const resolved = typeof region === 'function' ? await (region as () => unknown)() : region;
  if (typeof resolved === 'string') aws['region'] = resolved;
  if (input !== null && typeof input === 'object') {
    for (const [param, field] of Object.entries(RESOURCE_PARAMS)) {
      const value = (input as Record<string, unknown>)[param];
      if (typeof value === 'string') aws[field] = value;
    }
  }
  return aws;
}

function recordResponse(sub: Subsegment, meta: Metadata['$metadata'], error: unknown): void {
  const aws = sub.aws ?? {};
  if (meta?.requestId) aws['request_id'] = meta.requestId;
  if (typeof meta?.attempts === 'number' && meta.attempts > 1) aws['retries'] = meta.attempts - 1;
  const status = meta?.httpStatusCode;
  if (status !== undefined) {
    sub.http = { response: { status } };
    sub.setStatus(status);
  }
  if (error === undefined) return;
  const name = (error as { name?: unknown }).name;
  if (typeof name === 'string' && /Throttl|TooManyRequests/.test(name)) {
    sub.error = true;
    sub.throttle = true;
  }
  // A 4xx is the caller's error; anything else (5xx, no answer at all) is a fault.
  if (status === undefined || status >= 500) sub.fault = true;
  else sub.error = true;
  sub.cause = toCause(error, true);
}
