import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import {
  addAnnotation,
  capture,
  expressErrorTracing,
  expressTracing,
  fastifyTracing,
  getCurrent,
  honoTracing,
  type IncomingOptions,
  koaTracing,
  traceHttp,
} from '../index.js';

/**
 * The same small app written for every supported framework, so one contract suite checks them
 * all. Routes:
 *   GET  /hello      200 "hello", with nested awaited captures annotated with x-req-id
 *   GET  /status/:n  responds with status n
 *   GET  /boom       the handler throws (uncaught) → 500
 *   GET  /health     200, not traced by default
 *   POST /echo       parses a JSON body, then captures; answers {traceId, same}
 *   GET  /call?to=u  calls u with fetch (or http when &via=http) inside the trace; returns its body
 */
export interface RunningApp {
  port: number;
  close(): Promise<void>;
}

export type AppFactory = (options: IncomingOptions) => Promise<RunningApp>;

/** Nested awaited captures; the inner one is annotated with the request's id. */
export async function helloWork(reqId: string): Promise<string> {
  addAnnotation('req', reqId);
  await capture('outer', async () => {
    await sleep(Number(reqId) % 5);
    await capture('inner', async (inner) => {
      await sleep(1);
      inner.addAnnotation('req', reqId);
    });
  });
  return 'hello';
}

async function echoWork(body: unknown): Promise<string> {
  const traceId = getCurrent().traceId;
  const same = await capture('after-body', async (sub) => sub.traceId === traceId);
  return JSON.stringify({ traceId, same, body });
}

export async function callWork(to: string, via: string | undefined): Promise<string> {
  if (via === 'http') {
    return new Promise((resolve, reject) => {
      const req = request(to, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
  }
  const res = await fetch(to);
  return res.text();
}

function boom(): never {
  throw new Error('kaboom');
}

async function listen(server: Server): Promise<RunningApp> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
    });
    req.on('end', () => resolve(text));
  });
}

const nodeHttp: AppFactory = (options) => {
  const traced = traceHttp(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const status = /^\/status\/(\d+)$/.exec(url.pathname);
    if (url.pathname === '/hello') res.end(await helloWork(String(req.headers['x-req-id'] ?? '0')));
    else if (status) {
      res.statusCode = Number(status[1]);
      res.end('status');
    } else if (url.pathname === '/boom') boom();
    else if (url.pathname === '/health') res.end('ok');
    else if (url.pathname === '/echo') res.end(await echoWork(JSON.parse(await readBody(req))));
    else if (url.pathname === '/call') {
      res.end(await callWork(url.searchParams.get('to') ?? '', url.searchParams.get('via') ?? undefined));
    } else {
      res.statusCode = 404;
      res.end();
    }
  }, options);
  // What a plain Node server must do itself: answer 500 when the handler fails.
  const server = createServer((req, res) => {
    (traced(req, res) as Promise<void>).catch(() => {
      res.statusCode = 500;
      res.end('error');
    });
  });
  return listen(server);
};

type ExpressLike = typeof express;

/** `aroundServer`: traced by `traceHttp(app)` outside Express rather than its middleware. */
function expressApp(make: ExpressLike, aroundServer = false): AppFactory {
  return (options) => {
    const app = make();
    if (!aroundServer) app.use(expressTracing(options));
    app.use(make.json());
    app.get('/hello', (req, res, next) => {
      helloWork(String(req.headers['x-req-id'] ?? '0')).then((t) => res.send(t), next);
    });
    app.get('/status/:n', (req, res) => {
      res.status(Number(req.params['n'])).send('status');
    });
    app.get('/boom', () => boom());
    app.get('/health', (_req, res) => {
      res.send('ok');
    });
    app.post('/echo', (req, res, next) => {
      echoWork(req.body).then((t) => res.type('json').send(t), next);
    });
    app.get('/call', (req, res, next) => {
      callWork(String(req.query['to']), req.query['via'] as string | undefined).then(
        (t) => res.send(t),
        next,
      );
    });
    app.use(expressErrorTracing());
    return listen(createServer(aroundServer ? traceHttp(app, options) : app));
  };
}

const fastify: AppFactory = async (options) => {
  const app = Fastify();
  await app.register(fastifyTracing(options));
  app.get('/hello', async (req) => helloWork(String(req.headers['x-req-id'] ?? '0')));
  app.get<{ Params: { n: string } }>('/status/:n', async (req, reply) => {
    reply.code(Number(req.params.n));
    return 'status';
  });
  app.get('/boom', async () => boom());
  app.get('/health', async () => 'ok');
  app.post('/echo', async (req, reply) => {
    reply.type('application/json');
    return echoWork(req.body);
  });
  app.get<{ Querystring: { to: string; via?: string } }>('/call', async (req) =>
    callWork(req.query.to, req.query.via),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
};

const koa: AppFactory = (options) => {
  const app = new Koa();
  app.silent = true;
  app.use(koaTracing(options));
  app.use(async (ctx) => {
    const status = /^\/status\/(\d+)$/.exec(ctx.path);
    if (ctx.path === '/hello') ctx.body = await helloWork(String(ctx.get('x-req-id') || '0'));
    else if (status) {
      ctx.status = Number(status[1]);
      ctx.body = 'status';
    } else if (ctx.path === '/boom') boom();
    else if (ctx.path === '/health') ctx.body = 'ok';
    else if (ctx.path === '/echo') {
      ctx.type = 'json';
      ctx.body = await echoWork(JSON.parse(await readBody(ctx.req)));
    } else if (ctx.path === '/call')
      ctx.body = await callWork(String(ctx.query['to']), ctx.query['via'] as string);
  });
  return listen(createServer(app.callback()));
};

const hono: AppFactory = async (options) => {
  const app = new Hono();
  app.use(honoTracing(options));
  app.get('/hello', async (c) => c.text(await helloWork(c.req.header('x-req-id') ?? '0')));
  app.get('/status/:n', (c) => c.text('status', Number(c.req.param('n')) as 200));
  app.get('/boom', () => boom());
  app.get('/health', (c) => c.text('ok'));
  app.post('/echo', async (c) => {
    c.header('content-type', 'application/json');
    return c.body(await echoWork(await c.req.json()));
  });
  app.get('/call', async (c) => c.text(await callWork(c.req.query('to') ?? '', c.req.query('via'))));
  app.onError((_err, c) => c.text('error', 500));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Every supported framework, by name. */
export const APPS: Record<string, AppFactory> = {
  'node http': nodeHttp,
  'express 5': expressApp(express),
  'express 4': expressApp(express4 as unknown as ExpressLike),
  'express 5 inside traceHttp': expressApp(express, true),
  fastify,
  koa,
  hono,
};

/**
 * A plain HTTP client call (outside any trace) with full control over headers. A body given as
 * an array is sent in chunks, each after the server has had time to read the previous one, so
 * the server sees several socket reads (body parsing then runs from socket callbacks).
 */
export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string | string[],
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (!Array.isArray(body)) {
      req.end(body);
      return;
    }
    const chunks = [...body];
    const next = () => {
      const chunk = chunks.shift();
      if (chunk === undefined) req.end();
      else req.write(chunk, () => setTimeout(next, 20));
    };
    next();
  });
}
