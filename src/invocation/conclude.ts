import type { RecordOutcome } from '../types.js';
import type { Invocation } from './invocation.js';

/**
 * Phase 5, conclude the run. Closes the invocation (late settlements are
 * ignored from now on) and fills the records that have no outcome: those
 * still running when time ran out (or the host abandoned them) fail with
 * their signal's reason, those never started are skipped. Notes which
 * records were still running (`invocation.interrupted`), so their idempotency
 * claims are kept rather than released (the work may yet finish; the claims
 * lapse at the deadline, or at the host's claim horizon).
 */
export function conclude(invocation: Invocation): RecordOutcome[] {
  const { outcomes, started, ids, deadline, host } = invocation;
  invocation.close();
  // Records never started: the circuit breaker stopped them, or the host stopped, unless time ran out first.
  const reason = invocation.shortCircuited
    ? 'circuit-open'
    : host !== undefined && deadline?.reason === undefined
      ? 'shutdown'
      : 'timeout';
  let stillRunning: Set<number> | undefined;
  for (let index = 0; index < outcomes.length; index++) {
    if (outcomes[index] !== undefined) continue;
    const messageId = ids[index] as string;
    if (started?.[index] === 1) {
      stillRunning ??= new Set();
      stillRunning.add(index);
      const error = host === undefined ? deadline?.reason : host.signal(index).reason;
      const outcome: RecordOutcome = { status: 'failed', messageId, index, error };
      outcomes[index] = outcome;
      invocation.hooks?.recordSettled?.(outcome);
      // A record cut off by the deadline counts for the circuit (a hanging downstream is failing); one a consumer abandoned does not.
      invocation.gate?.settled(outcome, invocation);
    } else {
      outcomes[index] = { status: 'skipped', messageId, index, reason };
    }
  }
  invocation.interrupted = stillRunning;
  // Every slot is filled now, and no late completion can write to it (the run is closed).
  return outcomes as RecordOutcome[];
}
