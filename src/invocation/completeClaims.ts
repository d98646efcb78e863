import type { Budget } from '../contracts/budget.js';
import type { RecordOutcome } from '../types.js';
import type { Invocation } from './invocation.js';
import { logFor } from './invocation.js';

/**
 * Phase 7, complete the claims: mark the keys of records that succeeded as
 * done, release those of records that failed or never started (so a retry
 * runs the work), and keep those of records still running (they lapse at the
 * deadline). Within the invocation's budget; a store that fails or stalls is
 * logged and the records keep their outcome. Resolves to whether the
 * completions were written (true without idempotency).
 */
export function completeClaims(
  invocation: Invocation,
  outcomes: readonly RecordOutcome[],
  budget: Budget,
): Promise<boolean> {
  const { idempotency } = invocation;
  if (idempotency === undefined) return Promise.resolve(true);
  return idempotency.finish(
    outcomes,
    (index) => invocation.stillRunning(index),
    budget,
    (error) => logFor(invocation)('error', 'Idempotency store call failed; records keep their outcome', { error }),
  );
}
