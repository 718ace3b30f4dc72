/** Any function, as the instrumentations see a library's methods. */
export type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

type Marked = AnyFn & Record<symbol, true | undefined>;

/**
 * Replaces `target[name]` with `wrap(original)` where the method is defined (a base class's
 * prototype, so every subclass sees it), once: the wrapper carries `marker`, and a method that
 * already carries it is left alone. Nothing happens when no prototype defines the method.
 */
export function wrapMethod(
  target: object,
  name: string,
  marker: symbol,
  wrap: (original: AnyFn) => AnyFn,
): void {
  let owner: object | null = target;
  while (owner !== null && !Object.hasOwn(owner, name)) owner = Object.getPrototypeOf(owner) as object | null;
  if (owner === null || owner === Object.prototype) return;
  const original = (owner as Record<string, unknown>)[name];
  if (typeof original !== 'function' || isMarked(original, marker)) return;
  const wrapped = wrap(original as AnyFn);
  Object.defineProperty(wrapped, marker, { value: true });
  (owner as Record<string, unknown>)[name] = wrapped;
}

/** Whether `value` is a function marked with `marker` (a wrapper made by `wrapMethod`, or by hand). */
export function isMarked(value: unknown, marker: symbol): boolean {
  return typeof value === 'function' && (value as Marked)[marker] === true;
}
