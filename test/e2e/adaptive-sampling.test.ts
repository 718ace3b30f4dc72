/**
 * Adaptive sampling end to end: two Fluoro SDK samplers, each polling its own collector over
 * loopback HTTP, two collectors (Fluoro's SamplingTargets) over one DuckDB file. The SDKs count
 * anomalies and report them; the collectors sum them through the store, start one boost for
 * both, and respect the cooldown; the SDKs sample at the boost's rate until its TTL. One clock,
 * moved by the test, drives the samplers and the collectors.
 */

import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CentralizedSampler, LocalSampler } from '@fluoro/sdk';
import { DuckDbStore } from '@fluoro/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplingApi } from '../../packages/server/src/xray-api/sampling.js';

type Api = Awaited<ReturnType<typeof samplingApi>>;
interface Collector {
  server: Server;
  port: number;
  /** The SamplingTargets answers it gave, oldest first. */
  answers: { SamplingTargetDocuments: { RuleName: string; SamplingBoost?: { BoostRate: number } }[] }[];
}

const quiet = { error: () => {}, warn: () => {}, debug: () => {} };
const dir = mkdtempSync(join(tmpdir(), 'fluoro-adaptive-'));
let store: DuckDbStore;
let clock = 0;
const collectors: Collector[] = [];

/** Fluoro's sampling API on a loopback port, as a collector serves it to the SDKs. */
async function collector(api: Api): Promise<Collector> {
  const c: Collector = { server: createServer(), port: 0, answers: [] };
  c.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', async () => {
      const input = { body: JSON.parse(body || '{}') as unknown };
      const out =
        req.url === '/GetSamplingRules'
          ? await api.getSamplingRules(input)
          : await api.getSamplingTargets(input);
      if (req.url === '/SamplingTargets') c.answers.push(out as Collector['answers'][number]);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(out));
    });
  });
  c.server.listen(0, '127.0.0.1');
  await once(c.server, 'listening');
  c.port = (c.server.address() as AddressInfo).port;
  return c;
}

beforeAll(async () => {
  store = await DuckDbStore.open({ path: join(dir, 'fluoro.duckdb') });
  for (let i = 0; i < 2; i++)
    collectors.push(await collector(await samplingApi(store, {}, { nowMs: () => clock })));
});
afterAll(async () => {
  for (const c of collectors) await new Promise<void>((resolve) => c.server.close(() => resolve()));
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('two SDK clients on two collectors: anomalies summed, one boost for both until its TTL, then the cooldown', async () => {
  clock = Date.now();
  const [one, two] = collectors as [Collector, Collector];
  const api = await samplingApi(store);
  await api.createSamplingRule({
    body: {
      SamplingRule: {
        RuleName: 'checkout',
        ResourceARN: '*',
        Priority: 1,
        FixedRate: 0,
        ReservoirSize: 0,
        ServiceName: '*',
        ServiceType: '*',
        Host: '*',
        HTTPMethod: '*',
        URLPath: '/checkout',
        Version: 1,
        SamplingRateBoost: { MaxRate: 1, CooldownWindowMinutes: 2 },
      },
    },
  });
  const sdk = (c: Collector) =>
    new CentralizedSampler({
      host: '127.0.0.1',
      port: c.port,
      fallback: new LocalSampler({ version: 2, default: { fixed_target: 0, rate: 0 } }),
      logger: quiet,
      serviceName: 'shop',
      nowMs: () => clock,
    });
  const [a, b] = [sdk(one), sdk(two)];
  for (const s of [a, b]) expect(await s.refreshRules()).toBe(true);
  const checkout = { serviceName: 'shop', method: 'POST', path: '/checkout' };
  /** `n` requests, of which `failed` end in a fault (counted as the segment would); how many were sampled. */
  const serve = (s: CentralizedSampler, n: number, failed: number) => {
    let sampled = 0;
    for (let i = 0; i < n; i++) {
      const d = s.shouldSample(checkout, clock);
      if (d.sampled) sampled++;
      if (i < failed && d.counter) {
        d.counter.anomalies++;
        if (d.sampled) d.counter.sampledAnomalies++;
      }
    }
    return sampled;
  };
  const boostIn = (c: Collector) => c.answers.at(-1)?.SamplingTargetDocuments[0]?.SamplingBoost?.BoostRate;

  // Client a sees one failure in ten: its report starts a boost (10 wanted of 1: MaxRate 1).
  expect(serve(a, 10, 1)).toBe(0);
  await a.refreshTargets();
  expect(boostIn(one)).toBe(1);
  expect(serve(a, 5, 0)).toBe(5);
  // Client b, on the other collector, gets the same boost with its next report.
  expect(serve(b, 5, 0)).toBe(0);
  clock += 10_000;
  await b.refreshTargets();
  expect(boostIn(two)).toBe(1);
  expect(serve(b, 5, 0)).toBe(5);
  // The boost ends at its TTL, in each SDK, without another report.
  clock += 50_000;
  expect(serve(a, 5, 0)).toBe(0);
  expect(serve(b, 5, 0)).toBe(0);
  // Within the 2-minute cooldown: both report 20 failures, and no boost starts on either collector.
  clock += 10_000;
  serve(a, 20, 20);
  await a.refreshTargets();
  expect(boostIn(one)).toBeUndefined();
  clock += 10_000;
  serve(b, 20, 20);
  await b.refreshTargets();
  expect(boostIn(two)).toBeUndefined();
  // After it: the last minute's anomalies of both clients (20 + 20 + 5) make 10 wanted of 45.
  clock += 41_000;
  serve(a, 5, 5);
  await a.refreshTargets();
  expect(boostIn(one)).toBeCloseTo(10 / 45, 10);
});
