// Helpers for idempotency keys in messages and stores. The store entry points
// bundle their own copy, and take the error classes from the core package.
import { nodeCrypto } from '../builtins.js';
import { isWellFormed } from '../util.js';

/**
 * A key as messages name it, without quoting any of it: keys are often built
 * from a message body, and no part of a body may reach a log line or an error
 * message. A fingerprint (the first 12 hex digits of the SHA-256 of its
 * UTF-16 code units) and its length tell keys apart, e.g.
 * `key#3f2a9c01b7de (2,048 chars)`; hash a suspect key the same way to match it.
 */
export function quoteKey(key: string): string {
  const fingerprint = nodeCrypto().createHash('sha256').update(key, 'utf16le').digest('hex').slice(0, 12);
  return `key#${fingerprint} (${groupDigits(key.length)} chars)`;
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
  if (isWellFormed(key)) return undefined;
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
