import { AsyncResource } from 'node:async_hooks';
import { traceSegment } from '../capture.js';
import type { Segment, Subsegment, TraceEntity } from '../entity.js';
import { tracestateOf } from '../outgoing/remote.js';
import { recorder } from '../recorder.js';
import {
  formatTraceparent,
  formatXRayHeader,
  parseTraceparent,
  parseXRayHeader,
  ruleFromTracestate,
  TRACEPARENT,
  TRACESTATE,
  XRAY_HEADER,
  XRAY_HEADER_LOWER,
} from '../trace-header.js';
import { type AnyFn, isMarked, wrapMethod } from './wrap-method.js';

/**
 * The module given to `traceAmqp`, kept structural: no dependency on the library. `amqplib`
 * (promise API) or `amqplib/callback_api`.
 */
export interface AmqpModuleLike {
  connect: (...args: never[]) => unknown;
}

export interface AmqpOptions {
  /**
   * Name of the segment each consumed message becomes. Default: the configured service name
   * (`configure({ name })`), read when the message arrives.
   */
  consumerName?: string;
}

/** Marks each function this module put in place, so nothing is wrapped twice. */
const WRAPPED = Symbol.for('fluoro.amqpTraced');
/** Marks the wrappers that run a method's callback in its caller's context (see `bindCallbacks`). */
const BOUND = Symbol.for('fluoro.amqpCallbackBound');

/**
 * Methods whose last argument may be a callback that amqplib calls when the broker replies,
 * from the connection's socket: outside any trace unless bound to the caller's. The promise API
 * takes no callback in these (an `await` keeps the context by itself).
 */
const REPLY_METHODS = [
  'close',
  'assertQueue',
  'checkQueue',
  'deleteQueue',
  'purgeQueue',
  'bindQueue',
  'unbindQueue',
  'assertExchange',
  'checkExchange',
  'deleteExchange',
  'bindExchange',
  'unbindExchange',
  'cancel',
  'get',
  'prefetch',
  'qos',
  'recover',
];
/** A confirm channel's methods whose callback runs when the broker confirms (both APIs). */
const CONFIRM_METHODS = ['publish', 'sendToQueue', 'waitForConfirms'];
/** The connection's methods with a reply callback (callback API). */
const CONNECTION_METHODS = ['createChannel', 'createConfirmChannel', 'close'];

/** The parts of a delivered message read here (amqplib's `ConsumeMessage`). */
interface MessageLike {
  fields?: { exchange?: unknown; routingKey?: unknown; redelivered?: unknown; consumerTag?: unknown } | null;
  properties?: { headers?: Record<string, unknown> | null } | null;
}
interface PublishOptionsLike {
  headers?: Record<string, unknown> | null;
}

/** What a later `traceAmqp` call may change (the last call's options win). */
const settings: AmqpOptions = {};

/**
 * Traces RabbitMQ (AMQP 0-9-1) messages sent and received with `amqplib`: `traceAmqp(amqplib)`
 * once at startup, with the module (`import amqplib from 'amqplib'` or
 * `'amqplib/callback_api'`), before `connect`.
 *
 * - `publish` and `sendToQueue` inside a sampled trace are each a `remote` subsegment named after
 *   the exchange, or the queue for the default exchange (`sendToQueue`), with
 *   `metadata.amqp` = `{ exchange, routing_key }` (and `queue` for the default exchange). The
 *   message's `headers` get `X-Amzn-Trace-Id: Root=…;Parent=<subsegment id>;Sampled=1` (in an
 *   unsampled trace `Root=…;Sampled=0`, no subsegment), on a copy of the options: the caller's
 *   object is never changed. Outside any trace the message is sent untouched. A publish that
 *   throws (channel closed) is a fault, and the error reaches the caller unchanged.
 * - Each message delivered to a `consume` callback runs as a segment of its own (a worker
 *   invocation) continuing the trace in its header, or starting one by the sampling rules when
 *   it has none, with annotations `queue`, `exchange`, `routing_key` and
 *   `redelivered`. The segment ends when the callback returns, or when the promise it
 *   returns settles; a throw or rejection is a fault with the error as `cause` and is passed on
 *   unchanged. A `null` message (consumer cancelled) is passed on untouched.
 *
 * Callbacks amqplib calls when the broker replies (the callback API's `assertQueue`,
 * `createChannel`, `consume`'s own, `get`, …; a confirm channel's confirmations in both APIs) run
 * in their caller's trace. `channel.get()` is not traced. `connect` runs outside any trace, so
 * the connection's socket never carries a request's context. amqplib exports no classes: its `connect` is wrapped, and
 * the channel classes are patched on the first channel made: connect through the module object
 * given. Returns the module; calling it again only changes the options. Never throws.
 */
export function traceAmqp<T extends AmqpModuleLike>(amqplib: T, options: AmqpOptions = {}): T {
  settings.consumerName = options.consumerName;
  try {
    const m = amqplib as unknown as Record<string | symbol, unknown>;
    if (m === null || typeof m !== 'object' || typeof m['connect'] !== 'function') {
      recorder.drop(
        'amqp_unsupported_module',
        'traceAmqp() needs the amqplib or amqplib/callback_api module',
      );
    } else if (m[Symbol.toStringTag] === 'Module') {
      // `import * as amqplib`: its functions cannot be replaced, nor would calls through it see it.
      recorder.drop(
        'amqp_unsupported_module',
        "traceAmqp(): pass amqplib's default export (import amqplib from 'amqplib')",
      );
    } else wrapMethod(m, 'connect', WRAPPED, tracedConnect);
  } catch (err) {
    recorder.drop('amqp_instrumentation_error', `traceAmqp(): ${(err as Error).message}`);
  }
  return amqplib;
}

function ignore(): void {}

/**
 * Calls `original`, then `patch` with what it made: the value returned (callback API), the
 * value a returned promise resolves to (promise API) or the callback's second argument.
 */
function patchingResult(original: AnyFn, patch: (made: unknown) => void, callbackContext: boolean): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const last = args.length - 1;
    if (last >= 0 && typeof args[last] === 'function') {
      const callback = args[last] as AnyFn;
      const patching = function (this: unknown, ...results: unknown[]) {
        patch(results[1]);
        return callback.apply(this, results);
      };
      args[last] = callbackContext ? AsyncResource.bind(patching) : patching;
    }
    const made = callbackContext
      ? recorder.storage.exit(() => original.apply(this, args))
      : original.apply(this, args);
    patch(made);
    // A handler of our own on a rejected promise: the caller's promise is returned untouched.
    if (made instanceof Promise) made.then(patch, ignore);
    return made;
  };
}

/**
 * `connect`: run outside any trace (the socket, and so every delivery, would otherwise carry
 * the context of whichever request connected); its callback still runs in the caller's.
 */
function tracedConnect(original: AnyFn): AnyFn {
  return patchingResult(original, patchModel, true);
}

function patchModel(model: unknown): void {
  if (model === null || typeof model !== 'object') return;
  try {
    for (const name of ['createChannel', 'createConfirmChannel'])
      wrapMethod(model, name, WRAPPED, (original) => patchingResult(original, patchChannel, false));
    bindCallbacks(model, CONNECTION_METHODS);
  } catch (err) {
    recorder.drop('amqp_instrumentation_error', `amqplib: ${(err as Error).message}`);
  }
}

/**
 * Patches a channel's class, once. `publish` is wrapped on the class that defines `consume`
 * (the plain channel): a confirm channel's `publish` and every `sendToQueue` end up there, so
 * each message is recorded once.
 */
function patchChannel(channel: unknown): void {
  if (channel === null || typeof channel !== 'object') return;
  const c = channel as Record<string, unknown>;
  if (typeof c['consume'] !== 'function' || typeof c['publish'] !== 'function') return;
  if (isMarked(c['consume'], WRAPPED)) return;
  try {
    let owner: object | null = channel;
    while (owner !== null && !Object.hasOwn(owner, 'consume'))
      owner = Object.getPrototypeOf(owner) as object | null;
    if (owner === null) return;
    wrapMethod(owner, 'publish', WRAPPED, tracedPublish);
    wrapMethod(owner, 'consume', WRAPPED, tracedConsume);
    bindCallbacks(channel, REPLY_METHODS);
    // `consume(queue, onMessage, options, callback)`: the last argument may be `onMessage`.
    wrapMethod(channel, 'consume', BOUND, (original) => bindingCallback(original, 3));
    if (typeof c['waitForConfirms'] === 'function') bindCallbacks(channel, CONFIRM_METHODS);
  } catch (err) {
    recorder.drop('amqp_instrumentation_error', `amqplib: ${(err as Error).message}`);
  }
}

/**
 * Makes the reply callbacks of `methods` (where `target`'s classes define them) run in the
 * context of the code that called the method, as an `await` would: user code in the callback
 * of, say, `assertQueue` inside a request stays in that request's trace. Outside any trace the
 * callback is passed on untouched.
 */
function bindCallbacks(target: object, methods: readonly string[]): void {
  for (const name of methods) wrapMethod(target, name, BOUND, (original) => bindingCallback(original));
}

/** `original` with its callback (the argument at `index`, default the last) bound to the caller's context. */
function bindingCallback(original: AnyFn, index?: number): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const i = index ?? args.length - 1;
    const callback = args[i];
    if (typeof callback === 'function' && recorder.storage.getStore() !== undefined)
      args[i] = AsyncResource.bind(callback as AnyFn);
    return original.apply(this, args);
  };
}

function tracedPublish(original: AnyFn): AnyFn {
  // Fixed parameters, no rest array: an untraced publish allocates nothing here.
  return function publish(
    this: unknown,
    exchange: unknown,
    routingKey: unknown,
    content: unknown,
    options: unknown,
    callback: unknown,
  ) {
    const context = recorder.storage.getStore();
    if (context === undefined || !recorder.enabled)
      return original.call(this, exchange, routingKey, content, options, callback);
    let sub: Subsegment | undefined;
    let sent = options;
    try {
      // Only sampled entities have subsegments.
      if ('addSubsegment' in context) sub = startPublish(context, exchange, routingKey);
      const header = sub
        ? formatXRayHeader(sub.traceId, sub.id, true)
        : // No Parent: the unsampled entity records nothing the consumer could point at.
          formatXRayHeader(context.traceId, undefined, false);
      // W3C's form too, for OpenTelemetry consumers (ADR 0011); it must name a parent.
      const traceparent = recorder.config.traceparent
        ? formatTraceparent(context.traceId, sub?.id ?? context.id, sub !== undefined)
        : undefined;
      sent = withHeaders(options, header, traceparent, traceparent && tracestateOf(context));
    } catch (err) {
      recorder.drop('amqp_instrumentation_error', `amqplib publish: ${(err as Error).message}`);
    }
    let result: unknown;
    try {
      result = original.call(this, exchange, routingKey, content, sent, callback);
    } catch (err) {
      sub?.close(err);
      throw err;
    }
    sub?.close();
    return result;
  };
}

function startPublish(parent: Segment | Subsegment, exchange: unknown, routingKey: unknown): Subsegment {
  const ex = typeof exchange === 'string' ? exchange : '';
  const key = typeof routingKey === 'string' ? routingKey : '';
  // The default exchange routes to the queue named by the key (`sendToQueue`): name the queue.
  const sub = parent.addSubsegment(ex || key || 'amqp', 'remote');
  sub.addMetadata('exchange', ex, 'amqp');
  sub.addMetadata('routing_key', key, 'amqp');
  if (ex === '') sub.addMetadata('queue', key, 'amqp');
  return sub;
}

/** A copy of the publish options with the trace headers added to a copy of their `headers`. */
function withHeaders(
  options: unknown,
  header: string,
  traceparent: string | undefined,
  tracestate: string | undefined,
): PublishOptionsLike {
  const given = options !== null && typeof options === 'object' ? (options as PublishOptionsLike) : undefined;
  const headers: Record<string, unknown> =
    given?.headers !== null && typeof given?.headers === 'object' ? { ...given.headers } : {};
  headers[XRAY_HEADER] = header;
  if (traceparent !== undefined) headers[TRACEPARENT] = traceparent;
  if (tracestate !== undefined) headers[TRACESTATE] = tracestate;
  return { ...given, headers };
}

function tracedConsume(original: AnyFn): AnyFn {
  return function consume(this: unknown, ...args: unknown[]) {
    const callback = args[1];
    if (typeof callback === 'function' && !isMarked(callback, WRAPPED))
      args[1] = consumerOf(args[0], callback as AnyFn);
    return original.apply(this, args);
  };
}

/** The consumer callback, each message in a segment of its own. */
function consumerOf(queue: unknown, callback: AnyFn): AnyFn {
  const queueName = typeof queue === 'string' ? queue : '';
  const wrapped = function onMessage(this: unknown, message: unknown) {
    if (message === null || typeof message !== 'object' || !recorder.enabled)
      return callback.call(this, message);
    const m = message as MessageLike;
    // A message from an OpenTelemetry producer carries only `traceparent`.
    const traceContext =
      parseXRayHeader(headerOf(m, XRAY_HEADER)) ?? parseTraceparent(headerOf(m, TRACEPARENT));
    const tracestate = headerOf(m, TRACESTATE);
    if (traceContext !== undefined && tracestate !== undefined)
      traceContext.samplingRule = ruleFromTracestate(tracestate);
    return traceSegment(
      settings.consumerName ?? recorder.config.name,
      (segment) => {
        if (segment.sampled) describeDelivery(segment, queueName, m);
        return callback.call(this, message);
      },
      { traceContext },
    );
  };
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped;
}

function headerOf(
  message: MessageLike,
  name: typeof XRAY_HEADER | typeof TRACEPARENT | typeof TRACESTATE,
): string | undefined {
  const headers = message.properties?.headers;
  if (headers === null || typeof headers !== 'object') return undefined;
  const value = name === XRAY_HEADER ? (headers[XRAY_HEADER] ?? headers[XRAY_HEADER_LOWER]) : headers[name];
  if (typeof value === 'string') return value;
  // Some clients send header values as bytes.
  return Buffer.isBuffer(value) ? value.toString('latin1') : undefined;
}

function describeDelivery(segment: TraceEntity, queue: string, message: MessageLike): void {
  try {
    const fields = message.fields;
    segment.addAnnotation('queue', queue);
    if (typeof fields?.exchange === 'string') segment.addAnnotation('exchange', fields.exchange);
    if (typeof fields?.routingKey === 'string') segment.addAnnotation('routing_key', fields.routingKey);
    if (typeof fields?.redelivered === 'boolean') segment.addAnnotation('redelivered', fields.redelivered);
  } catch (err) {
    recorder.drop('amqp_instrumentation_error', `amqplib consume: ${(err as Error).message}`);
  }
}
