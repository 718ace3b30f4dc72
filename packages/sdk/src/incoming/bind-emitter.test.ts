import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { capture, configure, traceSegment } from '../index.js';
import { recorder } from '../recorder.js';
import { bindListenersToContext } from './bind-emitter.js';

/** Binding patches the prototype: the tests use a class of their own. */
class Emitter extends EventEmitter {}
bindListenersToContext(Emitter.prototype);
bindListenersToContext(Emitter.prototype); // twice is a no-op

configure({ sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 1 } }, centralized: false } });

const currentId = () => recorder.current()?.id;

test('listeners run in the context they were added in, whatever context the emitter fires from', async () => {
  const emitter = new Emitter();
  const seen: string[] = [];
  let segmentId = '';
  let subsegmentId = '';
  await traceSegment('bind', async (segment) => {
    segmentId = segment.id;
    emitter.on('x', () => seen.push(`on:${currentId()}`));
    emitter.once('x', () => seen.push(`once:${currentId()}`));
    await capture('inner', (sub) => {
      subsegmentId = sub.id;
      emitter.prependListener('x', () => seen.push(`inner:${currentId()}`));
    });
  });
  emitter.on('x', () => seen.push(`outside:${currentId()}`));
  // Fired from outside any trace.
  recorder.storage.exit(() => {
    emitter.emit('x');
    emitter.emit('x');
  });
  expect(seen).toEqual([
    `inner:${subsegmentId}`,
    `on:${segmentId}`,
    `once:${segmentId}`,
    'outside:undefined',
    `inner:${subsegmentId}`,
    `on:${segmentId}`,
    'outside:undefined',
  ]);
  // Unbound classes are untouched.
  const plain = new EventEmitter();
  traceSegment('plain', () => plain.on('y', () => seen.push(`plain:${currentId()}`)));
  recorder.storage.exit(() => plain.emit('y'));
  expect(seen.at(-1)).toBe('plain:undefined');
});

test('removeListener and off take the function that was added, for on and once; listeners() unwraps', () => {
  const emitter = new Emitter();
  let calls = 0;
  const a = () => calls++;
  const b = () => calls++;
  traceSegment('bind', () => {
    emitter.on('x', a);
    emitter.once('x', b);
  });
  expect(emitter.listeners('x')).toEqual([a, b]);
  emitter.removeListener('x', a);
  emitter.off('x', b);
  emitter.emit('x');
  expect(calls).toBe(0);
  expect(emitter.listenerCount('x')).toBe(0);
});

test('a once listener added in a trace fires once and then is gone', () => {
  const emitter = new Emitter();
  let calls = 0;
  traceSegment('bind', () => {
    emitter.once('x', () => calls++);
  });
  emitter.emit('x');
  emitter.emit('x');
  expect(calls).toBe(1);
  expect(emitter.listenerCount('x')).toBe(0);
});
