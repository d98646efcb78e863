/**
 * The contract between the batch loop and an idempotency backend. It is
 * batch-shaped: each method takes every key of a batch at once, so a backend
 * answers in as few round trips as it allows (one Lua script for Redis,
 * concurrent conditional writes for DynamoDB).
 *
 * Times are epoch milliseconds from the caller's clock (`now` is passed in),
 * so a backend compares them as given and never needs its own clock.
 *
 * A backend must make `claim` atomic per key: when several invocations claim
 * one key at the same time, exactly one gets `claimed`.
 *
 * Keys are JavaScript strings, and a backend must never let two distinct keys
 * share an entry. Most backends store keys as UTF-8, which turns every lone
 * surrogate into U+FFFD (so `"\ud800"` and `"\udfff"` would merge): such a
 * backend refuses a key that is not well-formed UTF-16
 * (`String.prototype.isWellFormed`), answering `error` for its claim, and
 * writing the other keys of a `complete` or `release` call before rejecting.
 *
 * @example
 * ```ts
 * import type { ClaimResult, IdempotencyClaim, IdempotencyStore } from 'sqs-partial-batch';
 *
 * function withLogging(inner: IdempotencyStore): IdempotencyStore {
 *   return {
 *     claim(claims: readonly IdempotencyClaim[], now: number): Promise<readonly ClaimResult[]> {
 *       console.log(`claiming ${claims.length} keys`);
 *       return inner.claim(claims, now);
 *     },
 *     complete: (completions, now) => inner.complete(completions, now),
 *     release: (releases) => inner.release(releases),
 *   };
 * }
 * ```
 */
export interface IdempotencyStore {
  /**
   * Claims each key for the calling invocation. For each key, atomically:
   * when there is no entry, or its entry has expired (a completed entry whose
   * `expiresAt <= now`, or an in-progress entry whose `inProgressUntil <= now`),
   * or it is an in-progress entry under the same `token` (a renewal: the
   * holder moves its own claim, as the consumer does while a record runs),
   * write an in-progress entry `{ token, inProgressUntil, payloadHash }` and
   * answer `claimed`; otherwise answer the entry's state and write nothing.
   *
   * @param claims - One per distinct key; keys do not repeat.
   * @param now - The caller's current time.
   * @returns One result per claim, in the same order. A backend that can fail
   *   for some keys and not others answers `error` for those; throwing fails them all.
   */
  claim(claims: readonly IdempotencyClaim[], now: number): Promise<readonly ClaimResult[]>;
  /**
   * Marks keys completed until `expiresAt`, whatever their current entry
   * (the work is done: a completed entry is always right). Throws when any
   * write failed; the caller logs it and the records still count as done.
   *
   * @param now - The caller's current time, for backends that store relative expiries.
   */
  complete(completions: readonly IdempotencyCompletion[], now: number): Promise<void>;
  /**
   * Deletes in-progress entries whose token matches, so a retry can run the
   * work again. An entry with another token (a later claim by another
   * invocation) or a completed entry is left alone.
   */
  release(releases: readonly IdempotencyRelease[]): Promise<void>;
}

/**
 * A request to hold one key while its record is processed.
 *
 * @example
 * ```ts
 * import type { IdempotencyClaim } from 'sqs-partial-batch';
 *
 * const claim: IdempotencyClaim = { key: 'order-1', token: 't-1', inProgressUntil: Date.now() + 30_000, payloadHash: undefined };
 * ```
 */
export interface IdempotencyClaim {
  /** The idempotency key (the store may prefix it). */
  readonly key: string;
  /** Identifies the claiming invocation; `release` only deletes entries with this token. */
  readonly token: string;
  /** When the claim lapses if it is neither completed nor released (the invocation's deadline). */
  readonly inProgressUntil: number;
  /** A hash of the record's payload, stored for `validatePayload`. */
  readonly payloadHash: string | undefined;
}

/**
 * A backend's answer for one claimed key.
 *
 * @example
 * ```ts
 * import type { ClaimResult } from 'sqs-partial-batch';
 *
 * const fresh: ClaimResult = { status: 'claimed' };
 * const done: ClaimResult = { status: 'completed', payloadHash: undefined };
 * ```
 */
export type ClaimResult =
  /** The key is now held by the caller. */
  | { readonly status: 'claimed' }
  /** The key's work was already done; `payloadHash` is what was stored with it. */
  | { readonly status: 'completed'; readonly payloadHash: string | undefined }
  /** Another invocation holds the key until `inProgressUntil`. */
  | { readonly status: 'in-progress'; readonly inProgressUntil: number; readonly payloadHash: string | undefined }
  /** The backend could not answer for this key. */
  | { readonly status: 'error'; readonly error: unknown };

/**
 * A request to mark one key's work as done.
 *
 * @example
 * ```ts
 * import type { IdempotencyCompletion } from 'sqs-partial-batch';
 *
 * const done: IdempotencyCompletion = { key: 'order-1', token: 't-1', expiresAt: Date.now() + 86_400_000, payloadHash: undefined };
 * ```
 */
export interface IdempotencyCompletion {
  readonly key: string;
  readonly token: string;
  /** Until when a redelivery of this key is suppressed (epoch ms). */
  readonly expiresAt: number;
  readonly payloadHash: string | undefined;
}

/**
 * A request to give up a claim after the work failed.
 *
 * @example
 * ```ts
 * import type { IdempotencyRelease } from 'sqs-partial-batch';
 *
 * const release: IdempotencyRelease = { key: 'order-1', token: 't-1' };
 * ```
 */
export interface IdempotencyRelease {
  readonly key: string;
  readonly token: string;
}
