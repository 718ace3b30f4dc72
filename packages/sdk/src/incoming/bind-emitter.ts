import type { EventEmitter } from 'node:events';
import type { ContextEntity } from '../recorder.js';
import { recorder } from '../recorder.js';

const ENTITY = Symbol.for('fluoro.boundEntity');
const ORIGINALS = Symbol.for('fluoro.boundOriginals');

type Listener = ((...args: unknown[]) => unknown) & { listener?: Listener };
type AddOrRemove = (this: Bound, event: string | symbol, listener: Listener) => EventEmitter;
type Bound = EventEmitter & {
  [ENTITY]?: ContextEntity;
  [ORIGINALS]?: Record<string, AddOrRemove>;
} & Record<string, unknown>;

function wrapListener(entity: ContextEntity, listener: Listener): Listener {
  const bound: Listener = function (this: unknown, ...args: unknown[]) {
    return recorder.storage.run(entity, () => listener.apply(this, args));
  };
  bound.listener = listener;
  return bound;
}

// Shared replacements: binding an emitter allocates nothing per method. `once` and
// `prependOnceListener` call `on` / `prependListener` internally.
function makeAdder(method: string): AddOrRemove {
  return function (this: Bound, event, listener) {
    const original = this[ORIGINALS]![method]!;
    const entity = this[ENTITY];
    if (typeof listener !== 'function' || entity === undefined) return original.call(this, event, listener);
    return original.call(this, event, wrapListener(entity, listener));
  };
}

function makeRemover(method: string): AddOrRemove {
  return function (this: Bound, event, listener) {
    const original = this[ORIGINALS]![method]!;
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

const REPLACEMENTS: Record<string, AddOrRemove> = {
  on: makeAdder('on'),
  addListener: makeAdder('addListener'),
  prependListener: makeAdder('prependListener'),
  removeListener: makeRemover('removeListener'),
  off: makeRemover('off'),
};
const METHODS = Object.keys(REPLACEMENTS);

/**
 * Makes listeners added to `emitter` from now on run in `entity`'s context, whatever context
 * the emitter fires from (socket callbacks, for streams). Removing a listener by the function
 * that was added keeps working, for `on` and `once` alike.
 */
export function bindEmitter(emitter: EventEmitter, entity: ContextEntity): void {
  const target = emitter as Bound;
  if (target[ENTITY] !== undefined) return;
  target[ENTITY] = entity;
  const originals: Record<string, AddOrRemove> = {};
  for (const method of METHODS) {
    originals[method] = target[method] as AddOrRemove;
    target[method] = REPLACEMENTS[method];
  }
  target[ORIGINALS] = originals;
}
