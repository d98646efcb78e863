import type { SQSRecord } from 'aws-lambda';
import { PermanentError } from '../errors.js';
import { receiveCountOf } from '../event.js';
import { isSuccess } from '../outcomes.js';
import type { RecordOutcome } from '../types.js';
import { settleWithin } from '../util.js';
import { backoffDelaySeconds } from './backoff.js';
import type { ResolvedFailurePolicy } from './options.js';

/** What the policy logs through: the batch loop's never-throwing logger. */
export type PolicyLog = (level: 'warn' | 'error', message: string, attributes: Record<string, unknown>) => void;

/** True for a record that can never succeed: an invalid body, or a `PermanentError`. */
export function isPermanent(outcome: RecordOutcome): boolean {
  return outcome.status === 'invalid' || (outcome.status === 'failed' && outcome.error instanceof PermanentError);
}

/**
 * Applies the failure policy to a finished batch, in place: permanent
 * failures are dead-lettered or dropped (they then count as done), and the
 * records still failing get an exponential visibility timeout. Never throws
 * and never turns a failure into a success unless its dead-letter send
 * succeeded: calls that fail are logged and leave outcomes as they were.
 */
export async function applyFailurePolicy(
  records: readonly SQSRecord[],
  outcomes: RecordOutcome[],
  policy: ResolvedFailurePolicy,
  log: PolicyLog,
  timeoutMs: number,
): Promise<void> {
  if (policy.onPermanentFailure !== 'retry') {
    const permanent = outcomes.filter(isPermanent) as Array<Extract<RecordOutcome, { error: unknown }>>;
    if (permanent.length > 0) {
      if (policy.onPermanentFailure === 'drop') {
        for (const outcome of permanent) {
          const { messageId, index, error } = outcome;
          log('error', 'Dropped a record that can never succeed', { messageId, error, record: records[index] });
          outcomes[index] = { status: 'dropped', messageId, index, error };
        }
      } else {
        await deadLetter(records, outcomes, permanent, policy, log, timeoutMs);
      }
    }
  }
  if (policy.backoff !== undefined) await backoff(records, outcomes, policy, log, timeoutMs);
}

async function deadLetter(
  records: readonly SQSRecord[],
  outcomes: RecordOutcome[],
  permanent: ReadonlyArray<Extract<RecordOutcome, { error: unknown }>>,
  policy: ResolvedFailurePolicy,
  log: PolicyLog,
  timeoutMs: number,
): Promise<void> {
  const { client, queueUrl } = policy.deadLetter as NonNullable<ResolvedFailurePolicy['deadLetter']>;
  let failed: Map<string, string>;
  try {
    const { sendToQueue } = await import('sqs-partial-batch/sqs');
    failed = await within(
      sendToQueue(
        client,
        queueUrl,
        permanent.map(({ index, error }) => ({
          record: records[index] as SQSRecord,
          errorName: error instanceof Error ? error.name : typeof error,
          errorMessage: error instanceof Error ? error.message : String(error),
        })),
      ),
      timeoutMs,
      'sending to the dead-letter queue',
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    failed = new Map(permanent.map((o) => [o.messageId, reason]));
  }
  for (const { messageId, index, error } of permanent) {
    const why = failed.get(messageId);
    if (why === undefined) {
      outcomes[index] = { status: 'dead-lettered', messageId, index, error };
    } else {
      log('error', 'Could not send a record to the dead-letter queue; it stays a failure and comes back', {
        messageId,
        error: why,
      });
    }
  }
}

async function backoff(
  records: readonly SQSRecord[],
  outcomes: readonly RecordOutcome[],
  policy: ResolvedFailurePolicy,
  log: PolicyLog,
  timeoutMs: number,
): Promise<void> {
  const settings = policy.backoff as NonNullable<ResolvedFailurePolicy['backoff']>;
  const byQueue = new Map<string, Array<{ receiptHandle: string; seconds: number }>>();
  for (const outcome of outcomes) {
    if (isSuccess(outcome)) continue;
    const record = records[outcome.index] as SQSRecord;
    if (typeof record.receiptHandle !== 'string') continue;
    const arn = record.eventSourceARN ?? '';
    const entries = byQueue.get(arn) ?? [];
    entries.push({
      receiptHandle: record.receiptHandle,
      seconds: backoffDelaySeconds(receiveCountOf(record), settings),
    });
    byQueue.set(arn, entries);
  }
  if (byQueue.size === 0) return;
  try {
    const { changeVisibility, queueUrlOf } = await import('sqs-partial-batch/sqs');
    await within(
      Promise.all(
        [...byQueue].map(async ([arn, entries]) => {
          const url = settings.queueUrl ?? (await queueUrlOf(settings.client, arn));
          const failed = await changeVisibility(settings.client, url, entries);
          if (failed.length > 0) {
            log('warn', 'Could not delay some failed records; they come back after the visibility timeout', {
              failed,
            });
          }
        }),
      ),
      timeoutMs,
      'delaying failed records',
    );
  } catch (error) {
    log('error', 'Could not delay failed records; they come back after the visibility timeout', { error });
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return settleWithin(promise, ms, () => new Error(`Timed out after ${ms} ms ${what}`));
}
