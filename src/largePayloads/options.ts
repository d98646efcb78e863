import { InvalidOptionsError } from '../errors.js';
import { describeValue, rejectUnknownKeys } from '../optionChecks.js';

// Types of the `largePayloads` option (the core takes them as types only) and its checks, in the
// `sqs-partial-batch/large-payloads` entry.

/**
 * The one method used from an `S3Client` of `@aws-sdk/client-s3` (v3).
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 * import type { S3ClientLike } from 'sqs-partial-batch';
 *
 * const s3: S3ClientLike = new S3Client({});
 * ```
 */
export interface S3ClientLike {
  send(command: never, options?: never): Promise<unknown>;
}

/**
 * The `largePayloads` option: read bodies that a producer offloaded to S3 in
 * the AWS extended-client format (Java `amazon-sqs-java-extended-client-lib`,
 * Python `amazon-sqs-python-extended-client`, Powertools' large messages,
 * `sendMessages` of `sqs-partial-batch/sqs`). A record whose body is such a
 * pointer (or, with `envelope: 'sns'`, whose SNS `Message` is) has its object
 * fetched before parsing; `record.body` is the real body, `record.raw` the
 * SQS record. The reader is imported on demand, and `@aws-sdk/client-s3`
 * on the first pointer.
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { createBatchHandler } from 'sqs-partial-batch';
 *
 * export const handler = createBatchHandler(async (record) => console.log(record.body.length), {
 *   largePayloads: { s3: new S3Client({}), allowedBuckets: ['orders-payloads'], deleteAfterSuccess: true },
 * });
 * ```
 */
export interface LargePayloadOptions {
  /**
   * The client objects are read (and deleted) with; the function needs
   * `s3:GetObject` (and `s3:DeleteObject` with `deleteAfterSuccess`).
   * @default an `S3Client` made on first use, with the SDK's default configuration
   */
  readonly s3?: S3ClientLike | undefined;
  /**
   * The buckets a pointer may name. A pointer is written by whoever sent the
   * message, so its bucket is untrusted: a record that points anywhere else
   * is never fetched, and is `invalid`.
   */
  readonly allowedBuckets: readonly string[];
  /**
   * Delete the object once its record succeeded (and, with idempotency, its
   * completion is written). Off by default: other consumers (an SNS fan-out)
   * may read the same object. A failed delete is logged; the record keeps
   * its outcome.
   * @default false
   */
  readonly deleteAfterSuccess?: boolean | undefined;
  /** Largest object read, in bytes; a larger one is `invalid`, and is not read past this size. @default 33554432 (32 MiB) */
  readonly maxBytes?: number | undefined;
  /** How long one S3 call (a fetch with its body, or a delete) may take before it is given up. @default 10000 */
  readonly timeoutMs?: number | undefined;
}

/**
 * Defaults of the `largePayloads` option.
 *
 * @example
 * ```ts
 * import { LARGE_PAYLOAD_DEFAULTS } from 'sqs-partial-batch/large-payloads';
 *
 * console.log(LARGE_PAYLOAD_DEFAULTS.maxBytes); // 33554432
 * ```
 */
export const LARGE_PAYLOAD_DEFAULTS = Object.freeze({
  deleteAfterSuccess: false,
  maxBytes: 33_554_432,
  timeoutMs: 10_000,
} as const);

/** The `largePayloads` option with defaults applied. */
export interface ResolvedLargePayloads {
  readonly s3: S3ClientLike | undefined;
  readonly allowedBuckets: ReadonlySet<string>;
  readonly deleteAfterSuccess: boolean;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** Checks the `largePayloads` option and applies its defaults. */
/** Checks the `largePayloads` option at creation, before its reader is loaded (throws `InvalidOptionsError`). */
export function checkLargePayloads(value: unknown): void {
  resolveLargePayloads(value);
}

export function resolveLargePayloads(value: unknown): ResolvedLargePayloads | undefined {
  if (value === undefined) return undefined;
  const name = '`largePayloads';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionsError(
      `Expected ${name}\` to be an object with \`allowedBuckets\`, got ${describeValue(value)}`,
    );
  }
  const input = value as Record<string, unknown>;
  rejectUnknownKeys(input, ['s3', 'allowedBuckets', 'deleteAfterSuccess', 'maxBytes', 'timeoutMs'], 'largePayloads.');
  const { s3, allowedBuckets, deleteAfterSuccess, maxBytes, timeoutMs } = input;
  if (s3 !== undefined && typeof (s3 as { send?: unknown } | null)?.send !== 'function') {
    throw new InvalidOptionsError(
      `Expected ${name}.s3\` to be an S3Client from @aws-sdk/client-s3 (an object with \`send\`), got ${describeValue(s3)}`,
    );
  }
  if (
    !Array.isArray(allowedBuckets) ||
    allowedBuckets.length === 0 ||
    !allowedBuckets.every((bucket) => typeof bucket === 'string' && bucket !== '')
  ) {
    throw new InvalidOptionsError(
      `Expected ${name}.allowedBuckets\` to be a non-empty array of bucket names, got ${describeValue(allowedBuckets)}`,
    );
  }
  if (deleteAfterSuccess !== undefined && typeof deleteAfterSuccess !== 'boolean') {
    throw new InvalidOptionsError(
      `Expected ${name}.deleteAfterSuccess\` to be a boolean, got ${describeValue(deleteAfterSuccess)}`,
    );
  }
  for (const [key, number] of [
    ['maxBytes', maxBytes],
    ['timeoutMs', timeoutMs],
  ] as const) {
    if (number !== undefined && !(Number.isSafeInteger(number) && (number as number) > 0)) {
      throw new InvalidOptionsError(`Expected ${name}.${key}\` to be an integer > 0, got ${describeValue(number)}`);
    }
  }
  return {
    s3: s3 as S3ClientLike | undefined,
    allowedBuckets: new Set(allowedBuckets as string[]),
    deleteAfterSuccess: (deleteAfterSuccess as boolean | undefined) ?? LARGE_PAYLOAD_DEFAULTS.deleteAfterSuccess,
    maxBytes: (maxBytes as number | undefined) ?? LARGE_PAYLOAD_DEFAULTS.maxBytes,
    timeoutMs: (timeoutMs as number | undefined) ?? LARGE_PAYLOAD_DEFAULTS.timeoutMs,
  };
}
