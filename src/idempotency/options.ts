import { InvalidOptionsError } from '../errors.js';
import { describeValue, rejectUnknownKeys } from '../optionChecks.js';
import type { BatchRecord } from '../types.js';
import type { IdempotencyStore } from './store.js';

/**
 * The `idempotency` option: run each key's work once, even when SQS delivers
 * a message again or a producer sends the same event twice.
 *
 * @example
 * ```ts
 * import { createBatchHandler, MemoryIdempotencyStore } from 'sqs-partial-batch';
 * import { z } from 'zod';
 *
 * const Order = z.object({ orderId: z.string() });
 * export const handler = createBatchHandler(async (record) => {}, {
 *   schema: Order,
 *   idempotency: { store: new MemoryIdempotencyStore(), key: (record) => record.body.orderId, ttlSeconds: 3600 },
 * });
 * ```
 */
export interface IdempotencyOptions<TBody> {
  /** Where claims and completions are kept: `MemoryIdempotencyStore`, `DynamoDBIdempotencyStore`, `RedisIdempotencyStore` or your own. */
  readonly store: IdempotencyStore;
  /**
   * The key of a record's work. Records with the same key run once.
   * Use a business id (`record.body.orderId`) to also catch an event sent twice.
   * @default (record) => record.messageId (catches SQS redelivery)
   */
  readonly key?: ((record: BatchRecord<TBody>) => string) | undefined;
  /**
   * How long a completed key is remembered, in seconds. A record whose key
   * completed longer ago than this runs again.
   * @default 86400 (24 hours)
   */
  readonly ttlSeconds?: number | undefined;
  /**
   * Also remember a hash of the payload, and fail a later record that has the
   * same key but a different payload with `IdempotencyPayloadMismatchError`.
   * @default false
   */
  readonly validatePayload?: boolean | undefined;
  /**
   * How long a claim lasts when there is no Lambda context to take the
   * invocation's deadline from (local runs, tests, custom pollers).
   * @default 900 (15 minutes, the longest a Lambda invocation can run)
   */
  readonly inProgressTtlSeconds?: number | undefined;
  /**
   * How long one store call may take before its records fail closed (claims)
   * or the error is logged (completions, releases).
   * @default 5000
   */
  readonly timeoutMs?: number | undefined;
}

/** Defaults of the `idempotency` option. */
export const IDEMPOTENCY_DEFAULTS = Object.freeze({
  ttlSeconds: 86_400,
  validatePayload: false,
  inProgressTtlSeconds: 900,
  timeoutMs: 5000,
} as const);

/** The `idempotency` option with defaults applied. */
export interface ResolvedIdempotency {
  readonly store: IdempotencyStore;
  readonly key: ((record: BatchRecord<unknown>) => unknown) | undefined;
  readonly ttlMs: number;
  readonly validatePayload: boolean;
  readonly inProgressMs: number;
  readonly timeoutMs: number;
}

const KEYS = ['store', 'key', 'ttlSeconds', 'validatePayload', 'inProgressTtlSeconds', 'timeoutMs'] as const;

/** Checks the `idempotency` option and applies its defaults. */
export function resolveIdempotency(value: unknown): ResolvedIdempotency | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionsError(
      `Expected \`idempotency\` to be an object with a \`store\`, got ${describeValue(value)}`,
    );
  }
  const input = value as Record<string, unknown>;
  // The store itself where `{ store }` belongs: its own fields would read as unknown options.
  if (isStore(input)) {
    throw new InvalidOptionsError(
      'Expected `idempotency` to be an object with a `store`, got an idempotency store (did you mean `idempotency: { store }`?)',
    );
  }
  rejectUnknownKeys(input, KEYS, 'idempotency.');
  const { store, key, ttlSeconds, validatePayload, inProgressTtlSeconds, timeoutMs } = input;
  if (!isStore(store)) {
    throw new InvalidOptionsError(
      `Expected \`idempotency.store\` to be an idempotency store (an object with \`claim\`, \`complete\` and \`release\` methods), got ${describeValue(store)}`,
    );
  }
  if (key !== undefined && typeof key !== 'function') {
    throw new InvalidOptionsError(`Expected \`idempotency.key\` to be a function, got ${describeValue(key)}`);
  }
  if (validatePayload !== undefined && typeof validatePayload !== 'boolean') {
    throw new InvalidOptionsError(
      `Expected \`idempotency.validatePayload\` to be a boolean, got ${describeValue(validatePayload)}`,
    );
  }
  return {
    store,
    key: key as ResolvedIdempotency['key'],
    ttlMs: positive('ttlSeconds', ttlSeconds, IDEMPOTENCY_DEFAULTS.ttlSeconds) * 1000,
    validatePayload: validatePayload ?? IDEMPOTENCY_DEFAULTS.validatePayload,
    inProgressMs:
      positive('inProgressTtlSeconds', inProgressTtlSeconds, IDEMPOTENCY_DEFAULTS.inProgressTtlSeconds) * 1000,
    timeoutMs: positive('timeoutMs', timeoutMs, IDEMPOTENCY_DEFAULTS.timeoutMs),
  };
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionsError(
      `Expected \`idempotency.${name}\` to be a finite number > 0, got ${describeValue(value)}`,
    );
  }
  return value;
}

function isStore(value: unknown): value is IdempotencyStore {
  if (typeof value !== 'object' || value === null) return false;
  const store = value as Record<string, unknown>;
  return (
    typeof store.claim === 'function' && typeof store.complete === 'function' && typeof store.release === 'function'
  );
}
