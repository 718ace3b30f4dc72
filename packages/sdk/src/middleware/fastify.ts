import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IncomingOptions, recordIncomingError } from '../incoming/incoming.js';
import { runInTrace, traceNodeRequest, traceOf } from '../incoming/node-request.js';

type Done = (err?: Error) => void;

/** The parts of Fastify's API the plugin uses (kept structural: no dependency on fastify). */
export interface FastifyInstanceLike {
  addHook(
    name: 'onRequest' | 'preHandler',
    hook: (req: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => void,
  ): unknown;
  addHook(
    name: 'onError',
    hook: (req: FastifyRequestLike, reply: FastifyReplyLike, error: Error, done: () => void) => void,
  ): unknown;
}
export interface FastifyRequestLike {
  raw: IncomingMessage;
}
export interface FastifyReplyLike {
  raw: ServerResponse;
}

/** A Fastify plugin function (marked to skip encapsulation, so its hooks apply to every route). */
export type FastifyTracingPlugin = ((
  instance: FastifyInstanceLike,
  opts: unknown,
  done: () => void,
) => void) & {
  [key: symbol]: unknown;
};

/**
 * Fastify plugin: `await app.register(fastifyTracing({ name: 'api' }))` before the routes.
 * Uses callback-style hooks so the handler runs inside the request's trace context.
 */
export function fastifyTracing(options: IncomingOptions = {}): FastifyTracingPlugin {
  const plugin = ((instance: FastifyInstanceLike, _opts: unknown, done: () => void) => {
    instance.addHook('onRequest', (req, reply, next) => {
      runInTrace(traceNodeRequest(req.raw, reply.raw, options), () => next());
    });
    // Body parsing between the two hooks runs in stream callbacks; re-enter before the handler.
    instance.addHook('preHandler', (req, _reply, next) => {
      runInTrace(traceOf(req.raw), () => next());
    });
    instance.addHook('onError', (req, _reply, error, next) => {
      const trace = traceOf(req.raw);
      if (trace) recordIncomingError(trace, error);
      next();
    });
    done();
  }) as FastifyTracingPlugin;
  plugin[Symbol.for('skip-override')] = true;
  plugin[Symbol.for('fastify.display-name')] = 'fluoro-tracing';
  return plugin;
}
