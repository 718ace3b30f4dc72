/**
 * The official Node X-Ray SDK sends to a real `fluoro up`; the official AWS SDK X-Ray client
 * reads the traces back. Nothing here imitates either SDK.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  BatchGetTracesCommand,
  CreateGroupCommand,
  GetTraceSummariesCommand,
  type TraceSummary,
} from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { startApp } from '../helpers/start-app.js';

const APP = fileURLToPath(new URL('./apps/node-xray-app.cjs', import.meta.url));

describe('aws-xray-sdk-core → fluoro up → @aws-sdk/client-xray', () => {
  let fluoro: RunningFluoro;
  let app: ChildProcess;
  let appUrl: string;
  const before = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    fluoro = await startFluoro();
    const started = await startApp(APP, [], fluoro.udpAddress);
    app = started.child;
    appUrl = started.url;
  });
  afterAll(async () => {
    app?.kill();
    await fluoro?.dispose();
  });

  it('stores a trace with nested subsegments, annotations, metadata and user, readable through BatchGetTraces and GetTraceSummaries', async () => {
    const { traceId } = (await (
      await fetch(`${appUrl}/ok`, { headers: { 'user-agent': 'e2e-test' } })
    ).json()) as {
      traceId: string;
    };
    const xray = fluoro.xray();
    const traces = await eventually(async () => {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
      return r.Traces?.length === 1 ? r : undefined;
    });
    expect(traces.UnprocessedTraceIds).toEqual([]);
    const trace = traces.Traces![0]!;
    expect(trace.Id).toBe(traceId);
    expect(trace.LimitExceeded).toBe(false);
    expect(trace.Segments).toHaveLength(1);
    const doc = JSON.parse(trace.Segments![0]!.Document!);
    expect(doc.name).toBe('storefront');
    expect(doc.trace_id).toBe(traceId);
    expect(doc.user).toBe('alice');
    expect(doc.annotations).toEqual({ tenant: 'acme', cart_items: 3, premium: true });
    expect(doc.metadata).toEqual({ app: { request: { path: '/ok' } } });
    expect(doc.http.request).toMatchObject({
      method: 'GET',
      url: `${appUrl}/ok`,
      user_agent: 'e2e-test',
      client_ip: '127.0.0.1',
    });
    expect(doc.http.response.status).toBe(200);
    const loadCart = doc.subsegments[0];
    expect(loadCart.name).toBe('load-cart');
    expect(loadCart.annotations).toEqual({ cart_id: 'c-42' });
    expect(loadCart.metadata).toEqual({ default: { items: [1, 2, 3] } });
    expect(loadCart.subsegments[0].name).toBe('price-items');
    expect(loadCart.subsegments[0].end_time - loadCart.subsegments[0].start_time).toBeGreaterThanOrEqual(
      0.015,
    );
    expect(trace.Duration).toBeCloseTo(doc.end_time - doc.start_time, 5);

    const summaries = await xray.send(
      new GetTraceSummariesCommand({ StartTime: before, EndTime: new Date(Date.now() + 60_000) }),
    );
    const s = summaries.TraceSummaries!.find((t) => t.Id === traceId) as TraceSummary;
    expect(s).toBeDefined();
    expect(s.StartTime?.getTime()).toBe(Math.round(doc.start_time * 1000));
    expect(s.Duration).toBeCloseTo(doc.end_time - doc.start_time, 5);
    expect(s.ResponseTime).toBeCloseTo(doc.end_time - doc.start_time, 5);
    expect(s).toMatchObject({ HasFault: false, HasError: false, HasThrottle: false, IsPartial: false });
    expect(s.Http).toEqual({
      HttpURL: `${appUrl}/ok`,
      HttpStatus: 200,
      HttpMethod: 'GET',
      UserAgent: 'e2e-test',
      ClientIp: '127.0.0.1',
    });
    const storefront = { Name: 'storefront', Names: ['storefront'] };
    expect(s.ServiceIds).toEqual([storefront]);
    expect(s.EntryPoint).toEqual(storefront);
    expect(s.Users).toEqual([{ UserName: 'alice', ServiceIds: [storefront] }]);
    expect(s.Annotations).toEqual({
      tenant: [{ AnnotationValue: { StringValue: 'acme' }, ServiceIds: [storefront] }],
      cart_items: [{ AnnotationValue: { NumberValue: 3 }, ServiceIds: [storefront] }],
      premium: [{ AnnotationValue: { BooleanValue: true }, ServiceIds: [storefront] }],
      cart_id: [{ AnnotationValue: { StringValue: 'c-42' }, ServiceIds: [storefront] }],
    });
    expect(s.Revision).toBeGreaterThanOrEqual(1);
    expect(summaries.TracesProcessedCount).toBeGreaterThanOrEqual(1);
    expect(summaries.ApproximateTime).toBeInstanceOf(Date);
  });

  it('records a failing request as a fault with the exception and its stack', async () => {
    const res = await fetch(`${appUrl}/boom`);
    expect(res.status).toBe(500);
    const { traceId } = (await res.json()) as { traceId: string };
    const xray = fluoro.xray();
    const trace = await eventually(async () => {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
      return r.Traces?.[0];
    });
    const doc = JSON.parse(trace.Segments![0]!.Document!);
    expect(doc.fault).toBe(true);
    expect(doc.http.response.status).toBe(500);
    const charge = doc.subsegments.find((x: { name: string }) => x.name === 'charge-card');
    expect(charge.fault).toBe(true);
    const ex = charge.cause.exceptions[0];
    expect(ex.message).toBe('card declined');
    expect(ex.type).toBe('Error');
    expect(ex.stack.length).toBeGreaterThan(0);
    expect(ex.stack[0]).toHaveProperty('path');
    const summaries = await xray.send(
      new GetTraceSummariesCommand({ StartTime: before, EndTime: new Date(Date.now() + 60_000) }),
    );
    const s = summaries.TraceSummaries!.find((t) => t.Id === traceId)!;
    expect(s.HasFault).toBe(true);
    expect(s.HasError).toBe(false);
    expect(s.Http?.HttpStatus).toBe(500);
    const cause = s.FaultRootCauses?.[0]?.Services?.[0];
    expect(cause?.Name).toBe('storefront');
    expect(cause?.EntityPath?.map((e) => e.Name)).toEqual(['storefront', 'charge-card']);
    expect(cause?.EntityPath?.at(-1)?.Exceptions?.[0]?.Message).toBe('card declined');
  });

  it('finds traces with X-Ray filter expressions', async () => {
    const ok = (await (await fetch(`${appUrl}/ok`)).json()) as { traceId: string };
    const boom = (await (await fetch(`${appUrl}/boom`)).json()) as { traceId: string };
    const xray = fluoro.xray();
    const find = async (FilterExpression: string) => {
      const r = await xray.send(
        new GetTraceSummariesCommand({
          StartTime: before,
          EndTime: new Date(Date.now() + 60_000),
          FilterExpression,
        }),
      );
      return new Set(r.TraceSummaries?.map((t) => t.Id));
    };
    await eventually(async () =>
      (await find(`trace.id = "${boom.traceId}"`)).size === 1 ? true : undefined,
    );
    const faults = await find('fault');
    expect(faults.has(boom.traceId)).toBe(true);
    expect(faults.has(ok.traceId)).toBe(false);
    const tenant = await find('annotation.tenant = "acme" AND http.status = 200 AND user = "alice"');
    expect(tenant.has(ok.traceId)).toBe(true);
    expect(tenant.has(boom.traceId)).toBe(false);
    const slowOrBroken = await find('service("storefront") { fault } OR responsetime > 100');
    expect(slowOrBroken.has(boom.traceId)).toBe(true);
    expect(slowOrBroken.has(ok.traceId)).toBe(false);
    await xray.send(new CreateGroupCommand({ GroupName: 'broken', FilterExpression: 'fault OR error' }));
    const grouped = await find('group.name = "broken"');
    expect(grouped.has(boom.traceId)).toBe(true);
    expect(grouped.has(ok.traceId)).toBe(false);
    const rootCause = await find('rootcause.fault.entity { name = "charge-card" }');
    expect(rootCause.has(boom.traceId)).toBe(true);
    expect(rootCause.has(ok.traceId)).toBe(false);
  });

  it('answers bad requests the way the AWS client reads them', async () => {
    const xray = fluoro.xray();
    await expect(xray.send(new BatchGetTracesCommand({ TraceIds: [] }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      xray.send(
        new GetTraceSummariesCommand({
          StartTime: new Date(Date.now() - 60_000),
          EndTime: new Date(),
          FilterExpression: 'responsetime >',
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringMatching(/expected a number .* at column \d+/),
    });
    const r = await xray.send(
      new BatchGetTracesCommand({ TraceIds: ['not-a-trace-id', '1-00000000-000000000000000000000000'] }),
    );
    expect(r.Traces).toEqual([]);
    expect(r.UnprocessedTraceIds).toEqual(['not-a-trace-id', '1-00000000-000000000000000000000000']);
  });
});
