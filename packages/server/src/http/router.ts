import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, invalidRequest } from './api-error.js';
import type { Authenticator, RouteAccess, TokenRole } from './auth.js';
import { readBodyBytes } from './read-input.js';

export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  /** The parsed JSON body (POST), or undefined. */
  body: unknown;
  /** The role of the token the request carried; undefined when none was checked (no auth, or an open route). */
  role?: TokenRole;
}

export type Handler = (ctx: RequestContext) => Promise<unknown> | unknown;

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface RouteOptions {
  /**
   * Answer without credentials even when the router has an Authenticator: ingest, the SDKs'
   * sampling calls and the health check, whose clients cannot send a token.
   */
  open?: boolean;
  /**
   * `read` when the route changes nothing, so a read-only token may call it. Anything not declared
   * `read` is `write` and needs a full-access token: a route added without thinking about it
   * cannot be changed through a token handed out to read.
   */
  access?: RouteAccess;
  /** Told of each request the Authenticator refused (ingest counts them); never given the token. */
  onRefused?: (error: ApiError) => void;
}

interface Route {
  handler: Handler;
  open: boolean;
  access: RouteAccess;
  onRefused?: (error: ApiError) => void;
}

/** Largest request body read, in bytes (PutTraceSegments batches of many 64 KiB documents fit). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * A small exact-path router: X-Ray's API is POST on fixed paths with JSON bodies, which needs
 * no framework. Every answer is JSON; every failure is an ApiError shaped for the AWS SDK.
 * Given an Authenticator, every route needs credentials unless it was registered `open`, and a
 * full-access token unless it was registered `access: 'read'`.
 */
export class Router {
  private readonly routes = new Map<string, Route>();
  private readonly rawRoutes = new Map<string, RawHandler>();

  constructor(private readonly auth?: Authenticator) {}

  /**
   * A route that reads the request and writes the answer itself (OTLP, Zipkin: not AWS-shaped).
   * The router does not authenticate raw routes: they are ingest protocols, which check a token
   * themselves when ingest needs one (`--ingest-auth`) and answer in their protocol's shape.
   */
  raw(method: 'GET' | 'POST' | 'OPTIONS', path: string, handler: RawHandler): this {
    this.rawRoutes.set(`${method} ${path}`, handler);
    return this;
  }

  post(path: string, handler: Handler, options: RouteOptions = {}): this {
    this.routes.set(`POST ${path}`, toRoute(handler, options));
    return this;
  }

  get(path: string, handler: Handler, options: RouteOptions = {}): this {
    this.routes.set(`GET ${path}`, toRoute(handler, options));
    return this;
  }

  /** Whether this router answers the request's method and path. */
  has(method: string, pathname: string): boolean {
    return this.routes.has(`${method} ${pathname}`) || this.rawRoutes.has(`${method} ${pathname}`);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = this.rawRoutes.get(`${req.method} ${(req.url ?? '/').split('?')[0]}`);
    if (raw) return raw(req, res);
    const requestId = randomUUID();
    res.setHeader('x-amzn-requestid', requestId);
    try {
      const url = new URL(req.url ?? '/', 'http://fluoro');
      const route = this.routes.get(`${req.method} ${url.pathname}`);
      if (!route) throw new ApiError(404, 'NotFoundException', `no route for ${req.method} ${url.pathname}`);
      let bytes: Promise<Buffer> | undefined;
      const readBody = () => {
        bytes ??= req.method === 'POST' ? readBytes(req) : Promise.resolve(Buffer.alloc(0));
        return bytes;
      };
      let role: TokenRole | undefined;
      if (this.auth && !route.open) {
        try {
          role = await this.auth.check(req, readBody, route.access);
        } catch (e) {
          if (e instanceof ApiError && (e.status === 401 || e.status === 403)) route.onRefused?.(e);
          throw e;
        }
      }
      const body = req.method === 'POST' ? toJson(await readBody()) : undefined;
      const result = await route.handler({ req, url, body, ...(role ? { role } : {}) });
      send(res, 200, result ?? {});
    } catch (e) {
      const err =
        e instanceof ApiError
          ? e
          : new ApiError(
              503,
              'ServiceUnavailableException',
              `the store could not answer: ${(e as Error).message}`,
            );
      if (!(e instanceof ApiError))
        console.error(`fluoro: ${req.method} ${req.url} failed: ${(e as Error).stack}`);
      res.setHeader('x-amzn-errortype', err.type);
      // RFC 9110 wants a challenge with a 401; "Bearer" makes no browser open a login dialog.
      if (err.status === 401) res.setHeader('www-authenticate', 'Bearer realm="fluoro"');
      send(res, err.status, { message: err.message });
    }
  }
}

function toRoute(handler: Handler, options: RouteOptions): Route {
  return {
    handler,
    open: options.open ?? false,
    access: options.access ?? 'write',
    ...(options.onRefused ? { onRefused: options.onRefused } : {}),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBytes(req: IncomingMessage): Promise<Buffer> {
  return readBodyBytes(
    req,
    MAX_BODY_BYTES,
    () => new ApiError(413, 'InvalidRequestException', `request body is over ${MAX_BODY_BYTES} bytes`),
  );
}

function toJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalidRequest(`request body is not JSON: ${(e as Error).message}`);
  }
}
