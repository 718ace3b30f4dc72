import type { EventEmitter } from 'node:events';
import type { ContextEntity } from '../recorder.js';
import { recorder } from '../recorder.js';

const PATCHED = Symbol.for('fluoro.listenersBound');
/** On a context wrapper: the function that was passed to `on` (maybe Node's `once` wrapper). */
const WRAPPED = Symbol.for('fluoro.wrappedListener');

type Listener = ((...args: unknown[]) => unknown) & { listener?: Listener; [WRAPPED]?: Listener };
type Method = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;
type Patchable = Record<string, Method> & { [PATCHED]?: true };

/** A listener that runs in `entity`'s context; `listener` unwraps to what the user added. */
function wrapListener(entity: ContextEntity, listener: Listener): Listener {
  const bound: Listener = function (this: unknown, ...args: unknown[]) {
    return recorder.storage.run(entity, () => listener.apply(this, args));
  };
  bound[WRAPPED] = listener;
  // `listeners()` and `removeListener(original)` see through Node's `once` wrapper this way.
  bound.listener = listener.listener ?? listener;
  return bound;
}

function adder(original: Method): Method {
  return function (event, listener) {
    const entity = recorder.storage.getStore();
    if (entity === undefined || typeof listener !== 'function') return original.call(this, event, listener);
    return original.call(this, event, wrapListener(entity, listener));
  };
}

function remover(original: Method): Method {
  return function (event, listener) {
    // The listener may be what the user added, or Node's `once` wrapper removing itself.
    const raw = this.rawListeners(event) as Listener[];
    for (let i = raw.length - 1; i >= 0; i--) {
      const l = raw[i]!;
      if (l[WRAPPED] !== undefined && (l[WRAPPED] === listener || l.listener === listener)) {
        return original.call(this, event, l);
      }
    }
    return original.call(this, event, listener);
  };
}

/**
 * Makes listeners added to emitters of this prototype (Node's `IncomingMessage` and
 * `ServerResponse`, for incoming requests) run in the trace context they were added in,
 * whatever context the emitter fires from: a request body's `data` and `end` come from the
 * socket, outside any request's context. Listeners added outside a trace are left alone.
 *
 * Patched once per prototype, so tracing a request stores nothing on `req` or `res`: Express
 * changes the prototype of every `req` and `res`, after which each new property costs V8 a new
 * hidden class, microseconds and garbage per request.
 */
export function bindListenersToContext(proto: object): void {
  const target = proto as Patchable;
  if (Object.hasOwn(target, PATCHED)) return;
  const patch = (name: string, make: (original: Method) => Method): void => {
    const original = target[name];
    if (typeof original !== 'function') return;
    Object.defineProperty(target, name, { value: make(original), writable: true, configurable: true });
  };
  for (const name of ['on', 'addListener', 'prependListener']) patch(name, adder);
  for (const name of ['removeListener', 'off']) patch(name, remover);
  Object.defineProperty(target, PATCHED, { value: true });
}
