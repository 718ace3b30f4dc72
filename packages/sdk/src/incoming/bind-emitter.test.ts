import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { configure, getCurrent, traceSegment } from '../index.js';
import { recorder } from '../recorder.js';
import { bindEmitter } from './bind-emitter.js';

configure({ sampling: { rules: { version: 2, default: { fixed_target: 0, rate: 1 } }, centralized: false } });

test('listeners run in the bound context even when the emitter fires from elsewhere', async () => {
  const emitter = new EventEmitter();
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

test('removeListener and off take the function that was added, for on and once', () => {
  const emitter = new EventEmitter();
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
