import type { BatchIdempotency } from '../idempotency/guard.js';
import type { Invocation } from './invocation.js';
import type { ParsedBodies } from './records.js';

/**
 * Phase 3, claim the keys: every distinct idempotency key of the batch in
 * one store call, before any record runs. Claims last until the
 * invocation's deadline (or `inProgressTtlSeconds` without one; or the
 * host's horizon, which the host renews), so a crashed invocation blocks its
 * keys only until then. Never rejects: a store that fails or stalls fails
 * its records closed.
 */
export function claimKeys(invocation: Invocation, idempotency: BatchIdempotency, parsed: ParsedBodies): Promise<void> {
  const { deadline, clock, host } = invocation;
  const until = host?.claimUntil() ?? clock.now() + (deadline?.remainingMs() ?? idempotency.holdWithoutDeadlineMs);
  return idempotency.claim(parsed, until, deadline?.expired ?? host?.abandoned);
}
