import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateSamplingRuleCommand,
  GetTraceSummariesCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  XRayClient,
  XRayServiceException,
} from '@aws-sdk/client-xray';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenAuth } from './auth.js';
import { Router } from './router.js';

const TOKEN = 'correct-horse-battery-staple';

/** A real HTTP server with one protected X-Ray route, one protected GET and one open route. */
function startServer(clockOffsetMs: number): Promise<{ server: Server; url: string }> {
  const router = new Router(createTokenAuth({ tokens: [TOKEN], nowMs: () => Date.now() + clockOffsetMs }))
    .post('/TraceSummaries', ({ body }) => ({ TraceSummaries: [], Echo: body }))
    .get('/api/stats', ({ url }) => ({ query: Object.fromEntries(url.searchParams) }))
    .get('/api/health', () => ({ status: 'ok' }), { open: true });
  const server = createServer((req, res) => void router.handle(req, res));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const xray = (url: string, secretAccessKey: string) =>
  new XRayClient({
    region: 'eu-west-1',
    endpoint: url,
    credentials: { accessKeyId: 'any-key-id', secretAccessKey },
    maxAttempts: 1,
  });
const summaries = new GetTraceSummariesCommand({
  StartTime: new Date(1e12),
  EndTime: new Date(1e12 + 60_000),
});

describe('createTokenAuth', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await startServer(0));
  });
  afterAll(() => stopServer(server));

  it('answers 401 MissingAuthenticationTokenException with a Bearer challenge when nothing is sent', async () => {
    const r = await fetch(`${url}/TraceSummaries`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(401);
    expect(r.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="fluoro"');
    expect(((await r.json()) as { message: string }).message).toMatch(/Authorization: Bearer/);
  });

  it('takes the bearer token and refuses another one with 403, never echoing it', async () => {
    const ok = await fetch(`${url}/TraceSummaries`, {
      method: 'POST',
      body: '{"x":1}',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ TraceSummaries: [], Echo: { x: 1 } });
    for (const wrong of [`${TOKEN}x`, TOKEN.slice(0, -1), '']) {
      const r = await fetch(`${url}/TraceSummaries`, {
        method: 'POST',
        body: '{}',
        headers: { authorization: `Bearer ${wrong}` },
      });
      expect(r.status).toBe(403);
      expect(r.headers.get('x-amzn-errortype')).toBe('UnrecognizedClientException');
      expect(await r.text()).not.toContain(TOKEN.slice(0, 8));
    }
    const basic = await fetch(`${url}/api/stats`, {
      headers: { authorization: `Basic ${btoa(`a:${TOKEN}`)}` },
    });
    expect(basic.status).toBe(403);
  });

  it('leaves open routes open', async () => {
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect((await fetch(`${url}/api/stats`)).status).toBe(401);
  });

  it('accepts the real AWS SDK signing with the token as its secret key, and refuses another secret', async () => {
    await expect(xray(url, TOKEN).send(summaries)).resolves.toMatchObject({ TraceSummaries: [] });
    const wrong = await xray(url, 'not-the-token-at-all')
      .send(summaries)
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringMatching(/signature does not match/),
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses a correctly signed request whose body was changed after signing', async () => {
    const client = xray(url, TOKEN);
    const tamper: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
      (next) => async (args) => {
        const request = (args as { request: { body: string | Uint8Array } }).request;
        const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        // Same length, so content-length still holds: only the signature can tell.
        const tampered = text.replace('"StartTime":1', '"StartTime":2');
        expect(tampered).not.toBe(text);
        request.body = tampered;
        return next(args);
      };
    client.middlewareStack.addRelativeTo(tamper, {
      relation: 'after',
      toMiddleware: 'httpSigningMiddleware',
      name: 'tamper',
    });
    await expect(client.send(summaries)).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('refuses a body that does not match a signed x-amz-content-sha256', async () => {
    const signed = await sign(
      { host: new URL(url).host, method: 'POST', path: '/TraceSummaries', body: '{"a":1}' },
      TOKEN,
      true,
    );
    const r = await fetch(`${url}/TraceSummaries`, {
      method: 'POST',
      headers: signed.headers,
      body: '{"a":2}',
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { message: string }).message).toMatch(/x-amz-content-sha256/);
    const same = await fetch(`${url}/TraceSummaries`, {
      method: 'POST',
      headers: signed.headers,
      body: '{"a":1}',
    });
    expect(same.status).toBe(200);
  });

  it('checks the query string of a signed GET', async () => {
    const query = { start: '1', group: 'a b+c' };
    const signed = await sign(
      { host: new URL(url).host, method: 'GET', path: '/api/stats', query },
      TOKEN,
      false,
    );
    const ok = await fetch(`${url}/api/stats?start=1&group=a%20b%2Bc`, { headers: signed.headers });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ query });
    const changed = await fetch(`${url}/api/stats?start=2&group=a%20b%2Bc`, { headers: signed.headers });
    expect(changed.status).toBe(403);
  });

  it('refuses a signature without a signed host or x-amz-date, and a malformed one', async () => {
    const signed = await sign(
      { host: new URL(url).host, method: 'POST', path: '/TraceSummaries', body: '{}' },
      TOKEN,
      false,
    );
    const noHost = signed.headers['authorization']?.replace(';host;', ';');
    for (const authorization of [
      noHost ?? '',
      'AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=00',
    ]) {
      const r = await fetch(`${url}/TraceSummaries`, {
        method: 'POST',
        headers: { ...signed.headers, authorization },
        body: '{}',
      });
      expect(r.status).toBe(403);
      expect(r.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    }
  });
});

describe('createTokenAuth with a clock 20 minutes ahead', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await startServer(20 * 60_000));
  });
  afterAll(() => stopServer(server));

  it('refuses a signature whose x-amz-date is more than 15 minutes old, as AWS words it', async () => {
    await expect(xray(url, TOKEN).send(summaries)).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringMatching(/^Signature expired/),
    });
  });

  it('still takes the bearer token, which carries no date', async () => {
    const r = await fetch(`${url}/api/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
  });
});

describe('createTokenAuth checkBearer (ingest: headers, never signatures)', () => {
  const auth = createTokenAuth({ tokens: [TOKEN] });
  const status = (header: string | undefined) => {
    try {
      auth.checkBearer(header);
      return 200;
    } catch (e) {
      expect((e as Error).message).not.toContain(TOKEN);
      return (e as { status: number }).status;
    }
  };

  it('takes the bearer token, 401 without one, 403 for a wrong one or a SigV4 header', () => {
    expect(status(`Bearer ${TOKEN}`)).toBe(200);
    expect(status(`bearer ${TOKEN}`)).toBe(200);
    expect(status(undefined)).toBe(401);
    expect(status('')).toBe(401);
    expect(status('Bearer not-the-token-at-all')).toBe(403);
    expect(
      status(
        `AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/xray/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      ),
    ).toBe(403);
    expect(status(TOKEN)).toBe(403);
  });

  it('follows a rotation', () => {
    const rotating = createTokenAuth({ tokens: [TOKEN] });
    rotating.setTokens(['the-next-token-0123456789']);
    expect(() => rotating.checkBearer(`Bearer ${TOKEN}`)).toThrow(/not this Fluoro's auth token/);
    expect(() => rotating.checkBearer('Bearer the-next-token-0123456789')).not.toThrow();
  });
});

describe('createTokenAuth options', () => {
  it('refuses an empty token', () => {
    expect(() => createTokenAuth({ tokens: [''] })).toThrow(/must not be empty/);
    expect(() => createTokenAuth({ tokens: [] })).toThrow(/must not be empty/);
  });
});

describe('createTokenAuth during a rotation', () => {
  const NEXT = 'the-next-token-0123456789';
  const auth = createTokenAuth({ tokens: [NEXT, TOKEN] });
  const router = new Router(auth).post('/TraceSummaries', () => ({ TraceSummaries: [] }));
  const server = createServer((req, res) => void router.handle(req, res));
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => stopServer(server));
  const bearer = (token: string) =>
    fetch(`${url}/TraceSummaries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{}',
    });

  it('accepts either token, as a bearer token and as the SigV4 secret', async () => {
    expect((await bearer(NEXT)).status).toBe(200);
    expect((await bearer(TOKEN)).status).toBe(200);
    await expect(xray(url, NEXT).send(summaries)).resolves.toMatchObject({ TraceSummaries: [] });
    await expect(xray(url, TOKEN).send(summaries)).resolves.toMatchObject({ TraceSummaries: [] });
    expect((await bearer('neither-of-the-two-tokens')).status).toBe(403);
  });

  it('refuses the old token once it is dropped, and keeps its tokens when given none', async () => {
    expect(() => auth.setTokens([])).toThrow(/must not be empty/);
    expect((await bearer(TOKEN)).status).toBe(200);
    auth.setTokens([NEXT]);
    expect((await bearer(TOKEN)).status).toBe(403);
    await expect(xray(url, TOKEN).send(summaries)).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    expect((await bearer(NEXT)).status).toBe(200);
    await expect(xray(url, NEXT).send(summaries)).resolves.toMatchObject({ TraceSummaries: [] });
  });
});

describe('createTokenAuth with a read-only token', () => {
  const READER = 'a-read-only-dashboard-token';
  const auth = createTokenAuth({ tokens: [TOKEN, { token: READER, role: 'read-only' }] });
  const read = { access: 'read' } as const;
  const router = new Router(auth)
    .post('/TraceSummaries', () => ({ TraceSummaries: [] }), read)
    .get('/api/auth', ({ role }) => ({ role }), read)
    .post('/CreateSamplingRule', () => ({ SamplingRuleRecord: {} }), { access: 'write' })
    // Registered without a class, as a new route might be: a write.
    .post('/Unclassified', () => ({ changed: true }));
  const server = createServer((req, res) => void router.handle(req, res));
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => stopServer(server));
  const call = (path: string, token: string, method = 'POST') =>
    fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}` },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
  const createRule = new CreateSamplingRuleCommand({
    SamplingRule: {
      RuleName: 'r',
      Priority: 1,
      FixedRate: 0,
      ReservoirSize: 0,
      ServiceName: '*',
      ServiceType: '*',
      Host: '*',
      HTTPMethod: '*',
      URLPath: '*',
      ResourceARN: '*',
      Version: 1,
    },
  });

  it('reads with the bearer token, and says its role', async () => {
    expect((await call('/TraceSummaries', READER)).status).toBe(200);
    expect(await (await call('/api/auth', READER, 'GET')).json()).toEqual({ role: 'read-only' });
    expect(await (await call('/api/auth', TOKEN, 'GET')).json()).toEqual({ role: 'full' });
  });

  it('is refused a write, and a route registered without a class, with 403 AccessDeniedException', async () => {
    for (const path of ['/CreateSamplingRule', '/Unclassified']) {
      const r = await call(path, READER);
      expect(r.status, path).toBe(403);
      expect(r.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
      const text = await r.text();
      expect(JSON.parse(text)).toEqual({ message: expect.stringMatching(/auth token is read-only/) });
      expect(text).not.toContain(READER.slice(0, 10));
      // The full token is unchanged.
      expect((await call(path, TOKEN)).status, path).toBe(200);
    }
  });

  it('gives the real AWS SDK, signing with it, reads and a typed AccessDeniedException for a write', async () => {
    await expect(xray(url, READER).send(summaries)).resolves.toMatchObject({ TraceSummaries: [] });
    const e = await xray(url, READER)
      .send(createRule)
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(XRayServiceException);
    expect(e).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(/auth token is read-only/),
      $metadata: { httpStatusCode: 403 },
    });
    await expect(xray(url, TOKEN).send(createRule)).resolves.toBeDefined();
  });

  it('is refused by checkBearer (ingest) unless the access asked for is read', () => {
    expect(() => auth.checkBearer(`Bearer ${READER}`)).toThrow(/auth token is read-only/);
    expect(auth.checkBearer(`Bearer ${READER}`, 'read')).toBe('read-only');
    expect(auth.checkBearer(`Bearer ${TOKEN}`)).toBe('full');
  });

  it('follows a rotation that makes a full token read-only, and refuses one token given both ways', async () => {
    const rotating = createTokenAuth({ tokens: [TOKEN] });
    expect(() => rotating.setTokens([TOKEN, { token: TOKEN, role: 'read-only' }])).toThrow(
      /both as full access and as read-only/,
    );
    expect(rotating.checkBearer(`Bearer ${TOKEN}`)).toBe('full');
    rotating.setTokens([{ token: TOKEN, role: 'read-only' }]);
    expect(() => rotating.checkBearer(`Bearer ${TOKEN}`)).toThrow(/auth token is read-only/);
    expect(() => createTokenAuth({ tokens: [{ token: '', role: 'read-only' }] })).toThrow(
      /must not be empty/,
    );
  });
});

/** Signs a request to the test server as an AWS SDK would, for the cases the X-Ray client never sends. */
async function sign(
  req: { host: string; method: string; path: string; body?: string; query?: Record<string, string> },
  secretAccessKey: string,
  withPayloadHash: boolean,
): Promise<{ headers: Record<string, string> }> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'k', secretAccessKey },
    region: 'us-east-1',
    service: 'xray',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: withPayloadHash,
  });
  const signed = await signer.sign({
    method: req.method,
    protocol: 'http:',
    hostname: req.host,
    path: req.path,
    query: req.query ?? {},
    headers: { host: req.host, 'content-type': 'application/json' },
    ...(req.body === undefined ? {} : { body: req.body }),
  });
  return { headers: signed.headers };
}
