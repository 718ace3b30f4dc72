import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeTokens, readAuthToken } from './auth-token.js';
import { parseUpOptions, toAddress } from './up-options.js';
import { UsageError } from './usage-error.js';

describe('parseUpOptions', () => {
  it('defaults to the X-Ray daemon address, ./.fluoro and DuckDB', () => {
    const o = parseUpOptions([], {});
    expect(o).toMatchObject({
      udp: { host: '127.0.0.1', port: 2000 },
      http: { host: '127.0.0.1', port: 2000 },
      otlp: { host: '127.0.0.1', port: 4318, optional: true },
      otlpGrpc: { host: '127.0.0.1', port: 4317, optional: true },
      store: 'duckdb',
      memoryLimit: '1GB',
      queueSize: 100_000,
      role: 'all',
      authTokens: undefined,
      authTokenFile: undefined,
      ingestAuth: false,
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
    expect(parseUpOptions(['--otlp-grpc', 'off'], {}).otlpGrpc).toBeUndefined();
    expect(parseUpOptions(['--retention-days', '30'], {}).retentionDays).toBe(30);
    expect(parseUpOptions([], { FLUORO_RETENTION_DAYS: '7' }).retentionDays).toBe(7);
    expect(parseUpOptions(['--otlp-grpc', '5317'], { FLUORO_OTLP_GRPC: 'off' }).otlpGrpc).toEqual({
      optional: false,
      host: '127.0.0.1',
      port: 5317,
    });
  });

  it('keeps only the sampling rates given, so a stored Default is not overwritten by defaults', () => {
    expect(parseUpOptions([], {}).sampling).toEqual({});
    expect(parseUpOptions(['--sampling-rate', '0.05'], {}).sampling).toEqual({ fixedRate: 0.05 });
    expect(parseUpOptions([], { FLUORO_SAMPLING_RESERVOIR: '0' }).sampling).toEqual({ reservoirSize: 0 });
    expect(
      parseUpOptions(['--sampling-rate', '0', '--sampling-reservoir', '2'], { FLUORO_SAMPLING_RATE: '1' })
        .sampling,
    ).toEqual({ fixedRate: 0, reservoirSize: 2 });
  });

  const bad: [string, string[], RegExp][] = [
    ['a sampling rate over 1', ['--sampling-rate', '1.5'], /--sampling-rate must be between 0 and 1/],
    ['an empty sampling rate', ['--sampling-rate', ''], /--sampling-rate must be between 0 and 1/],
    [
      'a fractional reservoir',
      ['--sampling-reservoir', '0.5'],
      /--sampling-reservoir must be a whole number/,
    ],
    ['an unknown store', ['--store', 'sqlite'], /--store must be duckdb or clickhouse/],
    ['clickhouse without a URL', ['--store', 'clickhouse'], /needs --clickhouse-url/],
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
    [
      'a remote OTLP/gRPC address without a token or --allow-remote',
      ['--otlp-grpc', '0.0.0.0:4317'],
      /--otlp-grpc 0\.0\.0\.0 is not a loopback/,
    ],
    ['a bad queue size', ['--queue-size', '0'], /--queue-size/],
    [
      'a public HTTP address without a token or --allow-remote',
      ['--http', '0.0.0.0:2000'],
      /--http 0\.0\.0\.0 is not a loopback address: set an auth token \(FLUORO_AUTH_TOKEN or --auth-token-file PATH\).*or pass --allow-remote/,
    ],
    [
      'a token file that is not there',
      ['--auth-token-file', '/nonexistent/token'],
      /cannot read it \(ENOENT\)/,
    ],
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

describe('parseUpOptions: the auth token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-token-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const TOKEN = '0123456789abcdef0123';
  const full = (token: string) => ({ token, role: 'full' });
  const readOnly = (token: string) => ({ token, role: 'read-only' });
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads FLUORO_AUTH_TOKEN, and lets a token bind HTTP and OTLP beyond loopback', () => {
    const o = parseUpOptions(['--http', '0.0.0.0:2000', '--otlp', '0.0.0.0:4318'], {
      FLUORO_AUTH_TOKEN: TOKEN,
    });
    expect(o).toMatchObject({ authTokens: [full(TOKEN)], allowRemote: false, http: { host: '0.0.0.0' } });
  });

  it('reads --auth-token-file without its trailing newline, over the environment variable', () => {
    const path = file('token', `${TOKEN}\n`);
    expect(parseUpOptions(['--auth-token-file', path], {}).authTokens).toEqual([full(TOKEN)]);
    expect(parseUpOptions(['--auth-token-file', file('crlf', `${TOKEN}\r\n`)], {}).authTokens).toEqual([
      full(TOKEN),
    ]);
    expect(
      parseUpOptions(['--auth-token-file', path], {
        FLUORO_AUTH_TOKEN: 'another-token-of-enough-length',
        FLUORO_READ_ONLY_TOKEN: 'a-read-only-token-of-enough-length',
      }).authTokens,
    ).toEqual([full(TOKEN)]);
    expect(parseUpOptions(['--auth-token-file', path], {}).authTokenFile).toBe(path);
  });

  it('reads one token per line of the file, skipping blank lines and comments (a rotation)', () => {
    const next = 'fedcba9876543210fedcba';
    const path = file('two', `# new, then old\n${next}\n\n  ${TOKEN}  \n`);
    expect(parseUpOptions(['--auth-token-file', path], {}).authTokens).toEqual([full(next), full(TOKEN)]);
    expect(() => parseUpOptions(['--auth-token-file', file('bad-line', `${TOKEN}\nshort\n`)], {})).toThrow(
      /line 2: the auth token must be at least 16 characters, not 5/,
    );
    expect(() => parseUpOptions(['--auth-token-file', file('comments', '# nothing yet\n')], {})).toThrow(
      /the auth token is empty/,
    );
  });

  it('reads "read-only TOKEN" lines as read-only tokens, beside full ones', () => {
    const ro = 'read-only-dashboard-token-0123';
    const path = file('mixed', `# the dashboard\nread-only ${ro}\n${TOKEN}\n  read-only\t${ro}-2  \n`);
    const tokens = parseUpOptions(['--auth-token-file', path], {}).authTokens ?? [];
    expect(tokens).toEqual([readOnly(ro), full(TOKEN), readOnly(`${ro}-2`)]);
    expect(describeTokens(tokens)).toBe('3 tokens accepted: 1 full access, 2 read-only');
    expect(describeTokens([full(TOKEN)] as never)).toBe('1 token accepted: 1 full access, 0 read-only');
    // A client given the file sends its first token, without the word.
    expect(readAuthToken(path, {})).toBe(ro);
    // A file of read-only lines only is allowed (`fluoro up` warns that nothing can be changed).
    expect(parseUpOptions(['--auth-token-file', file('ro', `read-only ${ro}\n`)], {}).authTokens).toEqual([
      readOnly(ro),
    ]);
  });

  it('reads FLUORO_READ_ONLY_TOKEN beside FLUORO_AUTH_TOKEN, or alone', () => {
    const ro = 'read-only-laptop-token-0123';
    expect(parseUpOptions([], { FLUORO_AUTH_TOKEN: TOKEN, FLUORO_READ_ONLY_TOKEN: ro }).authTokens).toEqual([
      full(TOKEN),
      readOnly(ro),
    ]);
    expect(parseUpOptions([], { FLUORO_READ_ONLY_TOKEN: ro }).authTokens).toEqual([readOnly(ro)]);
    // It is a token like the other: loopback is no longer required.
    expect(parseUpOptions(['--http', '0.0.0.0:2000'], { FLUORO_READ_ONLY_TOKEN: ro }).http.host).toBe(
      '0.0.0.0',
    );
  });

  const refused: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['an empty variable', [], { FLUORO_AUTH_TOKEN: '' }, /FLUORO_AUTH_TOKEN: the auth token is empty/],
    [
      'a short read-only variable',
      [],
      { FLUORO_READ_ONLY_TOKEN: 'short' },
      /FLUORO_READ_ONLY_TOKEN: the auth token must be at least 16 characters, not 5/,
    ],
    [
      'one token in both variables',
      [],
      { FLUORO_AUTH_TOKEN: TOKEN, FLUORO_READ_ONLY_TOKEN: TOKEN },
      /FLUORO_READ_ONLY_TOKEN: the same token as FLUORO_AUTH_TOKEN/,
    ],
    [
      'a line with another word before the token',
      ['--auth-token-file', `FILE:readonly ${TOKEN}\n`],
      {},
      /line 1: a line is a token \(full access\) or "read-only" and a token/,
    ],
    [
      'a line with a word after the token',
      ['--auth-token-file', `FILE:${TOKEN} x\n`],
      {},
      /line 1: a line is a token \(full access\) or "read-only" and a token/,
    ],
    [
      '"read-only" with no token',
      ['--auth-token-file', `FILE:${TOKEN}\nread-only\n`],
      {},
      /line 2: a line is a token \(full access\) or "read-only" and a token/,
    ],
    [
      'a short read-only token',
      ['--auth-token-file', 'FILE:read-only short\n'],
      {},
      /line 1: the auth token must be at least 16 characters, not 5/,
    ],
    [
      'one token both full and read-only',
      ['--auth-token-file', `FILE:${TOKEN}\n\nread-only ${TOKEN}\n`],
      {},
      /line 3: the same token as line 1, with another role/,
    ],
    ['a short variable', [], { FLUORO_AUTH_TOKEN: 'short' }, /at least 16 characters, not 5/],
    ['a file holding only a newline', ['--auth-token-file', 'EMPTY'], {}, /the auth token is empty/],
    ['a token with a space', [], { FLUORO_AUTH_TOKEN: `${TOKEN} x` }, /must not contain spaces/],
  ];
  it.each(refused)('refuses %s with a message that does not repeat it', (_name, args, env, message) => {
    const argv = args.map((a) =>
      a === 'EMPTY' ? file('empty', '\n') : a.startsWith('FILE:') ? file('refused', a.slice(5)) : a,
    );
    expect(() => parseUpOptions(argv, env)).toThrow(UsageError);
    expect(() => parseUpOptions(argv, env)).toThrow(message);
    for (const token of [env['FLUORO_AUTH_TOKEN'], env['FLUORO_READ_ONLY_TOKEN'], args.length ? TOKEN : ''])
      if (token) expect(() => parseUpOptions(argv, env)).not.toThrow(token);
  });
});

describe('parseUpOptions: --ingest-auth', () => {
  const TOKEN = '0123456789abcdef0123';

  it('takes --ingest-auth or FLUORO_INGEST_AUTH=1 with a token', () => {
    expect(parseUpOptions(['--ingest-auth'], { FLUORO_AUTH_TOKEN: TOKEN })).toMatchObject({
      authTokens: [{ token: TOKEN, role: 'full' }],
      ingestAuth: true,
    });
    expect(parseUpOptions([], { FLUORO_AUTH_TOKEN: TOKEN, FLUORO_INGEST_AUTH: '1' }).ingestAuth).toBe(true);
    expect(parseUpOptions([], { FLUORO_AUTH_TOKEN: TOKEN, FLUORO_INGEST_AUTH: '0' }).ingestAuth).toBe(false);
    expect(parseUpOptions([], { FLUORO_AUTH_TOKEN: TOKEN }).ingestAuth).toBe(false);
  });

  it.each([
    ['--ingest-auth', ['--ingest-auth'], {}],
    ['FLUORO_INGEST_AUTH=1', [], { FLUORO_INGEST_AUTH: '1' }],
    ['--ingest-auth with --allow-remote', ['--ingest-auth', '--allow-remote'], {}],
  ] as [string, string[], NodeJS.ProcessEnv][])(
    'refuses %s without a token with a usage error',
    (_name, args, env) => {
      expect(() => parseUpOptions(args, env)).toThrow(UsageError);
      expect(() => parseUpOptions(args, env)).toThrow(
        /--ingest-auth \(FLUORO_INGEST_AUTH\) needs an auth token: set FLUORO_AUTH_TOKEN or --auth-token-file PATH/,
      );
    },
  );
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
