/**
 * The official Python X-Ray SDK (aws_xray_sdk 2.x, which has centralized sampling) follows rule
 * changes made with the real AWS SDK, through Fluoro's LastRuleModification: at its next
 * statistics report (every 10 s) it sees a newer modification and fetches the rules again.
 * Debian's python3-aws-xray-sdk (0.95) predates centralized sampling, so this suite runs only
 * where a `python3` with aws_xray_sdk 2.x is on the PATH and is skipped elsewhere, also in CI.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateSamplingRuleCommand, DeleteSamplingRuleCommand } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';

const SAMPLER = fileURLToPath(new URL('./apps/python_sampler.py', import.meta.url));
const available = await promisify(execFile)('python3', [
  '-c',
  'import aws_xray_sdk.core.sampling.connector, botocore',
]).then(
  () => true,
  () => false,
);

describe.skipIf(!available)(
  'aws_xray_sdk 2.x centralized sampling against fluoro up (skipped without python3 and aws_xray_sdk 2.x)',
  () => {
    let fluoro: RunningFluoro;
    let sampler: ChildProcess;
    const decisions: unknown[] = [];
    beforeAll(async () => {
      fluoro = await startFluoro();
      sampler = spawn('python3', [SAMPLER], {
        env: {
          ...process.env,
          AWS_XRAY_DAEMON_ADDRESS: `udp:${fluoro.udpAddress} tcp:${new URL(fluoro.httpUrl).host}`,
          // botocore wants credentials and a region even for the unsigned daemon calls.
          AWS_ACCESS_KEY_ID: 'fluoro',
          AWS_SECRET_ACCESS_KEY: 'fluoro',
          AWS_DEFAULT_REGION: 'us-east-1',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buffered = '';
      sampler.stdout?.on('data', (d: Buffer) => {
        buffered += d;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) decisions.push(JSON.parse(line));
      });
    });
    afterAll(async () => {
      sampler?.kill();
      await fluoro?.dispose();
    });

    /** Waits until the sampler's newest decision is `wanted`. */
    const decides = (wanted: unknown) =>
      eventually(async () => (decisions.at(-1) === wanted ? true : undefined), 60_000).catch((e: Error) => {
        throw new Error(
          `${e.message}; ${decisions.length} decisions, the last ${JSON.stringify(decisions.slice(-3))}`,
        );
      });

    it('stops sampling a path at its next report after a rule is created, and samples it again after it is deleted', async () => {
      // Fluoro's Default rule, fetched at the SDK's start, samples every request.
      await decides('Default');
      const xray = fluoro.xray();
      await xray.send(
        new CreateSamplingRuleCommand({
          SamplingRule: {
            RuleName: 'quiet-worker',
            ResourceARN: '*',
            Priority: 1,
            FixedRate: 0,
            ReservoirSize: 0,
            ServiceName: 'py-worker',
            ServiceType: '*',
            Host: '*',
            HTTPMethod: 'GET',
            URLPath: '/quiet',
            Version: 1,
          },
        }),
      );
      await decides(false);
      expect(decisions.at(-1)).toBe(false);
      await xray.send(new DeleteSamplingRuleCommand({ RuleName: 'quiet-worker' }));
      await decides('Default');
      expect(decisions.at(-1)).toBe('Default');
      xray.destroy();
    }, 150_000);
  },
);
