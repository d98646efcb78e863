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
 * `onEnd()` when `end` resolves first (the invocation ran out of time).
 */
export function settleWithin<T>(
  promise: PromiseLike<T>,
  ms: number,
  onTimeout: () => Error,
  end?: { readonly promise: Promise<void>; readonly error: () => Error },
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    void end?.promise.then(() => reject(end.error()));
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Lone UTF-16 surrogates: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` is well-formed UTF-16 (no lone surrogate), so UTF-8 encodes it without loss. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
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
