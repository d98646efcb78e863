import { type Clock, realClock } from './clock.js';

/** True for promises and other thenables, so sync results can skip an `await`. */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms`, or with
 * `end.error()` when `end.promise` resolves first (the invocation ran out of
 * time). The one timeout helper of the library: every call to something
 * outside the process goes through it. `ms` is measured on `clock`, the
 * invocation's clock where there is one, so the testing simulator's virtual
 * time governs store and SQS timeouts as it governs the deadline.
 */
export function settleWithin<T>(
  promise: PromiseLike<T>,
  ms: number,
  onTimeout: () => Error,
  end?: { readonly promise: Promise<void>; readonly error: () => Error },
  clock: Clock = realClock,
): Promise<T> {
  let timer: unknown;
  const limit = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(onTimeout()), ms);
    void end?.promise.then(() => reject(end.error()));
  });
  return Promise.race([promise, limit]).finally(() => clock.clearTimeout(timer));
}

/**
 * True when `text` is well-formed UTF-16 (no lone surrogate), so UTF-8
 * encodes it without loss. `String.prototype.isWellFormed` (Node.js 20+),
 * which TypeScript's ES2023 library does not declare yet.
 */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * `value instanceof type`, false instead of a throw for values that cannot
 * be inspected (a revoked proxy throws from `instanceof`).
 */
export function isInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}
