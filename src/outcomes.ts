import type { RecordOutcome } from './types.js';

/**
 * True for outcomes SQS should delete: `succeeded`, `duplicate`, `dead-lettered` and `dropped`.
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
): outcome is Extract<RecordOutcome, { readonly status: 'succeeded' | 'duplicate' | 'dead-lettered' | 'dropped' }> {
  const { status } = outcome;
  return status === 'succeeded' || status === 'duplicate' || status === 'dead-lettered' || status === 'dropped';
}
