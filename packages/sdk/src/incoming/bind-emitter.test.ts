import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { configure, getCurrent, traceSegment } from '../index.js';
import { recorder } from '../recorder.js';
import { bindEmitter } from './bind-emitter.js';

/** Binding patches `emit` on the emitter's prototype: tests use their own class. */
class Emitter extends EventEmitter {}

configure({ sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 1 } }, centralized: false } });

test('listeners run in the bound context even when the emitter fires from elsewhere', async () => {
  const emitter = new Emitter();
  const seen: string[] = [];
  let id = '';
  await traceSegment('bind', (segment) => {
    id = segment.id;
    bindEmitter(emitter, recorder.current()!);
    emitter.on('x', () => seen.push(`on:${getCurrent().id}`));
    emitter.once('x', () => seen.push(`once:${getCurrent().id}`));
  });
  // Fired from outside any trace.
  recorder.storage.exit(() => {
    emitter.emit('x');
    emitter.emit('x');
  });
  expect(seen).toEqual([`on:${id}`, `once:${id}`, `on:${id}`]);
});

test('listeners added before binding run in the bound context; unbound emitters of the class do not', async () => {
  const bound = new Emitter();
  const unbound = new Emitter();
  const seen: string[] = [];
  bound.on('x', () => seen.push(`bound:${recorder.current()?.id}`));
  unbound.on('x', () => seen.push(`unbound:${recorder.current()?.id}`));
  let id = '';
  await traceSegment('bind', (segment) => {
    id = segment.id;
    bindEmitter(bound, recorder.current()!);
  });
  recorder.storage.exit(() => {
    bound.emit('x');
    unbound.emit('x');
  });
  expect(seen).toEqual([`bound:${id}`, 'unbound:undefined']);
});

test('an emitter with its own emit is bound on the instance; errors without listeners still throw', () => {
  const emitter = new Emitter();
  const calls: unknown[] = [];
  emitter.emit = function (this: Emitter, event: string | symbol, ...args: unknown[]) {
    calls.push(event);
    return EventEmitter.prototype.emit.call(this, event, ...args);
  };
  let id = '';
  const seen: (string | undefined)[] = [];
  traceSegment('bind', (segment) => {
    id = segment.id;
    bindEmitter(emitter, recorder.current()!);
  });
  emitter.on('x', () => seen.push(recorder.current()?.id));
  recorder.storage.exit(() => emitter.emit('x'));
  expect(seen).toEqual([id]);
  expect(calls).toEqual(['x']);
  expect(() => emitter.emit('error', new Error('boom'))).toThrow('boom');
});

test('removeListener and off take the function that was added, for on and once', () => {
  const emitter = new Emitter();
  let calls = 0;
  const a = () => calls++;
  const b = () => calls++;
  traceSegment('bind', () => {
    bindEmitter(emitter, recorder.current()!);
    emitter.on('x', a);
    emitter.once('x', b);
  });
  emitter.removeListener('x', a);
  emitter.off('x', b);
  emitter.emit('x');
  expect(calls).toBe(0);
  expect(emitter.listenerCount('x')).toBe(0);
});
