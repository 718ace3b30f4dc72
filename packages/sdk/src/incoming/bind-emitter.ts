import type { EventEmitter } from 'node:events';
import type { ContextEntity } from '../recorder.js';
import { recorder } from '../recorder.js';

const ENTITY = Symbol.for('fluoro.boundEntity');
const PATCHED = Symbol.for('fluoro.emitPatched');

type Emit = (this: Bound, event: string | symbol, ...args: unknown[]) => boolean;
type Bound = EventEmitter & { [ENTITY]?: ContextEntity };
type Patchable = { emit: Emit; [PATCHED]?: true };

/** The emit of a bound emitter: its listeners run in the bound entity's context. */
function patchedEmit(original: Emit): Emit {
  return function emit(this: Bound, event, ...args) {
    const entity = this[ENTITY];
    if (entity === undefined || recorder.storage.getStore() === entity || this.listenerCount(event) === 0) {
      return original.call(this, event, ...args);
    }
    return recorder.storage.run(entity, () => original.call(this, event, ...args));
  };
}

/**
 * Makes `emitter`'s listeners run in `entity`'s context, whatever context the emitter fires from
 * (socket callbacks, for streams). Listeners are not wrapped, so adding and removing them is
 * untouched.
 *
 * This runs for every request, so it must cost almost nothing: `emit` is replaced once per
 * prototype (an `IncomingMessage`, `ServerResponse` or a framework's request prototype) with
 * one that looks for the entity on the object, and binding an emitter stores that one property.
 * An emitter whose own `emit` was set by other code is patched on the instance instead.
 */
export function bindEmitter(emitter: EventEmitter, entity: ContextEntity): void {
  const target = emitter as Bound;
  if (target[ENTITY] !== undefined) return;
  target[ENTITY] = entity;
  if (Object.hasOwn(target, 'emit')) {
    const own = target as unknown as Patchable;
    own.emit = patchedEmit(own.emit);
    return;
  }
  const proto = Object.getPrototypeOf(target) as Patchable | null;
  if (proto === null || Object.hasOwn(proto, PATCHED)) return;
  Object.defineProperty(proto, 'emit', {
    value: patchedEmit(proto.emit),
    writable: true,
    configurable: true,
  });
  Object.defineProperty(proto, PATCHED, { value: true });
}
