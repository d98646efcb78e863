import { MAX_VISIBILITY_SECONDS } from '../sqsLimits.js';

/**
 * The visibility timeout, in whole seconds, to give a record that failed on
 * its `receiveCount`-th delivery: `baseSeconds * 2^(receiveCount - 1)`,
 * capped at `maxSeconds` and at SQS's 12 hours; with full jitter, a uniformly
 * random whole number of seconds from 0 to that.
 *
 * @param receiveCount - The record's `ApproximateReceiveCount` (1 on the first delivery).
 * @param options - `baseSeconds`, `maxSeconds`, `jitter`.
 * @param random - A source of numbers in [0, 1). @default Math.random
 * @returns Seconds, an integer from 0 to 43,200.
 * @example
 * ```ts
 * import { backoffDelaySeconds } from 'sqs-partial-batch';
 *
 * backoffDelaySeconds(3, { baseSeconds: 5, maxSeconds: 900, jitter: 'none' }); // 20
 * ```
 */
export function backoffDelaySeconds(
  receiveCount: number,
  options: { readonly baseSeconds: number; readonly maxSeconds: number; readonly jitter: 'full' | 'none' },
  random: () => number = Math.random,
): number {
  const attempt = Math.max(1, Math.floor(receiveCount) || 1);
  const cap = Math.min(options.maxSeconds, MAX_VISIBILITY_SECONDS);
  // 2 ** 1024 is Infinity; min() brings it back to the cap.
  const exponential = Math.min(cap, options.baseSeconds * 2 ** (attempt - 1));
  const seconds = options.jitter === 'full' ? random() * (exponential + 1) : exponential;
  return Math.min(Math.floor(seconds), Math.floor(cap));
}
