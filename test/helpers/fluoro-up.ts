/**
 * Starts the real `fluoro up` (the built CLI, as a user runs it) on free loopback ports in a
 * temporary data directory, and reads the addresses it prints.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { XRayClient } from '@aws-sdk/client-xray';

export const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

export interface RunningFluoro {
  udpAddress: string;
  udpHost: string;
  udpPort: number;
  httpUrl: string;
  /** OTLP/HTTP's own endpoint (`http://127.0.0.1:PORT/v1/traces`). */
  otlpUrl: string;
  /** OTLP/gRPC's address (`127.0.0.1:PORT`). */
  otlpGrpcAddress: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM, wait for exit; resolves the exit code. Keeps the data directory. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** stop() and delete the data directory. */
  dispose(): Promise<void>;
  /** The real AWS SDK X-Ray client pointed at this Fluoro. */
  xray(): XRayClient;
}

export async function startFluoro(
  opts: { dataDir?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningFluoro> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'fluoro-test-'));
  const child = spawn(
    process.execPath,
    [
      CLI,
      'up',
      '--udp',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--otlp',
      '127.0.0.1:0',
      '--otlp-grpc',
      '127.0.0.1:0',
      '--data',
      dataDir,
      '--memory-limit',
      '256MB',
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fluoro up did not get ready:\n${out}`)), 30_000);
    const check = () => {
      if (/^fluoro: ready$/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`fluoro up exited early:\n${out}`));
    });
  });
  const udpAddress = /^fluoro: listening udp (\S+)$/m.exec(out)?.[1] ?? '';
  const httpUrl = /^fluoro: listening http (\S+)$/m.exec(out)?.[1] ?? '';
  const otlpUrl = /^fluoro: listening otlp (\S+)$/m.exec(out)?.[1] ?? '';
  const otlpGrpcAddress = /^fluoro: listening otlp-grpc (\S+)$/m.exec(out)?.[1] ?? '';
  const [udpHost, udpPort] = udpAddress.split(/:(?=\d+$)/);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    udpAddress,
    udpHost: udpHost ?? '127.0.0.1',
    udpPort: Number(udpPort),
    httpUrl,
    otlpUrl,
    otlpGrpcAddress,
    dataDir,
    process: child,
    output: () => out,
    stop,
    dispose: async () => {
      await stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    xray: () =>
      new XRayClient({
        region: 'us-east-1',
        endpoint: httpUrl,
        credentials: { accessKeyId: 'fluoro', secretAccessKey: 'fluoro' },
        maxAttempts: 1,
      }),
  };
}

/** Polls `fn` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Fluoro's own ingest counters (GET /api/stats). */
export async function ingestStats(httpUrl: string): Promise<{
  ingest: {
    received: number;
    accepted: number;
    written: number;
    rejected: Record<string, number>;
    dropped: Record<string, number>;
  };
  queued: number;
}> {
  const r = await fetch(`${httpUrl}/api/stats`);
  return (await r.json()) as never;
}

/** Runs `fluoro demo` against `fluoro` for a couple of seconds (25 requests/s); resolves its output. */
export async function runDemo(fluoro: RunningFluoro): Promise<string> {
  const args = [CLI, 'demo', '--daemon-address', fluoro.udpAddress, '--rate', '25', '--duration', '2'];
  return (await promisify(execFile)(process.execPath, args)).stdout;
}
