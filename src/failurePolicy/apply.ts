import type { SQSRecord } from 'aws-lambda';
import type { Budget } from '../contracts/budget.js';
import { PermanentError } from '../errors.js';
import { isSuccess } from '../outcomes.js';
import { receiveCountOf } from '../recordFields.js';
import type { RecordOutcome } from '../types.js';
import { isInstance } from '../util.js';
import { backoffDelaySeconds } from './backoff.js';
import type { ResolvedFailurePolicy } from './options.js';

/** What the policy logs through: the batch loop's never-throwing logger. */
export type PolicyLog = (level: 'warn' | 'error', message: string, attributes: Record<string, unknown>) => void;

/** Longest one failure-policy call to SQS may take, within the invocation's budget. */
export const POLICY_TIMEOUT_MS = 5000;

/** True for a record that can never succeed: an invalid body, or a `PermanentError`. */
export function isPermanent(outcome: RecordOutcome): boolean {
  return outcome.status === 'invalid' || (outcome.status === 'failed' && isInstance(outcome.error, PermanentError));
}

/**
 * Applies the failure policy to a finished batch, in place: permanent
 * failures are dead-lettered or dropped (they then count as done), and the
 * records still failing get an exponential visibility timeout. Never throws
 * and never turns a failure into a success unless its dead-letter send
 * succeeded: calls that fail are logged and leave outcomes as they were.
 * Every call shares `budget`, so the handler answers in time whatever SQS does.
 * A dropped record is not logged here: the report logs it, once, with its body.
 */
export async function applyFailurePolicy(
  records: readonly SQSRecord[],
  outcomes: RecordOutcome[],
  policy: ResolvedFailurePolicy,
  log: PolicyLog,
  budget: Budget,
): Promise<void> {
  if (policy.onPermanentFailure !== 'retry') {
    const permanent = outcomes.filter(isPermanent) as Array<Extract<RecordOutcome, { error: unknown }>>;
    if (permanent.length > 0) {
      if (policy.onPermanentFailure === 'drop') {
        for (const { messageId, index, error } of permanent) {
          outcomes[index] = { status: 'dropped', messageId, index, error };
        }
      } else {
        await deadLetter(records, outcomes, permanent, policy, log, budget);
      }
    }
  }
  if (policy.backoff !== undefined) await backoff(records, outcomes, policy, log, budget);
}

async function deadLetter(
  records: readonly SQSRecord[],
  outcomes: RecordOutcome[],
  permanent: ReadonlyArray<Extract<RecordOutcome, { error: unknown }>>,
  policy: ResolvedFailurePolicy,
  log: PolicyLog,
  budget: Budget,
): Promise<void> {
  const { client, queueUrl } = policy.deadLetter as NonNullable<ResolvedFailurePolicy['deadLetter']>;
  let failed: Map<string, string>;
  try {
    const { sendToQueue, queueUrlOf } = await within(budget, () => import('../sqs.js'), 'loading the SQS client');
    // An ARN was given (accepted at creation): its URL, looked up once and cached, within the same bound.
    const url = queueUrl.startsWith('arn:')
      ? await within(budget, () => queueUrlOf(client, queueUrl), 'looking up the dead-letter queue URL')
      : queueUrl;
    // Each SendMessageBatch call is bounded on its own, so the calls SQS confirmed in time count even when another hangs.
    const timeoutMs = Math.min(POLICY_TIMEOUT_MS, budget.left());
    if (!(timeoutMs > 0))
      throw new Error("No time was left before the invocation's deadline for sending to the dead-letter queue");
    failed = await sendToQueue(
      client,
      url,
      permanent.map(({ index, messageId, error }) => ({
        // The id read on entry: the user's function may have changed the record's.
        record: { ...(records[index] as SQSRecord), messageId },
        errorName: errorField(error, 'name'),
        errorMessage: errorField(error, 'message'),
      })),
      { timeoutMs },
    );
  } catch (error) {
    const reason = errorField(error, 'message');
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
  budget: Budget,
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
    const { changeVisibility, queueUrlOf } = await import('../sqs.js');
    await within(
      budget,
      () =>
        Promise.all(
          [...byQueue].map(async ([arn, entries]) => {
            const given = settings.queueUrl;
            const url =
              given === undefined || given.startsWith('arn:') ? await queueUrlOf(settings.client, given ?? arn) : given;
            const failed = await changeVisibility(settings.client, url, entries);
            if (failed.length > 0) {
              log('warn', 'Could not delay some failed records; they come back after the visibility timeout', {
                failed,
              });
            }
          }),
        ),
      'delaying failed records',
    );
  } catch (error) {
    log('error', 'Could not delay failed records; they come back after the visibility timeout', { error });
  }
}

/** An error's name or message for the dead-letter attributes; never throws. */
function errorField(error: unknown, field: 'name' | 'message'): string {
  try {
    if (error instanceof Error) return String(error[field]);
    return field === 'name' ? typeof error : String(error);
  } catch {
    return field === 'name' ? 'Error' : '(the error could not be described)';
  }
}

function within<T>(budget: Budget, call: () => Promise<T>, what: string): Promise<T> {
  return budget.within(call, POLICY_TIMEOUT_MS, (ms, spent) =>
    spent && ms === 0
      ? new Error(`No time was left before the invocation's deadline for ${what}`)
      : new Error(`Timed out after ${ms} ms ${what}`),
  );
}
