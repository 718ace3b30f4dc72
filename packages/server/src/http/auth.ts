import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { ApiError } from './api-error.js';

/** What a token may do: `full` anything, `read-only` only what a route declares `read`. */
export type TokenRole = 'full' | 'read-only';

/**
 * What a route does, declared when it is registered: `read` answers a read-only token too,
 * `write` (the default wherever a route is not declared `read`) needs a full-access token.
 */
export type RouteAccess = 'read' | 'write';

/** One accepted token and what it may do. */
export interface AuthToken {
  token: string;
  role: TokenRole;
}

/**
 * Checks one request's credentials before a protected route answers. Throws an ApiError
 * shaped for the AWS SDKs on failure; never puts the token in a message or a log line.
 */
export interface Authenticator {
  /**
   * Resolves to the role of the token the request carries, when that role may do `access`.
   * `readBody` gives the request body's bytes; it is called only for a SigV4 check (a bearer
   * token needs no body, so a caller without the token never gets to upload 16 MiB).
   */
  check(req: IncomingMessage, readBody: () => Promise<Buffer>, access: RouteAccess): Promise<TokenRole>;
}

/** A token given as a bare string has full access. */
export type TokenSpec = string | AuthToken;

export interface TokenAuthOptions {
  /**
   * The shared secrets, any of which is accepted: as a bearer token, or as the secret access key
   * of an AWS SigV4 signature. Two during a rotation (the new one and the old one), else one;
   * read-only ones beside them.
   */
  tokens: readonly TokenSpec[];
  /** How far `x-amz-date` may be from the server's clock, in ms (AWS allows 15 minutes). */
  maxSkewMs?: number;
  /** The clock, in epoch ms (tests move it). */
  nowMs?: () => number;
}

const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
const SIGV4_PARTS =
  /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The answer when a request carries no credentials at all: 401, as AWS names it. */
export function missingToken(): ApiError {
  return new ApiError(
    401,
    'MissingAuthenticationTokenException',
    'this Fluoro requires its auth token: send "Authorization: Bearer <token>", or sign with AWS SigV4 using the token as the secret access key',
  );
}

/**
 * The answer when a read-only token asks for a `write` route: 403, as AWS names a refusal of a
 * known caller. Says why, never which token.
 */
export function readOnlyToken(): ApiError {
  return new ApiError(
    403,
    'AccessDeniedException',
    'this auth token is read-only: it can read traces, but not change sampling rules or groups, or send data; use a full-access token',
  );
}

/** An Authenticator whose accepted tokens can be replaced while it serves (a rotation). */
export interface TokenAuthenticator extends Authenticator {
  /**
   * Accepts exactly these tokens, with these roles, from now on. Throws, changing nothing, if
   * any is empty or one token is given both full and read-only.
   */
  setTokens(tokens: readonly TokenSpec[]): void;
  /**
   * Checks an `Authorization` value that may only be `Bearer <token>` (OTLP and Zipkin ingest,
   * OTLP/gRPC metadata: their exporters send headers, not signatures). Throws the same ApiErrors
   * as `check`: 401 when `header` is absent, 403 when it is wrong or of another kind, or a
   * read-only token for `access` `write` (the default: ingest writes).
   */
  checkBearer(header: string | undefined, access?: RouteAccess): TokenRole;
}

/**
 * Accepts `Authorization: Bearer <token>` (CLI, console, curl) or an AWS Signature V4 made with
 * a token as the secret access key and any access key id (`@aws-sdk/client-xray`, the AWS CLI).
 */
export function createTokenAuth(options: TokenAuthOptions): TokenAuthenticator {
  let tokens: readonly (AuthToken & { digest: Buffer })[] = [];
  const setTokens = (next: readonly TokenSpec[]): void => {
    const given = next.map((t) => (typeof t === 'string' ? { token: t, role: 'full' as const } : t));
    if (given.length === 0 || given.some((t) => !t.token))
      throw new Error('the auth token must not be empty');
    const roles = new Map<string, TokenRole>();
    for (const { token, role } of given) {
      // Which role would win is not obvious from the list, so neither does.
      if ((roles.get(token) ?? role) !== role)
        throw new Error('a token is given both as full access and as read-only');
      roles.set(token, role);
    }
    tokens = given.map((t) => ({ token: t.token, role: t.role, digest: sha256(t.token) }));
  };
  setTokens(options.tokens);
  const maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const nowMs = options.nowMs ?? Date.now;
  const checkBearerToken = (header: string): TokenRole => {
    // Digests have one length, so each comparison takes the same time whatever was sent.
    const sent = sha256(header.slice(7).trim());
    let role: TokenRole | undefined;
    for (const t of tokens) role = timingSafeEqual(sent, t.digest) ? t.role : role;
    if (role) return role;
    throw new ApiError(
      403,
      'UnrecognizedClientException',
      "the bearer token is not this Fluoro's auth token",
    );
  };
  return {
    setTokens,
    checkBearer(header, access = 'write') {
      if (!header) {
        throw new ApiError(
          401,
          'MissingAuthenticationTokenException',
          'this Fluoro requires its auth token: send "Authorization: Bearer <token>"',
        );
      }
      if (!/^bearer /i.test(header)) {
        throw new ApiError(
          403,
          'UnrecognizedClientException',
          'the Authorization header is not "Bearer <token>"',
        );
      }
      return allowed(checkBearerToken(header), access);
    },
    async check(req, readBody, access) {
      const header = req.headers.authorization;
      if (!header) throw missingToken();
      if (/^bearer /i.test(header)) return allowed(checkBearerToken(header), access);
      if (header.startsWith(`${SIGV4_ALGORITHM} `)) {
        const role = await verifySigV4(req, header, await readBody(), tokens, nowMs(), maxSkewMs);
        return allowed(role, access);
      }
      throw new ApiError(
        403,
        'UnrecognizedClientException',
        'the Authorization header is neither "Bearer <token>" nor an AWS4-HMAC-SHA256 signature',
      );
    },
  };
}

/** The role, when it may do `access`; else the read-only refusal. */
function allowed(role: TokenRole, access: RouteAccess): TokenRole {
  if (access === 'write' && role !== 'full') throw readOnlyToken();
  return role;
}

/**
 * Recomputes the request's SigV4 signature with each token as the secret and compares it with
 * the one sent; resolves to the role of the token it was signed with. The canonical request is
 * rebuilt from what arrived (method, raw path, query, exactly the headers listed in
 * SignedHeaders, the body's SHA-256) and signed again by the AWS SDK's own signer at the
 * client's date and credential scope, so both sides canonicalise alike.
 */
async function verifySigV4(
  req: IncomingMessage,
  header: string,
  body: Buffer,
  tokens: readonly AuthToken[],
  nowMs: number,
  maxSkewMs: number,
): Promise<TokenRole> {
  const parts = SIGV4_PARTS.exec(header);
  const scope = parts?.[1]?.split('/');
  if (!parts || scope?.length !== 5 || scope[4] !== 'aws4_request') {
    throw invalidSignature('the Authorization header is not a well-formed AWS4-HMAC-SHA256 signature');
  }
  const [accessKeyId = '', scopeDate, region = '', service = ''] = scope;
  const signedHeaderList = parts[2] ?? '';
  const signedHeaders = signedHeaderList.split(';');
  const sentSignature = parts[3] ?? '';
  const amzDate = headerValue(req, 'x-amz-date');
  const date = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !date || !signedHeaders.includes('x-amz-date') || !signedHeaders.includes('host')) {
    throw invalidSignature('a SigV4 request must sign the host and x-amz-date headers');
  }
  if (amzDate.slice(0, 8) !== scopeDate) {
    throw invalidSignature(`the credential scope date ${scopeDate} is not the x-amz-date's`);
  }
  if (Math.abs(nowMs - date.getTime()) > maxSkewMs) {
    // AWS's words: the SDKs read "Signature expired" with the Date header to correct clock skew.
    throw invalidSignature(
      `Signature expired: x-amz-date ${amzDate} is more than ${maxSkewMs / 60_000} minutes from the server's time`,
    );
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(req, name);
    if (value === undefined) throw invalidSignature(`the signed header ${name} is not in the request`);
    headers[name] = value;
  }
  // The signer trusts x-amz-content-sha256 as the body's hash; make sure it is.
  const claimedHash = headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(body).digest('hex')) {
    throw invalidSignature('the body does not match its x-amz-content-sha256');
  }
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  for (const { token, role } of tokens) {
    if (await signedWith(token)) return role;
  }
  throw invalidSignature(
    "the request signature does not match: sign with this Fluoro's auth token as the secret access key",
  );

  async function signedWith(token: string): Promise<boolean> {
    const signer = new SignatureV4({
      credentials: { accessKeyId, secretAccessKey: token },
      region,
      service,
      sha256: Hash.bind(null, 'sha256'),
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: req.method ?? 'GET',
        protocol: 'http:',
        hostname: headers['host'] ?? '',
        path: queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt),
        query: toQuery(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1)),
        headers,
        body,
      },
      {
        signingDate: date,
        signingRegion: region,
        signingService: service,
        signableHeaders: new Set(signedHeaders),
      },
    );
    const expected = SIGV4_PARTS.exec(signed.headers['authorization'] ?? '');
    return (
      expected !== null &&
      expected[2] === signedHeaderList &&
      timingSafeEqual(Buffer.from(expected[3] ?? '', 'hex'), Buffer.from(sentSignature, 'hex'))
    );
  }
}

function invalidSignature(message: string): ApiError {
  return new ApiError(403, 'InvalidSignatureException', message);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** `20261126T175500Z` → a Date; undefined when it is not that shape. */
function parseAmzDate(text: string): Date | undefined {
  const m = AMZ_DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, s ?? 0));
}

/** The raw query as the signer's map: decoded keys to a value, or to every value of a repeated key. */
function toQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const prev = query[key];
    query[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return query;
}
