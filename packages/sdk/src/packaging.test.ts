import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  descendants,
  startUdpCollector,
  type UdpCollector,
} from './test-support/udp-collector.test-helpers.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'fluoro-sdk-package-'));
const installed = join(tmp, 'node_modules/@fluoro/sdk');
let collector: UdpCollector;

// The package as a user gets it: tsc output + package.json, installed under node_modules and
// imported by name from plain Node and from a TypeScript project compiled with tsc.
beforeAll(async () => {
  collector = await startUdpCollector();
  mkdirSync(installed, { recursive: true });
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [
    tsc,
    '-p',
    join(packageDir, 'tsconfig.json'),
    '--outDir',
    join(installed, 'dist'),
    '--tsBuildInfoFile',
    join(tmp, 'sdk.tsbuildinfo'),
    '--declarationMap',
    'false',
    '--sourceMap',
    'false',
  ]);
  cpSync(join(packageDir, 'package.json'), join(installed, 'package.json'));
}, 120_000);
afterAll(async () => {
  await collector.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function node(
  script: string,
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  const file = join(tmp, `script-${Math.random().toString(16).slice(2)}.mjs`);
  writeFileSync(file, script);
  return run(process.execPath, [file], { cwd: tmp, env: { ...process.env, ...env } });
}

describe('@fluoro/sdk as installed', () => {
  test('has no runtime dependencies and ships type declarations', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg['type']).toBe('module');
    expect(Object.keys((pkg['dependencies'] as object | undefined) ?? {})).toEqual([]);
    expect(readFileSync(join(installed, 'dist/index.d.ts'), 'utf8')).toContain(
      'export declare function configure',
    );
  });

  test('a process that exits right after flush() loses no segment', async () => {
    const { stdout } = await node(
      `
      import { capture, configure, flush, stats, traceSegment } from '@fluoro/sdk';
      configure({ name: 'batch-job', sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 1 } }, centralized: false } });
      await Promise.all(Array.from({ length: 200 }, (_, i) => traceSegment('job', async (s) => {
        s.addAnnotation('i', i);
        await capture('step', async () => capture('inner', () => i));
      })));
      // One job big enough to be split into several datagrams.
      await traceSegment('big-job', () => {
        for (let i = 0; i < 400; i++) capture('row-' + i, (s) => s.addMetadata('row', 'r'.repeat(300)));
      });
      await flush();
      await flush();
      console.log(JSON.stringify(stats()));
      process.exit(0);
      `,
      { AWS_XRAY_DAEMON_ADDRESS: collector.address, AWS_XRAY_TRACING_NAME: '' },
    );
    expect(JSON.parse(stdout)).toMatchObject({ dropped: {} });
    await collector.waitFor((docs) => docs.filter((d) => d.name === 'job').length === 200);
    const jobs = collector.docs.filter((d) => d.name === 'job');
    expect(new Set(jobs.map((d) => (d['annotations'] as { i: number }).i)).size).toBe(200);
    for (const job of jobs) expect(descendants(job).map((d) => d.name)).toEqual(['step', 'inner']);
    await collector.waitFor((docs) => docs.some((d) => d.name === 'big-job'));
    const big = collector.docs.find((d) => d.name === 'big-job');
    await collector.waitFor(() => descendants(collector.trace(big!.trace_id!)[0]!).length === 400);
  });

  test('a script that simply ends, without flush(), still sends what it traced', async () => {
    // Segments wait up to 100 ms to leave in a burst on a timer that does not hold the process
    // open; sending when the event loop empties ('beforeExit') is what delivers these.
    await node(
      `
      import { configure, flush, traceSegment } from '@fluoro/sdk';
      configure({ name: 'one-shot', sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 1 } }, centralized: false } });
      await traceSegment('warm-up', () => {});
      await flush(); // the socket is connected: what follows waits for the burst timer
      for (let i = 0; i < 3; i++) await traceSegment('one-shot', (s) => s.addAnnotation('i', i));
      `,
      { AWS_XRAY_DAEMON_ADDRESS: collector.address, AWS_XRAY_TRACING_NAME: '' },
    );
    await collector.waitFor((docs) => docs.filter((d) => d.name === 'one-shot').length === 3);
  });

  test('with no daemon listening a plain Node app runs to completion and nothing throws', async () => {
    const { stdout, stderr } = await node(
      `
      import { createServer, get } from 'node:http';
      import { capture, configure, flush, traceHttp } from '@fluoro/sdk';
      configure({ daemonAddress: 'udp:127.0.0.1:9 tcp:127.0.0.1:9' });
      const server = createServer(traceHttp(async (req, res) => res.end(String(await capture('work', async () => 42)))));
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address();
        let done = 0;
        for (let i = 0; i < 20; i++) get('http://127.0.0.1:' + port + '/', (res) => {
          res.resume();
          res.on('end', async () => {
            if (++done === 20) { await flush(); server.close(); console.log('served ' + done); }
          });
        });
      });
      `,
    );
    expect(stdout.trim()).toBe('served 20');
    // The failed sampling-rules fetch is reported once, not per request.
    expect(stderr.split('\n').filter((l) => l.includes('sampling')).length).toBeLessThanOrEqual(1);
  });

  test('runs TypeScript with decorators under tsx', async () => {
    const file = join(tmp, 'app.mts');
    writeFileSync(
      file,
      `
      import { capture, configure, flush, traceSegment } from '@fluoro/sdk';
      configure({ name: 'tsx-app', sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 1 } }, centralized: false } });
      class Billing {
        @capture('Billing.charge')
        async charge(cents: number): Promise<string> {
          return 'charged ' + cents;
        }
      }
      const result: string = await traceSegment('tsx-job', () => new Billing().charge(250));
      await flush();
      console.log(result);
      `,
    );
    const tsx = join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
    const { stdout } = await run(process.execPath, [tsx, file], {
      cwd: tmp,
      env: { ...process.env, AWS_XRAY_DAEMON_ADDRESS: collector.address },
    });
    expect(stdout.trim()).toBe('charged 250');
    await collector.waitFor((docs) => docs.some((d) => d.name === 'tsx-job'));
    const job = collector.docs.find((d) => d.name === 'tsx-job');
    expect(job?.subsegments?.map((s) => s.name)).toEqual(['Billing.charge']);
  });

  test('type-checks in a strict TypeScript project that imports it by name', () => {
    const consumer = join(tmp, 'consumer.ts');
    writeFileSync(
      consumer,
      `
      import { capture, configure, expressTracing, type TraceEntity } from '@fluoro/sdk';
      configure({ name: 'typed', contextMissing: 'IGNORE' });
      const n: number = capture('n', () => 1);
      const p: Promise<TraceEntity> = capture('p', async (sub) => sub);
      const mw = expressTracing({ ignorePaths: ['/health'] });
      export { n, p, mw };
      `,
    );
    const program = ts.createProgram([consumer], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(repoRoot, 'node_modules/@types')],
      // Library .d.ts files are not re-checked; the consumer is checked against them.
      skipLibCheck: true,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });
});
