import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, createConsoleHandler } from './serve-console.js';

describe('createConsoleHandler', () => {
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fluoro-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Fluoro</title>');
    writeFileSync(join(dir, 'assets', 'index-AbCd1234.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-Zx9_Yw-8.css'), 'body{}');
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    writeFileSync(join(tmpdir(), 'fluoro-secret.txt'), 'secret');
    const handle = createConsoleHandler(dir);
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with the CSP and no caching', async () => {
    const r = await fetch(`${base}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toContain('<title>Fluoro</title>');
  });

  it('answers deep links (/trace/:id, /map?x) with index.html', async () => {
    for (const path of ['/trace/1-5759e988-bd862e3fe1be46a994272793', '/map?last=1h', '/analytics']) {
      const r = await fetch(base + path);
      expect(r.status, path).toBe(200);
      expect(await r.text()).toContain('<title>Fluoro</title>');
    }
  });

  it('serves hashed assets with their type, cached as immutable', async () => {
    const js = await fetch(`${base}/assets/index-AbCd1234.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toBe('console.log(1)');
    const css = await fetch(`${base}/assets/index-Zx9_Yw-8.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const svg = await fetch(`${base}/favicon.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('cache-control')).toBe('no-cache');
  });

  it('404s a missing file with an extension instead of answering HTML', async () => {
    const r = await fetch(`${base}/assets/missing-12345678.js`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toContain('text/plain');
  });

  it('never serves a file outside its directory', async () => {
    for (const path of [
      '/../fluoro-secret.txt',
      '/%2e%2e/fluoro-secret.txt',
      '/assets/..%2f..%2ffluoro-secret.txt',
    ]) {
      const r = await fetch(base + path);
      expect(await r.text(), path).not.toBe('secret');
    }
  });

  it('answers HEAD without a body', async () => {
    const r = await fetch(`${base}/`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('content-length'))).toBeGreaterThan(0);
  });

  it('says how to build the console when it is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'fluoro-console-empty-'));
    const handle = createConsoleHandler(empty);
    const s = createServer((req, res) => void handle(req, res));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const r = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`);
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('npm run build');
    s.close();
    rmSync(empty, { recursive: true, force: true });
  });
});
