import type { RecordOutcome } from './types.js';

/**
 * True for outcomes SQS should delete: `succeeded` and `duplicate`.
 *
 * @example
 * ```ts
 * import { isSuccess } from 'sqs-partial-batch';
 *
 * const done = result.outcomes.filter(isSuccess).length;
 * ```
 */
export function isSuccess(
  outcome: RecordOutcome,
): outcome is Extract<RecordOutcome, { readonly status: 'succeeded' | 'duplicate' }> {
  return outcome.status === 'succeeded' || outcome.status === 'duplicate';
}
