import type { SQSRecord } from 'aws-lambda';
import type { Budget } from '../contracts/budget.js';
import type { FinishedRun } from '../contracts/circuit.js';
import type { SqsClientLike } from '../failurePolicy/options.js';
import { log } from '../observability/logging.js';
import { isSuccess } from '../outcomes.js';
import type { RecordOutcome } from '../types.js';

/** Longest the visibility calls may take, within the invocation's budget (as the failure policy's). */
const PARKING_TIMEOUT_MS = 5000;

/**
 * In Lambda, sets the visibility of the records of a batch so that they
 * return when the circuit may close, with `ChangeMessageVisibilityBatch`
 * (the calls `backoff` makes): records not run (`seconds` may be 0: the
 * circuit closed meanwhile, and they return at once), and, while the circuit
 * is open, failed records too, unless `backoff` delays them already. Never
 * rejects: a call that fails is logged, and its records return after the
 * queue's visibility timeout.
 *
 * @param withBackoff - Whether `backoff` sets the visibility of failed records.
 */
export async function park(
  client: SqsClientLike,
  run: FinishedRun,
  outcomes: readonly RecordOutcome[],
  seconds: number,
  withBackoff: boolean,
  budget: Budget,
): Promise<void> {
  const byQueue = new Map<string, Array<{ receiptHandle: string; seconds: number }>>();
  for (const outcome of outcomes) {
    if (isSuccess(outcome)) continue;
    const notRun = outcome.status === 'skipped' && outcome.reason === 'circuit-open';
    if (!notRun && (withBackoff || seconds === 0)) continue;
    const { receiptHandle, eventSourceARN } = run.records[outcome.index] as SQSRecord;
    if (typeof receiptHandle !== 'string') continue;
    const arn = typeof eventSourceARN === 'string' ? eventSourceARN : '';
    const entries = byQueue.get(arn) ?? [];
    entries.push({ receiptHandle, seconds });
    byQueue.set(arn, entries);
  }
  if (byQueue.size === 0) return;
  try {
    const { changeVisibility, queueUrlOf } = await import('../sqs.js');
    await budget.within(
      () =>
        Promise.all(
          [...byQueue].map(async ([arn, entries]) => {
            const failed = await changeVisibility(client, await queueUrlOf(client, arn), entries);
            if (failed.length > 0) {
              log(
                run.logger,
                'warn',
                'Could not delay some records the circuit breaker kept from running; they come back after the visibility timeout',
                { failed },
              );
            }
          }),
        ),
      PARKING_TIMEOUT_MS,
      (ms) => new Error(`Timed out after ${ms} ms delaying the records the circuit breaker kept from running`),
    );
  } catch (error) {
    log(
      run.logger,
      'error',
      'Could not delay the records the circuit breaker kept from running; they come back after the visibility timeout',
      {
        error,
      },
    );
  }
}
