/** The README's Quick start: `npm start` builds and runs `fluoro up`, prints its addresses, and stops cleanly. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('npm start runs fluoro up, configured by the documented environment variables', async () => {
  const data = mkdtempSync(join(tmpdir(), 'fluoro-readme-'));
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      FLUORO_UDP: '127.0.0.1:0',
      FLUORO_HTTP: '127.0.0.1:0',
      FLUORO_OTLP: '127.0.0.1:0',
      FLUORO_OTLP_GRPC: '127.0.0.1:0',
      FLUORO_DATA: data,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready:\n${out}`)), 120_000);
      child.stdout.on('data', () => {
        if (out.includes('fluoro: ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`exited:\n${out}`)));
    });
    const lines = out.split('\n').filter((l) => l.startsWith('fluoro: '));
    expect(lines[0]).toMatch(/^fluoro: listening udp 127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^fluoro: listening http http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[2]).toMatch(/^fluoro: listening otlp http:\/\/127\.0\.0\.1:\d+\/v1\/traces$/);
    expect(lines[3]).toMatch(/^fluoro: listening otlp-grpc 127\.0\.0\.1:\d+$/);
    expect(lines[4]).toBe(`fluoro: store duckdb ${join(data, 'fluoro.duckdb')}`);
    expect(lines[5]).toBe('fluoro: ready');
    const http = /listening http (\S+)/.exec(out)![1];
    expect(await (await fetch(`${http}/api/health`)).json()).toEqual({ status: 'ok', role: 'all' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    expect(out).toMatch(/fluoro: stopped \(0 documents written\)/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
});

it('refuses a non-loopback HTTP address without an auth token or --allow-remote, with exit status 2', async () => {
  const cli = join(ROOT, 'packages/cli/dist/main.js');
  const child = spawn(process.execPath, [cli, 'up', '--http', '0.0.0.0:0', '--udp', 'off', '--otlp', 'off'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FLUORO_AUTH_TOKEN: undefined, FLUORO_ALLOW_REMOTE: undefined },
  });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(2);
  expect(err).toMatch(
    /not a loopback address: set an auth token \(FLUORO_AUTH_TOKEN or --auth-token-file PATH\)/,
  );
  expect(err).toMatch(/or pass --allow-remote/);
});
