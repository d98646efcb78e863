import type { Budget } from '../contracts/budget.js';
import { applyFailurePolicy } from '../failurePolicy/apply.js';
import type { RecordOutcome } from '../types.js';
import type { Invocation } from './invocation.js';
import { logFor } from './invocation.js';

/**
 * Phase 6, the failure policy: dead-letter or drop records that can never
 * succeed (`onPermanentFailure`), then delay the ones still failing
 * (`backoff`). Changes outcomes in place, and only ever turns a failure into
 * `dead-lettered` (once SQS confirmed the send) or `dropped`.
 */
export function applyPolicy(invocation: Invocation, outcomes: RecordOutcome[], budget: Budget): Promise<void> {
  return applyFailurePolicy(
    invocation.records,
    outcomes,
    invocation.engine.options.failurePolicy,
    logFor(invocation),
    budget,
  );
}
