// Helpers for idempotency keys in messages and stores. Pure and import-free:
// the store entry points bundle their own copy, and take the error classes
// from the core package.

/** Keys up to this many UTF-16 code units are quoted whole in messages. */
const QUOTED_LENGTH = 32;

/**
 * A key as messages quote it: JSON-quoted (so lone surrogates and control
 * characters show as escapes), and when it is long, its first 32 characters,
 * an ellipsis and its length, e.g. `"order-123…" (2,048 chars)`.
 */
export function quoteKey(key: string): string {
  if (key.length <= QUOTED_LENGTH) return JSON.stringify(key);
  let end = QUOTED_LENGTH;
  const last = key.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // do not split a surrogate pair
  return `${JSON.stringify(key.slice(0, end)).slice(0, -1)}…" (${groupDigits(key.length)} chars)`;
}

/** `2048` as `2,048`, without depending on the runtime's locale data. */
function groupDigits(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Why a store must refuse `key`, or `undefined` when it can keep it apart
 * from every other key. A string that is not well-formed UTF-16 (a lone
 * surrogate) is refused: Redis clients and DynamoDB encode it as UTF-8, which
 * turns every lone surrogate into U+FFFD, so distinct keys would merge.
 */
export function keyRefusal(key: unknown): string | undefined {
  if (typeof key !== 'string') return `An idempotency key must be a string, got ${key === null ? 'null' : typeof key}`;
  if ((key as unknown as { isWellFormed(): boolean }).isWellFormed()) return undefined;
  return `Idempotency key ${quoteKey(key)} is not well-formed UTF-16 (it has a lone surrogate), so the store refuses it: stored as UTF-8 it would merge with other keys`;
}

/**
 * Splits a store call's items into those the store can write and the
 * reasons it refuses the others (one line per refused key).
 */
export function partitionByKey<T extends { readonly key: string }>(
  items: readonly T[],
  refusal: (key: string) => string | undefined = keyRefusal,
): { readonly accepted: readonly T[]; readonly refused: readonly string[] } {
  let accepted: T[] | undefined;
  const refused: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const why = refusal(item.key);
    if (why === undefined) {
      accepted?.push(item);
      continue;
    }
    accepted ??= items.slice(0, i);
    refused.push(why);
  }
  return { accepted: accepted ?? items, refused };
}

/** The message of a `complete` or `release` call that refused some keys (it wrote the others). */
export function refusedMessage(operation: 'complete' | 'release', refused: readonly string[]): string {
  const more = refused.length > 1 ? ` (and ${refused.length - 1} more keys refused)` : '';
  return `The store did not ${operation} ${refused.length} of the keys; it wrote the others. ${refused[0]}${more}`;
}
