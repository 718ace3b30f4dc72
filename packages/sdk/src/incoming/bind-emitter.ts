import type { EventEmitter } from 'node:events';
import type { ContextEntity } from '../recorder.js';
import { recorder } from '../recorder.js';

const BOUND = Symbol.for('fluoro.boundEmitter');
// `once` and `prependOnceListener` call `on` / `prependListener` internally.
const ADDERS = ['on', 'addListener', 'prependListener'] as const;
const REMOVERS = ['removeListener', 'off'] as const;

type Listener = ((...args: unknown[]) => unknown) & { listener?: Listener };

/**
 * Makes listeners added to `emitter` from now on run in `entity`'s context. Stream events
 * (`data`, `end` of a request body) fire from the socket's context, not the handler's, which is
 * how body parsers lose the trace in other SDKs. Removing a listener by the function that was
 * added keeps working, for `on` and `once` alike.
 */
export function bindEmitter(emitter: EventEmitter, entity: ContextEntity): void {
  const target = emitter as unknown as { [BOUND]?: boolean } & Record<string, unknown>;
  if (target[BOUND]) return;
  target[BOUND] = true;
  const storage = recorder.storage;
  for (const method of ADDERS) {
    const original = target[method] as (event: string | symbol, listener: Listener) => EventEmitter;
    target[method] = function (this: EventEmitter, event: string | symbol, listener: Listener) {
      if (typeof listener !== 'function') return original.call(this, event, listener);
      const bound: Listener = function (this: unknown, ...args: unknown[]) {
        return storage.run(entity, () => listener.apply(this, args));
      };
      bound.listener = listener;
      return original.call(this, event, bound);
    };
  }
  for (const method of REMOVERS) {
    const original = target[method] as (event: string | symbol, listener: Listener) => EventEmitter;
    target[method] = function (this: EventEmitter, event: string | symbol, listener: Listener) {
      const raw = this.rawListeners(event) as Listener[];
      for (let i = raw.length - 1; i >= 0; i--) {
        const l = raw[i]!;
        if (l === listener || l.listener === listener || l.listener?.listener === listener) {
          return original.call(this, event, l);
        }
      }
      return original.call(this, event, listener);
    };
  }
}
