/**
 * `fluoro demo` against a real `fluoro up`: its three services and worker, traced with
 * @fluoro/sdk over real UDP, arrive as connected traces that BatchGetTraces (the real AWS SDK
 * client) returns with every parent link in place.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BatchGetTracesCommand, GetTraceSummariesCommand } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, eventually, type RunningFluoro, runDemo, startFluoro } from '../helpers/fluoro-up.js';

const run = (...args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args]);

interface Doc {
  id: string;
  name: string;
  parent_id?: string;
  namespace?: string;
  inferred?: boolean;
  annotations?: Record<string, unknown>;
  user?: string;
  subsegments?: Doc[];
}

const flatten = (d: Doc): Doc[] => [d, ...(d.subsegments ?? []).flatMap(flatten)];

describe('fluoro demo', () => {
  let fluoro: RunningFluoro;
  let output: string;
  beforeAll(async () => {
    fluoro = await startFluoro();
    output = await runDemo(fluoro);
  });
  afterAll(() => fluoro?.dispose());

  it('sends checkouts that cross shop-frontend, catalog, payments and the e-mail job in one trace', async () => {
    expect(output).toMatch(/fluoro demo: sent \d+ requests/);
    const xray = fluoro.xray();
    const window = { StartTime: new Date(Date.now() - 600_000), EndTime: new Date(Date.now() + 60_000) };
    // A checkout that went through: it queued an e-mail (40 % of requests are checkouts, 90 %
    // of charges succeed; 50 requests make a trace without one vanishingly unlikely).
    const summary = await eventually(async () => {
      const { TraceSummaries } = await xray.send(
        new GetTraceSummariesCommand({ ...window, FilterExpression: 'service("email-worker")' }),
      );
      return TraceSummaries?.[0];
    });
    const { Traces } = await xray.send(new BatchGetTracesCommand({ TraceIds: [summary.Id!] }));
    const segments = Traces![0]!.Segments!.map((s) => JSON.parse(s.Document!) as Doc);
    const real = segments.filter((s) => !s.inferred);
    const byName = new Map(real.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(['catalog', 'email-worker', 'payments', 'shop-frontend']);
    const frontend = byName.get('shop-frontend')!;
    expect(frontend.user).toMatch(/^customer-\d+$/);
    expect(frontend.annotations).toMatchObject({ tier: expect.any(String), order: expect.any(Number) });
    const calls = flatten(frontend).filter((d) => d.namespace === 'remote');
    // Each callee hangs under the subsegment that called it, named after the host it called.
    for (const callee of ['catalog', 'payments']) {
      const call = calls.find((c) => c.name === callee);
      expect(call, `a remote call to ${callee}`).toBeDefined();
      expect(byName.get(callee)!.parent_id).toBe(call!.id);
    }
    expect(flatten(byName.get('catalog')!).map((d) => d.name)).toContain('SELECT item');
    expect(flatten(byName.get('payments')!).map((d) => d.name)).toContain('charge card');
    // The card processor sends nothing: its segment is the one X-Ray infers from the call.
    const cardCall = flatten(byName.get('payments')!).find((d) => d.name === 'cards.example');
    expect(cardCall?.namespace).toBe('remote');
    const cards = segments.find((s) => s.inferred && s.name === 'cards.example');
    expect(cards?.parent_id).toBe(cardCall!.id);
    // The worker's job continues the request that queued it, under the queue send.
    const worker = byName.get('email-worker')!;
    const enqueue = calls.find((c) => c.name === 'email-queue');
    expect(worker.parent_id).toBe(enqueue!.id);
    expect(flatten(worker).map((d) => d.name)).toEqual(['email-worker', 'render receipt', 'smtp send']);
  });

  it('refuses a bad command line with exit status 2', async () => {
    const failed = await run('demo', '--rate', 'fast').then(
      () => undefined,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('--rate must be between 0 and 1000');
  });
});
