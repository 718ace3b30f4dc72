/**
 * traceAwsClient with the real AWS SDK v3 clients: the X-Ray client against a real `fluoro up`
 * (an AWS-shaped API that runs here), and a DynamoDB client against a Fluoro-traced HTTP server
 * standing in for DynamoDB, which continues the trace from the header the client sent.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetTracesCommand, GetTraceSummariesCommand, XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { type RunningFluoro, startFluoro } from '../../../../test/helpers/fluoro-up.js';
import { configure, flush, traceAwsClient, traceHttp, traceSegment } from '../index.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let collector: UdpCollector;
let fluoro: RunningFluoro;
let dynamo: Server;
let seenHeaders: string[] = [];

beforeAll(async () => {
  collector = await startUdpCollector();
  configure({ daemonAddress: collector.address, sampling: { rules: SAMPLE_ALL, centralized: false } });
  fluoro = await startFluoro();
  // Answers every DynamoDB call with an empty item, traced as the service "table-service".
  dynamo = createServer(
    traceHttp(
      (req, res) => {
        seenHeaders.push(String(req.headers['x-amzn-trace-id']));
        req.resume();
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
      },
      { name: 'table-service' },
    ),
  );
  dynamo.listen(0, '127.0.0.1');
  await once(dynamo, 'listening');
}, 60_000);
afterAll(async () => {
  dynamo?.close();
  await fluoro?.dispose();
  await collector.close();
});
beforeEach(() => {
  collector.clear();
  seenHeaders = [];
});

async function segmentNamed(name: string): Promise<Doc> {
  await flush();
  await collector.waitFor((docs) => docs.some((d) => d.name === name));
  return collector.docs.find((d) => d.name === name)!;
}

test('each call is an aws subsegment named after the service, with operation, region and request id', async () => {
  const xray = traceAwsClient(
    new XRayClient({ endpoint: fluoro.httpUrl, region: 'eu-west-1', credentials, maxAttempts: 1 }),
  );
  traceAwsClient(xray); // twice: harmless
  await traceSegment('reader', async () => {
    await xray.send(new GetTraceSummariesCommand({ StartTime: new Date(0), EndTime: new Date() }));
  });
  const [sub, ...more] = descendants(await segmentNamed('reader'));
  expect(more).toEqual([]);
  expect(sub).toMatchObject({
    name: 'XRay',
    namespace: 'aws',
    aws: { operation: 'GetTraceSummaries', region: 'eu-west-1', request_id: expect.any(String) },
    http: { response: { status: 200 } },
  });
  expect(sub!['error']).toBeUndefined();
});

test('a call the service refuses is an error with the exception as cause; the caller gets it unchanged', async () => {
  const xray = traceAwsClient(
    new XRayClient({ endpoint: fluoro.httpUrl, region: 'eu-west-1', credentials, maxAttempts: 1 }),
  );
  const err = await traceSegment('bad-reader', () =>
    xray.send(new BatchGetTracesCommand({ TraceIds: [] })).then(
      () => undefined,
      (e: Error) => e,
    ),
  );
  expect(err?.name).toBe('InvalidRequestException');
  const [sub] = descendants(await segmentNamed('bad-reader'));
  expect(sub).toMatchObject({
    name: 'XRay',
    error: true,
    http: { response: { status: 400 } },
    cause: { exceptions: [{ type: 'InvalidRequestException', remote: true }] },
  });
  expect(sub!['fault']).toBeUndefined();
});

test('the table is recorded and the callee continues the trace from the X-Amzn-Trace-Id it was sent', async () => {
  const port = (dynamo.address() as AddressInfo).port;
  const client = traceAwsClient(
    new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials }),
  );
  await traceSegment('orders-api', () =>
    client.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: '42' } } })),
  );
  const caller = await segmentNamed('orders-api');
  const [sub] = descendants(caller);
  expect(sub).toMatchObject({
    name: 'DynamoDB',
    namespace: 'aws',
    aws: { operation: 'GetItem', region: 'us-east-1', table_name: 'orders' },
  });
  expect(seenHeaders).toEqual([`Root=${caller.trace_id};Parent=${sub!.id};Sampled=1`]);
  const callee = await segmentNamed('table-service');
  expect(callee).toMatchObject({ trace_id: caller.trace_id, parent_id: sub!.id });
});

test('calls outside a trace are sent untouched and record nothing', async () => {
  const port = (dynamo.address() as AddressInfo).port;
  const client = traceAwsClient(
    new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials }),
  );
  await client.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: '1' } } }));
  expect(seenHeaders).toEqual(['undefined']);
  // Only the stand-in service's own segment (a new trace, as for any untraced caller).
  const callee = await segmentNamed('table-service');
  expect(callee.parent_id).toBeUndefined();
  expect(collector.docs.map((d) => d.name)).toEqual(['table-service']);
});
