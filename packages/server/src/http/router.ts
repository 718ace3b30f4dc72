import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, invalidRequest } from './api-error.js';

export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  /** The parsed JSON body (POST), or undefined. */
  body: unknown;
}

export type Handler = (ctx: RequestContext) => Promise<unknown> | unknown;

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Largest request body read, in bytes (PutTraceSegments batches of many 64 KiB documents fit). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * A small exact-path router: X-Ray's API is POST on fixed paths with JSON bodies, which needs
 * no framework. Every answer is JSON; every failure is an ApiError shaped for the AWS SDK.
 */
export class Router {
  private readonly routes = new Map<string, Handler>();
  private readonly rawRoutes = new Map<string, RawHandler>();

  /** A route that reads the request and writes the answer itself (OTLP, Zipkin: not AWS-shaped). */
  raw(method: 'GET' | 'POST' | 'OPTIONS', path: string, handler: RawHandler): this {
    this.rawRoutes.set(`${method} ${path}`, handler);
    return this;
  }

  post(path: string, handler: Handler): this {
    this.routes.set(`POST ${path}`, handler);
    return this;
  }

  get(path: string, handler: Handler): this {
    this.routes.set(`GET ${path}`, handler);
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
      const handler = this.routes.get(`${req.method} ${url.pathname}`);
      if (!handler)
        throw new ApiError(404, 'NotFoundException', `no route for ${req.method} ${url.pathname}`);
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const result = await handler({ req, url, body });
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
      send(res, err.status, { message: err.message });
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(413, 'InvalidRequestException', `request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw invalidRequest(`request body is not JSON: ${(e as Error).message}`);
  }
}
