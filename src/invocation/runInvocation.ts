import type { Context } from 'aws-lambda';
import { Budget } from '../contracts/budget.js';
import type { AttachedCircuit } from '../contracts/circuit.js';
import { whenReady } from '../contracts/hooks.js';
import type { InvocationHost } from '../contracts/host.js';
import type { Engine } from '../engine.js';
import type { BatchResult, RecordOutcome } from '../types.js';
import { applyPolicy } from './applyPolicy.js';
import { claimKeys } from './claimKeys.js';
import { completeClaims } from './completeClaims.js';
import { conclude } from './conclude.js';
import { Invocation, logFor } from './invocation.js';
import { parseBodies } from './parseBodies.js';
import { readEvent } from './readEvent.js';
import { report } from './report.js';
import { runRecords } from './runRecords.js';

/**
 * One invocation, phase by phase:
 *
 * 1. read the event (`readEvent.ts`): records and the ids the response is built from;
 * 2. parse bodies (`parseBodies.ts`): up front only with idempotency, else as each record starts;
 * 3. claim keys (`claimKeys.ts`): idempotency, one store call for the batch;
 * 4. run records (`runRecords.ts`, scheduled by `schedule.ts`);
 * 5. conclude (`conclude.ts`): close the run, fill what did not finish;
 * 6. failure policy (`applyPolicy.ts`): dead-letter, drop, backoff;
 * 7. complete claims (`completeClaims.ts`);
 * 8. delete offloaded payloads: `largePayloads.deleteAfterSuccess` (its code is in `largePayloads/`);
 * 9. report (`report.ts`): logs, the features' hooks (metrics), the response.
 *
 * Phases 2 to 4 race the deadline, and the host's `abandoned` (the answer
 * does not wait for records still running when either comes); 6 to 8 share
 * the time left before the deadline (`budget.ts`). Rejects only with
 * `InvalidEventError` (phase 1).
 *
 * @param host - What runs the invocation outside Lambda (the consumer); see `host.ts`.
 */
export function runInvocation(
  event: unknown,
  context: Context | undefined,
  engine: Engine,
  host?: InvocationHost,
): Promise<BatchResult> {
  const loading = whenReady(engine.features);
  if (loading !== undefined) {
    // A feature's code is still being imported (first invocation only): start once it is there, or without it.
    const start = () => runInvocation(event, context, engine, host);
    return loading.then(start, start);
  }
  let invocation: Invocation;
  try {
    const read = readEvent(event);
    if (read.ids.length === 0) return Promise.resolve({ response: { batchItemFailures: [] }, outcomes: [] });
    invocation = new Invocation(read, context, engine, host);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const { deadline } = invocation;
    // A run that finishes without leaving the microtask queue (work that never waits on I/O) needs no
    // timer; one still going after a turn of the event loop arms the deadline's.
    const going = deadline === undefined ? undefined : setImmediate(() => deadline.arm());
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (going !== undefined) clearImmediate(going);
      try {
        resolve(afterRun(invocation));
      } catch (error) {
        reject(error);
      }
    };
    run(invocation).then(finish, (error: unknown) => {
      // Not expected: every phase settles records instead of throwing. Whatever broke, every record is still answered for.
      logFor(invocation)('error', 'The batch loop failed unexpectedly; records without an outcome are reported', {
        error,
      });
      finish();
    });
    deadline?.onExpire(finish);
    host?.abandoned.then(finish);
  });
}

/**
 * Phases 2 to 4, after asking the circuit breaker (when there is one) what may
 * run: nothing, when it is open (no body is parsed, no key claimed).
 */
function run(invocation: Invocation): Promise<unknown> {
  const circuit = invocation.engine.options.circuit;
  if (circuit === undefined) return runPhases(invocation);
  return circuit.control.enter(invocation.clock.now()).then((gate) => {
    // Time ran out (or the host stopped waiting) while the store answered: the run is over.
    if (invocation.isClosed) return;
    invocation.gate = gate;
    if (gate === undefined) return runPhases(invocation);
    invocation.called = new Uint8Array(invocation.count);
    if (!gate.shut) return runPhases(invocation);
    invocation.shortCircuited = true;
  });
}

/** Phases 2 to 4: with idempotency, parse every body and claim the keys first. */
function runPhases(invocation: Invocation): Promise<unknown> {
  const { idempotency } = invocation;
  if (idempotency === undefined) return runRecords(invocation);
  return Promise.resolve(parseBodies(invocation)).then((parsed) =>
    claimKeys(invocation, idempotency, parsed).then(() => runRecords(invocation, parsed)),
  );
}

/** Phases 5 to 9. Synchronous when there is neither failure policy nor idempotency. */
function afterRun(invocation: Invocation): BatchResult | Promise<BatchResult> {
  const outcomes = conclude(invocation);
  if (!invocation.followedByCalls) return report(invocation, outcomes);
  const budget = Budget.after(invocation.deadline, invocation.clock);
  return settleAfterRun(invocation, outcomes, budget);
}

async function settleAfterRun(invocation: Invocation, outcomes: RecordOutcome[], budget: Budget): Promise<BatchResult> {
  if (invocation.hasFailurePolicy)
    await safely(invocation, 'failure policy', () => applyPolicy(invocation, outcomes, budget));
  let completed = false;
  await safely(invocation, 'idempotency completion', async () => {
    completed = await completeClaims(invocation, outcomes, budget);
  });
  const { payloads } = invocation;
  if (payloads !== undefined) {
    await safely(invocation, 'large payload deletion', () =>
      payloads.deleteSucceeded(
        invocation.records,
        outcomes,
        invocation.engine.options.envelope,
        completed,
        budget,
        logFor(invocation),
      ),
    );
  }
  const { gate } = invocation;
  if (gate !== undefined)
    await safely(invocation, 'circuit breaker', () =>
      (invocation.engine.options.circuit as AttachedCircuit).finish(gate, invocation, outcomes, budget),
    );
  return report(invocation, outcomes);
}

/** Runs a phase that must not cost the answer: anything it throws is logged, and outcomes stay as they are. */
async function safely(invocation: Invocation, phase: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    logFor(invocation)('error', `The ${phase} failed; records keep their outcome`, { error });
  }
}
