import { describe, expect, it } from 'vitest';
import { parseUpOptions, toAddress } from './up-options.js';
import { UsageError } from './usage-error.js';

describe('parseUpOptions', () => {
  it('defaults to the X-Ray daemon address, ./.fluoro and DuckDB', () => {
    const o = parseUpOptions([], {});
    expect(o).toMatchObject({
      udp: { host: '127.0.0.1', port: 2000 },
      http: { host: '127.0.0.1', port: 2000 },
      otlp: { host: '127.0.0.1', port: 4318, optional: true },
      store: 'duckdb',
      memoryLimit: '1GB',
      queueSize: 100_000,
      role: 'all',
      allowRemote: false,
    });
    expect(o.dataDir).toMatch(/\.fluoro$/);
  });

  it('takes flags over environment variables', () => {
    const env = { FLUORO_UDP: '127.0.0.1:3000', FLUORO_HTTP: '4000', FLUORO_ROLE: 'api' };
    expect(parseUpOptions([], env)).toMatchObject({ udp: { port: 3000 }, http: { port: 4000 }, role: 'api' });
    expect(parseUpOptions(['--http', '127.0.0.2:5000', '--role', 'collector'], env)).toMatchObject({
      http: { host: '127.0.0.2', port: 5000 },
      role: 'collector',
    });
    expect(parseUpOptions(['--udp', 'off'], {}).udp).toBeUndefined();
    expect(parseUpOptions(['--otlp', 'off'], {}).otlp).toBeUndefined();
    expect(parseUpOptions([], { FLUORO_OTLP: '127.0.0.1:4319' }).otlp).toEqual({
      optional: false,
      host: '127.0.0.1',
      port: 4319,
    });
  });

  const bad: [string, string[], RegExp][] = [
    ['an unknown store', ['--store', 'sqlite'], /--store must be duckdb or clickhouse/],
    ['clickhouse without a URL', ['--store', 'clickhouse'], /needs --clickhouse-url/],
    ['retention on DuckDB', ['--retention-days', '30'], /clickhouse only/],
    [
      'a zero retention',
      ['--store', 'clickhouse', '--clickhouse-url', 'http://x:8123', '--retention-days', '0'],
      /positive whole number/,
    ],
    ['a bad role', ['--role', 'both'], /--role must be/],
    [
      'a remote OTLP address without --allow-remote',
      ['--otlp', '0.0.0.0:4318'],
      /--otlp 0\.0\.0\.0 is not a loopback/,
    ],
    ['a bad queue size', ['--queue-size', '0'], /--queue-size/],
    ['a public HTTP address', ['--http', '0.0.0.0:2000'], /not a loopback address/],
    ['a port out of range', ['--udp', '127.0.0.1:70000'], /--udp must be host:port/],
  ];
  it.each(bad)('refuses %s with a usage error', (_name, args, message) => {
    expect(() => parseUpOptions(args, {})).toThrow(UsageError);
    expect(() => parseUpOptions(args, {})).toThrow(message);
  });

  it('allows a public address with --allow-remote', () => {
    expect(parseUpOptions(['--http', '0.0.0.0:2000', '--allow-remote'], {}).http.host).toBe('0.0.0.0');
  });
});

describe('toAddress', () => {
  it.each([
    ['2000', '127.0.0.1', 2000],
    ['0', '127.0.0.1', 0],
    ['localhost:2000', 'localhost', 2000],
    ['[::1]:2000', '::1', 2000],
  ])('%s → %s:%d', (text, host, port) => {
    expect(toAddress(text, '--x')).toEqual({ host, port });
  });
});
