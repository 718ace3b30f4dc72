import { capture, type TraceEntity, wrap } from '../index.js';

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
  void [n, p, s, wrong, sum];
}
