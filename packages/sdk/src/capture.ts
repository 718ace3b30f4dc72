import { type AnnotationValue, NOOP_ENTITY, type TraceEntity } from './entity.js';
import { type BeginSegmentOptions, type ContextEntity, recorder } from './recorder.js';

type Method<This, Args extends unknown[], R> = (this: This, ...args: Args) => R;

/**
 * A method decorator usable both as a TC39 standard decorator and with TypeScript's
 * `experimentalDecorators`: the runtime tells the two calling conventions apart.
 */
export interface CaptureDecorator {
  <This, Args extends unknown[], R>(
    value: Method<This, Args, R>,
    context: ClassMethodDecoratorContext<This, Method<This, Args, R>>,
  ): Method<This, Args, R>;
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
}

/**
 * Records a subsegment named `name` around `fn`, which runs now and receives the subsegment.
 * Returns exactly what `fn` returns: a value for a sync function, a promise for an async one
 * (the subsegment ends when it settles). A thrown error or rejection is recorded as a fault with
 * its stack as `cause` and rethrown unchanged.
 *
 * With one argument, returns a method decorator: `@capture('name')`.
 */
export function capture<T>(name: string, fn: (subsegment: TraceEntity) => T): T;
export function capture(name: string): CaptureDecorator;
export function capture<T>(name: string, fn?: (subsegment: TraceEntity) => T): T | CaptureDecorator {
  if (fn === undefined) return captureDecorator(name);
  return runCaptured(name, fn);
}

function runCaptured<T>(name: string, fn: (subsegment: TraceEntity) => T): T {
  const parent = recorder.storage.getStore();
  if (parent === undefined) {
    if (recorder.enabled) recorder.contextMissing(`capture("${name}")`);
    return fn(NOOP_ENTITY);
  }
  if (!parent.sampled) return fn(parent);
  const sub = parent.addSubsegment(name);
  let result: T;
  try {
    result = recorder.storage.run(sub, fn, sub);
  } catch (err) {
    sub.close(err);
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        sub.close();
        return value;
      },
      (err: unknown) => {
        sub.close(err);
        throw err;
      },
    ) as T;
  }
  sub.close();
  return result;
}

function captureDecorator(name: string): CaptureDecorator {
  function decorator(value: unknown, context: unknown, descriptor?: PropertyDescriptor): unknown {
    // TC39: (method, context with `kind`); legacy: (prototype, key, descriptor).
    if (descriptor === undefined && typeof value === 'function' && isMethodContext(context)) {
      return wrap(name, value as (...args: unknown[]) => unknown);
    }
    if (descriptor && typeof descriptor.value === 'function') {
      return { ...descriptor, value: wrap(name, descriptor.value as (...args: unknown[]) => unknown) };
    }
    return descriptor;
  }
  return decorator as CaptureDecorator;
}

function isMethodContext(context: unknown): boolean {
  return typeof context === 'object' && context !== null && (context as { kind?: unknown }).kind === 'method';
}

/**
 * Returns a function with the same signature as `fn` that records a subsegment named `name` on
 * every call (see `capture`).
 */
export function wrap<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  const wrapped = function (this: unknown, ...args: Parameters<F>) {
    return runCaptured(name, () => fn.apply(this, args));
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped as unknown as F;
}

/**
 * Starts a subsegment by hand, for code that cannot be wrapped (callbacks, streams). It does not
 * become the current context (use `withEntity` for that); call `close()` when the work ends.
 * Returns a no-op handle when there is no sampled segment.
 */
export function subsegment(name: string, namespace?: 'remote' | 'aws' | 'local'): TraceEntity {
  const parent = recorder.storage.getStore() ?? recorder.currentOrMissing(`subsegment("${name}")`);
  if (parent === undefined) return NOOP_ENTITY;
  if (!parent.sampled) return parent;
  return parent.addSubsegment(name, namespace);
}

/** Runs `fn` with `entity` (from `subsegment()` or `getCurrent()`) as the current context. */
export function withEntity<T>(entity: TraceEntity, fn: () => T): T {
  if (entity === NOOP_ENTITY || !isContextEntity(entity)) return fn();
  return recorder.run(entity, fn);
}

function isContextEntity(entity: TraceEntity): entity is ContextEntity {
  return 'addSubsegment' in entity || !entity.sampled;
}

/**
 * Runs `fn` as a new segment (a background job, a queue message, a script): the segment ends and
 * is sent when `fn` returns or settles; errors are recorded as faults and rethrown unchanged.
 */
export function traceSegment<T>(
  name: string,
  fn: (segment: TraceEntity) => T,
  options: Omit<BeginSegmentOptions, 'name'> = {},
): T {
  if (!recorder.enabled) return fn(NOOP_ENTITY);
  const segment = recorder.beginSegment(options, name);
  let result: T;
  try {
    result = recorder.run(segment, () => fn(segment));
  } catch (err) {
    segment.close(err);
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        segment.close();
        return value;
      },
      (err: unknown) => {
        segment.close(err);
        throw err;
      },
    ) as T;
  }
  segment.close();
  return result;
}

/** The current segment or subsegment, or a no-op handle (context-missing strategy applies). */
export function getCurrent(): TraceEntity {
  return recorder.currentOrMissing('getCurrent()') ?? NOOP_ENTITY;
}

/** Adds an indexed annotation to the current (sub)segment. */
export function addAnnotation(key: string, value: AnnotationValue): void {
  recorder.currentOrMissing(`addAnnotation("${key}")`)?.addAnnotation(key, value);
}

/** Adds metadata to the current (sub)segment under `namespace` (default `"default"`). */
export function addMetadata(key: string, value: unknown, namespace?: string): void {
  recorder.currentOrMissing(`addMetadata("${key}")`)?.addMetadata(key, value, namespace);
}

/** Sets the `user` of the current request's segment. */
export function setUser(user: string): void {
  const entity = recorder.currentOrMissing('setUser()');
  if (entity?.sampled && 'segment' in entity) entity.segment.setUser(user);
}
