/**
 * The official Node SDK with its default (centralized) sampling asks Fluoro for the rules on the
 * daemon address; Fluoro's Default rule traces every request, and a rule created with the real
 * AWS SDK changes what the running app records.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  BatchGetTracesCommand,
  CreateSamplingRuleCommand,
  DeleteSamplingRuleCommand,
  type XRayClient,
} from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { startApp } from '../helpers/start-app.js';

const APP = fileURLToPath(new URL('./apps/node-xray-app.cjs', import.meta.url));

describe('centralized sampling against fluoro up', () => {
  let fluoro: RunningFluoro;
  let app: ChildProcess;
  let appUrl: string;
  beforeAll(async () => {
    fluoro = await startFluoro();
    process.env['FLUORO_TEST_CENTRALIZED'] = '1';
    // The SDK's own rule poll every 200 ms rather than every 5 minutes (see the app).
    process.env['FLUORO_TEST_RULE_POLL_MS'] = '200';
    try {
      // The SDK's two-address form: segments over UDP, sampling rules over TCP (Fluoro's HTTP port).
      // With the defaults both are 127.0.0.1:2000 and the plain form does the same.
      const daemon = `udp:${fluoro.udpAddress} tcp:${new URL(fluoro.httpUrl).host}`;
      const started = await startApp(APP, [], daemon);
      app = started.child;
      appUrl = started.url;
    } finally {
      delete process.env['FLUORO_TEST_CENTRALIZED'];
      delete process.env['FLUORO_TEST_RULE_POLL_MS'];
    }
  });
  afterAll(async () => {
    app?.kill();
    await fluoro?.dispose();
  });

  it('serves the SDK rules and targets under which every request is traced', async () => {
    const rules = (await (
      await fetch(`${fluoro.httpUrl}/GetSamplingRules`, { method: 'POST', body: '{}' })
    ).json()) as {
      SamplingRuleRecords: { SamplingRule: { RuleName: string; FixedRate: number; ReservoirSize: number } }[];
    };
    expect(rules.SamplingRuleRecords.map((r) => r.SamplingRule)).toMatchObject([
      { RuleName: 'Default', FixedRate: 1, ReservoirSize: 1 },
    ]);
    const xray = fluoro.xray();
    const traced = async () => {
      const { traceId } = (await (await fetch(`${appUrl}/ok`)).json()) as { traceId: string };
      return traceId;
    };
    // The SDK fetches the rules in the background after it starts: wait until they are applied,
    // which shows as five requests at once all being traced (its fallback takes 1/s, then 5%).
    await eventually(async () => {
      const ids = await Promise.all(Array.from({ length: 5 }, traced));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: ids }));
      return r.Traces?.length === 5 ? true : undefined;
    }, 60_000);
    const ids = await Promise.all(Array.from({ length: 20 }, traced));
    const found = new Set<string>();
    await eventually(async () => {
      for (let i = 0; i < ids.length; i += 5) {
        const r = await xray.send(new BatchGetTracesCommand({ TraceIds: ids.slice(i, i + 5) }));
        for (const t of r.Traces ?? []) found.add(t.Id!);
      }
      return found.size === 20 ? true : undefined;
    });
    expect(found.size).toBe(20);
  });

  /** How many of these traces Fluoro has stored. */
  const storedCount = async (xray: XRayClient, ids: string[]) => {
    let n = 0;
    for (let i = 0; i < ids.length; i += 5) {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: ids.slice(i, i + 5) }));
      n += r.Traces?.length ?? 0;
    }
    return n;
  };

  it('stops recording a path under a rule that samples none of it, and records it again once the rule is deleted', async () => {
    const xray = fluoro.xray();
    const quiet = async () =>
      (await (await fetch(`${appUrl}/quiet`)).json()) as { traceId: string; sampled: boolean };
    const burst = () => Promise.all(Array.from({ length: 10 }, quiet));
    await xray.send(
      new CreateSamplingRuleCommand({
        SamplingRule: {
          RuleName: 'quiet-path',
          ResourceARN: '*',
          Priority: 1,
          FixedRate: 0,
          ReservoirSize: 0,
          ServiceName: '*',
          ServiceType: '*',
          Host: '*',
          HTTPMethod: 'GET',
          URLPath: '/quiet',
          Version: 1,
        },
      }),
    );
    // The app's next rule poll brings the rule; from then on the path is not sampled.
    await eventually(async () => ((await quiet()).sampled ? undefined : true), 30_000);
    const unsampled = await burst();
    expect(unsampled.map((r) => r.sampled)).toEqual(Array(10).fill(false));
    // A request on another path, sent after them, is recorded (the Default rule still applies).
    // Once it is stored, anything the app sent before it over the same socket would be too.
    const { traceId: marker } = (await (await fetch(`${appUrl}/ok`)).json()) as { traceId: string };
    await eventually(async () => ((await storedCount(xray, [marker])) === 1 ? true : undefined));
    expect(
      await storedCount(
        xray,
        unsampled.map((r) => r.traceId),
      ),
    ).toBe(0);

    await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'quiet-path' }));
    await eventually(async () => ((await quiet()).sampled ? true : undefined), 30_000);
    const sampled = await burst();
    expect(sampled.map((r) => r.sampled)).toEqual(Array(10).fill(true));
    await eventually(async () =>
      (await storedCount(
        xray,
        sampled.map((r) => r.traceId),
      )) === 10
        ? true
        : undefined,
    );
    expect(
      await storedCount(
        xray,
        sampled.map((r) => r.traceId),
      ),
    ).toBe(10);
  });
});
