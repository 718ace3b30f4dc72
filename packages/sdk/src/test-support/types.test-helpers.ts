import { createServer, IncomingMessage } from 'node:http';
import express from 'express';
import { capture, type TraceEntity, traceHttp, wrap } from '../index.js';

/**
 * Type-level checks, compiled by `decorators.test.ts` with tsc (strict): each
 * `@ts-expect-error` must be an error and everything else must compile.
 */
export function typeChecks(): void {
  const n: number = capture('sync', () => 1);
  const p: Promise<string> = capture('async', async () => 'x');
  const s: TraceEntity = capture('entity', (sub) => sub);
  // @ts-expect-error a Promise is not a number: the result type is the function's own
  const wrong: number = capture('async', async () => 1);
  const add = wrap('add', (a: number, b: number) => a + b);
  const sum: number = add(1, 2);
  // @ts-expect-error wrapped functions keep their parameter types
  add('1', 2);
  // @ts-expect-error annotation values are string, number or boolean
  s.addAnnotation('k', { nested: true });
  // traceHttp takes a plain handler, an Express app, or a server's own request class.
  createServer(traceHttp((req, res) => res.end(req.url)));
  createServer(traceHttp(express()));
  class TenantRequest extends IncomingMessage {
    tenant = 'acme';
  }
  createServer(
    { IncomingMessage: TenantRequest },
    traceHttp((req: TenantRequest, res) => res.end(req.tenant)),
  );
  // @ts-expect-error the handler's request type is checked
  traceHttp((req: TenantRequest, res) => res.end(req.missing));
  void [n, p, s, wrong, sum];
}
