/**
 * `fluoro up` with FLUORO_AUTH_TOKEN: the query API, Fluoro's API and the console need the
 * token (as a bearer, or as the secret key of the real AWS SDK's SigV4 signature), while ingest
 * (UDP, PutTraceSegments), sampling, /api/health and the console's files stay open. A read-only
 * token (`read-only TOKEN` in the file) reads the same routes and is refused every change with
 * AccessDeniedException; the console shows it no edit controls; SIGHUP can make a token read-only.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BatchGetTracesCommand,
  CreateGroupCommand,
  CreateSamplingRuleCommand,
  DeleteGroupCommand,
  DeleteSamplingRuleCommand,
  GetGroupsCommand,
  GetSamplingRulesCommand,
  GetTraceSummariesCommand,
  PutTraceSegmentsCommand,
  type SamplingRule,
  UpdateGroupCommand,
  UpdateSamplingRuleCommand,
  XRayClient,
  XRayServiceException,
} from '@aws-sdk/client-xray';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, poll, withChromium } from '../helpers/chromium.js';
import { CLI, eventually, type RunningFluoro, startFluoro } from '../helpers/fluoro-up.js';
import { requireOrSkip } from '../helpers/require-or-skip.js';

const TOKEN = 'e2e-auth-token-0123456789abcdef';
const t = Math.floor(Date.now() / 1000) - 60;
const udpTraceId = `1-${t.toString(16)}-00000000000000000000a001`;
const putTraceId = `1-${t.toString(16)}-00000000000000000000a002`;

const segment = (traceId: string, id: string, name: string) => ({
  trace_id: traceId,
  id,
  name,
  start_time: t,
  end_time: t + 0.25,
  http: { request: { method: 'GET', url: `http://${name}/` }, response: { status: 200 } },
});

/** The CLI as a user runs it, with only the variables given (no token leaks in from the test's env). */
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  promisify(execFile)(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'], ...env } });

describe('fluoro up with an auth token', () => {
  let fluoro: RunningFluoro;
  const tokenDir = mkdtempSync(join(tmpdir(), 'fluoro-auth-'));
  const xray = (secretAccessKey: string) =>
    new XRayClient({
      region: 'us-east-1',
      endpoint: fluoro.httpUrl,
      credentials: { accessKeyId: 'anything', secretAccessKey },
      maxAttempts: 1,
    });
  const summariesCommand = () =>
    new GetTraceSummariesCommand({
      StartTime: new Date((t - 600) * 1000),
      EndTime: new Date((t + 600) * 1000),
    });
  const bearer = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    fluoro = await startFluoro({ env: { FLUORO_AUTH_TOKEN: TOKEN } });
    // UDP, as every X-Ray SDK sends: no way to carry a token.
    const socket = createSocket('udp4');
    const datagram = `{"format":"json","version":1}\n${JSON.stringify(segment(udpTraceId, '000000000000a001', 'udp-svc'))}`;
    await new Promise<void>((resolve, reject) =>
      socket.send(datagram, fluoro.udpPort, fluoro.udpHost, (e) => (e ? reject(e) : resolve())),
    );
    socket.close();
  }, 60_000);
  afterAll(async () => {
    await fluoro?.dispose();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  it('says at start that auth is on, without printing the token', () => {
    expect(fluoro.output()).toMatch(/^fluoro: auth token required for the query API and console/m);
    expect(fluoro.output()).not.toContain(TOKEN);
  });

  it('takes PutTraceSegments without a token, and signed with any secret as the daemon does', async () => {
    const r = await fetch(`${fluoro.httpUrl}/TraceSegments`, {
      method: 'POST',
      body: JSON.stringify({
        TraceSegmentDocuments: [JSON.stringify(segment(putTraceId, '000000000000a002', 'put-svc'))],
      }),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ UnprocessedTraceSegments: [] });
    const other = `1-${t.toString(16)}-00000000000000000000a003`;
    await expect(
      xray('the-daemons-own-aws-secret').send(
        new PutTraceSegmentsCommand({
          TraceSegmentDocuments: [JSON.stringify(segment(other, '000000000000a003', 'daemon-svc'))],
        }),
      ),
    ).resolves.toMatchObject({ UnprocessedTraceSegments: [] });
    const sampling = await fetch(`${fluoro.httpUrl}/GetSamplingRules`, { method: 'POST', body: '{}' });
    expect(sampling.status).toBe(200);
  });

  it('lets the real @aws-sdk/client-xray read traces with the token as its secret key, UDP ones included', async () => {
    const found = await eventually(async () => {
      const r = await xray(TOKEN).send(summariesCommand());
      const ids = (r.TraceSummaries ?? []).map((s) => s.Id);
      return ids.includes(udpTraceId) && ids.includes(putTraceId) ? ids : undefined;
    });
    expect(found).toContain(udpTraceId);
    const traces = await xray(TOKEN).send(new BatchGetTracesCommand({ TraceIds: [udpTraceId] }));
    expect(traces.Traces?.[0]?.Segments?.[0]?.Document).toContain('udp-svc');
  });

  it('gives the AWS SDK a typed 403 for a wrong secret', async () => {
    const e = await xray('fluoro')
      .send(summariesCommand())
      .catch((err: unknown) => err);
    expect(e).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
  });

  it('answers 401 without a token and 200 with the bearer on every query route, /api/health stays open', async () => {
    const routes: [string, string, unknown?][] = [
      ['POST', '/TraceSummaries', { StartTime: t - 600, EndTime: t + 600 }],
      ['POST', '/Traces', { TraceIds: [putTraceId] }],
      ['POST', '/ServiceGraph', { StartTime: t - 600, EndTime: t + 600 }],
      ['POST', '/TraceGraph', { TraceIds: [putTraceId] }],
      ['POST', '/TimeSeriesServiceStatistics', { StartTime: t - 600, EndTime: t + 600 }],
      ['POST', '/Groups', {}],
      ['POST', '/CreateGroup', { GroupName: 'auth-test', FilterExpression: 'ok' }],
      ['GET', '/api/stats'],
      ['GET', '/api/service-stats'],
      ['GET', `/api/service-times?traceId=${putTraceId}`],
      ['GET', '/api/segments?service=auth-test'],
    ];
    for (const [method, path, body] of routes) {
      const init = { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
      const none = await fetch(fluoro.httpUrl + path, init);
      expect(none.status, `${path} without a token`).toBe(401);
      expect(none.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
      const wrong = await fetch(fluoro.httpUrl + path, {
        ...init,
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.status, `${path} with a wrong token`).toBe(403);
      const ok = await fetch(fluoro.httpUrl + path, { ...init, headers: bearer });
      expect(ok.status, `${path} with the token`).toBe(200);
    }
    const health = await fetch(`${fluoro.httpUrl}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', role: 'all' });
    const consoleFiles = await fetch(`${fluoro.httpUrl}/`);
    expect(consoleFiles.status).toBe(200);
    expect(consoleFiles.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('runs fluoro traces and fluoro trace with the token, and says what to set without it', async () => {
    const listed = await run(['traces', '--url', fluoro.httpUrl], { FLUORO_AUTH_TOKEN: TOKEN });
    expect(listed.stdout).toContain(udpTraceId);
    const tokenFile = join(tokenDir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const one = await run(['trace', putTraceId, '--url', fluoro.httpUrl, '--auth-token-file', tokenFile]);
    expect(one.stdout).toContain(`trace ${putTraceId}`);
    await expect(run(['traces', '--url', fluoro.httpUrl])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /requires an auth token: set FLUORO_AUTH_TOKEN \(or FLUORO_READ_ONLY_TOKEN\) or pass --auth-token-file PATH/,
      ),
    });
    await expect(
      run(['traces', '--url', fluoro.httpUrl], { FLUORO_AUTH_TOKEN: 'a-wrong-token-of-enough-length' }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/refused the auth token/) });
  });

  it.runIf(requireOrSkip(hasChromium(), `Chromium (${CHROMIUM})`))(
    'the console in Chromium asks for the token, refuses a wrong one, then lists traces and signs out',
    () => withChromium(signInThroughConsole),
    120_000,
  );

  async function signInThroughConsole(browser: Browser): Promise<void> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${fluoro.httpUrl}/?last=1h`);
    const dialog = page.getByRole('dialog', { name: 'Sign in' });
    await dialog.waitFor({ timeout: 20_000 });
    // Behind the form the page waits for the token: the 401 is not shown as a filter error.
    await page.getByText("Sign in to see this Fluoro's traces.").waitFor({ timeout: 20_000 });
    expect(await page.locator('main').textContent()).not.toMatch(/requires its auth token/);
    const input = dialog.getByLabel('Auth token');
    await input.fill('not-the-right-token-at-all');
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => dialog.getByRole('alert').textContent(), { timeout: 20_000 })
      .toMatch(/not the token this Fluoro was started with/);
    await input.fill(TOKEN);
    await input.press('Enter');
    await dialog.waitFor({ state: 'detached', timeout: 20_000 });
    await page.locator(`tr[data-trace-id="${udpTraceId}"]`).waitFor({ timeout: 20_000 });
    expect(await page.evaluate("sessionStorage.getItem('fluoro.authToken')")).toBe(TOKEN);
    // A reload keeps the token for the tab; signing out forgets it and asks again.
    await page.reload();
    await page.locator(`tr[data-trace-id="${putTraceId}"]`).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await dialog.waitFor({ timeout: 20_000 });
    expect(await page.evaluate("sessionStorage.getItem('fluoro.authToken')")).toBeNull();
    expect(pageErrors).toEqual([]);
    await page.close();
  }
});

describe('fluoro up rotating its auth token on SIGHUP', () => {
  const NEXT = 'e2e-next-token-fedcba9876543210';
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-rotate-'));
  const tokenFile = join(dir, 'token');
  let fluoro: RunningFluoro;
  const status = async (token: string) =>
    (await fetch(`${fluoro.httpUrl}/api/stats`, { headers: { authorization: `Bearer ${token}` } })).status;
  /** Rewrites the file, sends SIGHUP and waits for the process to say it read it. */
  const rotate = async (text: string, said: RegExp) => {
    writeFileSync(tokenFile, text);
    const before = fluoro.output().length;
    fluoro.process.kill('SIGHUP');
    await eventually(async () => (said.test(fluoro.output().slice(before)) ? true : undefined));
  };

  beforeAll(async () => {
    writeFileSync(tokenFile, `${TOKEN}\n`);
    fluoro = await startFluoro({ args: ['--auth-token-file', tokenFile] });
  }, 60_000);
  afterAll(async () => {
    await fluoro?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts both tokens while both are in the file, then only the one left', async () => {
    expect(await status(TOKEN)).toBe(200);
    expect(await status(NEXT)).toBe(403);
    await rotate(`# new first, old until every client moved\n${NEXT}\n${TOKEN}\n`, /2 tokens accepted/);
    expect(await status(NEXT)).toBe(200);
    expect(await status(TOKEN)).toBe(200);
    await rotate(`${NEXT}\n`, /auth tokens read again from /);
    expect(await status(NEXT)).toBe(200);
    expect(await status(TOKEN)).toBe(403);
  });

  it('keeps its tokens when the file is broken, and says so without printing a token', async () => {
    await rotate('too-short\n', /auth tokens not changed: .*line 1: the auth token must be at least 16/);
    expect(await status(NEXT)).toBe(200);
    expect(fluoro.output()).not.toContain(NEXT);
    expect(fluoro.output()).not.toContain(TOKEN);
    expect(fluoro.process.exitCode).toBeNull();
  });
});

describe('fluoro up with a read-only token', () => {
  const READER = 'e2e-read-only-token-0123456789ab';
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-read-only-'));
  const tokenFile = join(dir, 'tokens');
  const traceId = `1-${t.toString(16)}-00000000000000000000d001`;
  let fluoro: RunningFluoro;
  const xray = (secretAccessKey: string) =>
    new XRayClient({
      region: 'us-east-1',
      endpoint: fluoro.httpUrl,
      credentials: { accessKeyId: 'on-call-laptop', secretAccessKey },
      maxAttempts: 1,
    });
  const rule = (name: string): SamplingRule => ({
    RuleName: name,
    Priority: 500,
    FixedRate: 0.5,
    ReservoirSize: 1,
    ServiceName: 'checkout',
    ServiceType: '*',
    Host: '*',
    HTTPMethod: '*',
    URLPath: '*',
    ResourceARN: '*',
    Version: 1,
  });
  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(fluoro.httpUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** Rewrites the file, sends SIGHUP and waits for the process to say it read it. */
  const rotate = async (text: string, said: RegExp) => {
    writeFileSync(tokenFile, text);
    const before = fluoro.output().length;
    fluoro.process.kill('SIGHUP');
    await eventually(async () => (said.test(fluoro.output().slice(before)) ? true : undefined));
  };

  beforeAll(async () => {
    writeFileSync(tokenFile, `# the team's token\n${TOKEN}\n# dashboards and laptops\nread-only ${READER}\n`);
    fluoro = await startFluoro({ args: ['--auth-token-file', tokenFile] });
    const r = await fetch(`${fluoro.httpUrl}/TraceSegments`, {
      method: 'POST',
      body: JSON.stringify({
        TraceSegmentDocuments: [JSON.stringify(segment(traceId, '000000000000d001', 'ro-svc'))],
      }),
    });
    expect(r.status).toBe(200);
    await xray(TOKEN).send(new CreateSamplingRuleCommand({ SamplingRule: rule('kept') }));
    await xray(TOKEN).send(new CreateGroupCommand({ GroupName: 'kept', FilterExpression: 'fault' }));
  }, 60_000);
  afterAll(async () => {
    await fluoro?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says how many tokens of each kind it accepts, never a token', () => {
    expect(fluoro.output()).toMatch(
      /^fluoro: auth token required for the query API and console \(ingest and \/api\/health are open; 2 tokens accepted: 1 full access, 1 read-only\)$/m,
    );
    expect(fluoro.output()).not.toContain(TOKEN);
    expect(fluoro.output()).not.toContain(READER);
  });

  it('reads every query route with the read-only bearer token', async () => {
    const reads: [string, string, unknown?][] = [
      ['POST', '/TraceSummaries', { StartTime: t - 600, EndTime: t + 600 }],
      ['POST', '/Traces', { TraceIds: [traceId] }],
      ['POST', '/ServiceGraph', { StartTime: t - 600, EndTime: t + 600 }],
      ['POST', '/TraceGraph', { TraceIds: [traceId] }],
      ['POST', '/TimeSeriesServiceStatistics', { StartTime: t - 600, EndTime: t + 600 }],
      ['POST', '/Groups', {}],
      ['POST', '/GetGroup', { GroupName: 'kept' }],
      ['POST', '/GetSamplingRules', {}],
      ['POST', '/SamplingStatisticSummaries', {}],
      ['GET', '/api/stats'],
      ['GET', '/api/service-stats'],
      ['GET', `/api/service-times?traceId=${traceId}`],
      ['GET', '/api/segments?service=ro-svc'],
    ];
    // The trace is stored first (ingest writes in the background), so a route that answers 404
    // for a trace it does not have yet (service-times) is asked once it is there.
    const found = await eventually(async () => {
      const r = await call('POST', '/Traces', READER, { TraceIds: [traceId] });
      const text = await r.text();
      return text.includes('ro-svc') ? text : undefined;
    });
    expect(found).toContain(traceId);
    for (const [method, path, body] of reads)
      expect((await call(method, path, READER, body)).status, path).toBe(200);
    expect(await (await call('GET', '/api/auth', READER)).json()).toEqual({ role: 'read-only' });
    expect(await (await call('GET', '/api/auth', TOKEN)).json()).toEqual({ role: 'full' });
  });

  it('refuses the read-only bearer token every change with 403 AccessDeniedException, changing nothing', async () => {
    const writes: [string, unknown][] = [
      ['/CreateSamplingRule', { SamplingRule: rule('refused') }],
      ['/UpdateSamplingRule', { SamplingRuleUpdate: { RuleName: 'kept', FixedRate: 0 } }],
      ['/DeleteSamplingRule', { RuleName: 'kept' }],
      ['/CreateGroup', { GroupName: 'refused', FilterExpression: 'ok' }],
      ['/UpdateGroup', { GroupName: 'kept', FilterExpression: 'ok' }],
      ['/DeleteGroup', { GroupName: 'kept' }],
    ];
    for (const [path, body] of writes) {
      const r = await call('POST', path, READER, body);
      expect(r.status, path).toBe(403);
      expect(r.headers.get('x-amzn-errortype'), path).toBe('AccessDeniedException');
      const text = await r.text();
      expect(JSON.parse(text).message).toMatch(/auth token is read-only/);
      expect(text).not.toContain(READER);
    }
    const rules = await xray(TOKEN).send(new GetSamplingRulesCommand({}));
    const names = (rules.SamplingRuleRecords ?? []).map((x) => x.SamplingRule);
    expect(names.map((r) => r?.RuleName).sort()).toEqual(['Default', 'kept']);
    expect(names.find((r) => r?.RuleName === 'kept')?.FixedRate).toBe(0.5);
    const groups = await xray(TOKEN).send(new GetGroupsCommand({}));
    expect(groups.Groups?.find((g) => g.GroupName === 'kept')?.FilterExpression).toBe('fault');
    expect(groups.Groups?.some((g) => g.GroupName === 'refused')).toBe(false);
  });

  it('gives the real AWS SDK signing with the read-only token reads, and a typed AccessDeniedException for changes', async () => {
    const summaries = await xray(READER).send(
      new GetTraceSummariesCommand({
        StartTime: new Date((t - 600) * 1000),
        EndTime: new Date((t + 600) * 1000),
      }),
    );
    expect((summaries.TraceSummaries ?? []).map((x) => x.Id)).toContain(traceId);
    const traces = await xray(READER).send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
    expect(traces.Traces?.[0]?.Segments?.[0]?.Document).toContain('ro-svc');
    const rules = await xray(READER).send(new GetSamplingRulesCommand({}));
    expect(rules.SamplingRuleRecords?.some((x) => x.SamplingRule?.RuleName === 'kept')).toBe(true);
    await expect(xray(READER).send(new GetGroupsCommand({}))).resolves.toBeDefined();
    for (const command of [
      new CreateSamplingRuleCommand({ SamplingRule: rule('refused') }),
      new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'kept', FixedRate: 0 } }),
      new DeleteSamplingRuleCommand({ RuleName: 'kept' }),
      new CreateGroupCommand({ GroupName: 'refused', FilterExpression: 'ok' }),
      new UpdateGroupCommand({ GroupName: 'kept', FilterExpression: 'ok' }),
      new DeleteGroupCommand({ GroupName: 'kept' }),
    ]) {
      const e = await xray(READER)
        .send(command as never)
        .catch((err: unknown) => err);
      expect(e, command.constructor.name).toBeInstanceOf(XRayServiceException);
      expect(e, command.constructor.name).toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringMatching(/auth token is read-only/),
        $metadata: { httpStatusCode: 403 },
      });
    }
    // The full token is unchanged: it still changes rules and groups.
    await expect(
      xray(TOKEN).send(new UpdateGroupCommand({ GroupName: 'kept', FilterExpression: 'fault OR error' })),
    ).resolves.toBeDefined();
    await expect(
      xray(TOKEN).send(
        new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'kept', FixedRate: 0.25 } }),
      ),
    ).resolves.toBeDefined();
  });

  it.runIf(requireOrSkip(hasChromium(), `Chromium (${CHROMIUM})`))(
    "the console in Chromium shows a read-only token no edit controls, and a refused save the server's message",
    () => withChromium(settingsThroughConsole),
    120_000,
  );

  async function settingsThroughConsole(browser: Browser): Promise<void> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const dialog = page.getByRole('dialog', { name: 'Sign in' });
    const signIn = async (token: string) => {
      await dialog.waitFor({ timeout: 20_000 });
      await dialog.getByLabel('Auth token').fill(token);
      await dialog.getByLabel('Auth token').press('Enter');
      await dialog.waitFor({ state: 'detached', timeout: 20_000 });
    };
    const rules = page.locator('[data-testid=sampling-rules]');
    const groups = page.locator('[data-testid=groups]');
    await page.goto(`${fluoro.httpUrl}/settings`);
    await signIn(READER);
    // Everything shows, with no control that could only fail.
    await rules.locator('tr[data-rule="kept"]').waitFor({ timeout: 20_000 });
    await groups.locator('tr[data-group="kept"]').waitFor({ timeout: 20_000 });
    await page.getByTestId('read-only').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('read-only-note').textContent()).toMatch(/auth token is read-only/);
    expect(await rules.getByRole('button').count()).toBe(0);
    expect(await groups.getByRole('button').count()).toBe(0);
    expect(await groups.getByRole('link', { name: 'View traces' }).count()).toBeGreaterThan(0);
    // After a reload the console asks the server (GET /api/auth) what the kept token may do.
    await page.reload();
    await page.getByTestId('read-only').waitFor({ timeout: 20_000 });
    await rules.locator('tr[data-rule="kept"]').waitFor({ timeout: 20_000 });
    expect(await rules.getByRole('button').count()).toBe(0);

    // A full-access token gets the controls back.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(TOKEN);
    await rules.getByRole('button', { name: 'Edit rule kept' }).click();
    expect(await page.getByTestId('read-only').count()).toBe(0);
    await groups.locator('tr[data-group="kept"]').getByRole('button', { name: 'Edit' }).click();
    // The token is made read-only while the forms are open: the saves are refused, the server's
    // message shows where each was tried, and the console does not ask to sign in again.
    await rotate(
      `read-only ${TOKEN}\nread-only ${READER}\n`,
      /2 tokens accepted: 0 full access, 2 read-only/,
    );
    const ruleForm = page.getByRole('form', { name: 'Edit sampling rule kept' });
    await ruleForm.getByRole('button', { name: 'Save rule' }).click();
    await poll(() => ruleForm.getByRole('alert').textContent()).toMatch(/auth token is read-only/);
    await groups.getByRole('button', { name: 'Save' }).click();
    await poll(() => groups.getByRole('alert').textContent()).toMatch(/auth token is read-only/);
    expect(await dialog.count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.close();
    await rotate(`${TOKEN}\nread-only ${READER}\n`, /2 tokens accepted: 1 full access, 1 read-only/);
  }

  it('makes a full token read-only on SIGHUP, and warns when no token can change anything', async () => {
    expect((await call('POST', '/DeleteGroup', TOKEN, { GroupName: 'none-such' })).status).not.toBe(403);
    await rotate(`read-only ${TOKEN}\n`, /1 token accepted: 0 full access, 1 read-only/);
    expect(fluoro.output()).toMatch(
      /^fluoro: every auth token is read-only: sampling-rule and group changes are refused until a full-access token is added$/m,
    );
    const refused = await call('POST', '/CreateGroup', TOKEN, { GroupName: 'late', FilterExpression: 'ok' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(
      (await call('POST', '/TraceSummaries', TOKEN, { StartTime: t - 600, EndTime: t + 600 })).status,
    ).toBe(200);
    // The reader's line is gone: it is no longer accepted at all.
    expect((await call('GET', '/api/stats', READER)).status).toBe(403);
    // And back: the same token with full access again.
    await rotate(`${TOKEN}\n`, /1 token accepted: 1 full access, 0 read-only/);
    expect(
      (await call('POST', '/CreateGroup', TOKEN, { GroupName: 'late', FilterExpression: 'ok' })).status,
    ).toBe(200);
    expect(fluoro.output()).not.toContain(TOKEN);
    expect(fluoro.output()).not.toContain(READER);
  });
});
