import type { SQSBatchItemFailure } from 'aws-lambda';
import { log } from '../observability/logging.js';
import { isSuccess } from '../outcomes.js';
import type { BatchResult, RecordOutcome, SkipReason } from '../types.js';
import type { Invocation } from './invocation.js';

/**
 * Phase 8, report: one log line per record that did not simply succeed, by
 * its final outcome (so each is logged once), then the features' `answered`
 * hooks (metrics), then the response, built from the ids read on entry: each
 * id once, in event order.
 *
 * No line quotes a body, with one deliberate exception: a record dropped by
 * `onPermanentFailure: 'drop'` is logged with its whole record, since that
 * line is its only trace.
 */
export function report(invocation: Invocation, outcomes: readonly RecordOutcome[]): BatchResult {
  const { logger } = invocation;
  if (logger !== undefined) {
    for (const outcome of outcomes) if (outcome.status !== 'succeeded') logOutcome(invocation, outcome);
  }
  const result: BatchResult = {
    response: { batchItemFailures: failuresOf(invocation.ids, outcomes) },
    outcomes,
  };
  invocation.hooks?.answered?.(result);
  return result;
}

/** Message ids of records that are not done, in event order, each once. */
export function failuresOf(ids: readonly string[], outcomes: readonly RecordOutcome[]): SQSBatchItemFailure[] {
  const failures: SQSBatchItemFailure[] = [];
  let reported: Set<string> | undefined;
  for (let index = 0; index < ids.length; index++) {
    if (isSuccess(outcomes[index] as RecordOutcome)) continue;
    const messageId = ids[index] as string;
    reported ??= new Set();
    if (reported.has(messageId)) continue;
    reported.add(messageId);
    failures.push({ itemIdentifier: messageId });
  }
  return failures;
}

function logOutcome(invocation: Invocation, outcome: RecordOutcome): void {
  const { messageId, index } = outcome;
  const group = invocation.groups?.[index];
  const where = group === undefined ? { messageId } : { messageId, messageGroupId: group };
  switch (outcome.status) {
    case 'failed':
      log(
        invocation.logger,
        'error',
        !invocation.stillRunning(index)
          ? 'Record failed'
          : invocation.host === undefined
            ? 'Record did not finish before the invocation ran out of time'
            : 'Record did not finish before the shutdown timeout',
        { ...where, error: loggable(outcome.error) },
      );
      return;
    case 'invalid':
      log(invocation.logger, 'error', 'Record failed validation', { ...where, error: outcome.error });
      return;
    case 'skipped':
      // The circuit breaker logs once when it opens and once when it closes, not once per record.
      if (outcome.reason === 'circuit-open') return;
      log(invocation.logger, 'warn', SKIP_MESSAGES[outcome.reason], { ...where, reason: outcome.reason });
      return;
    case 'dead-lettered':
      log(invocation.logger, 'warn', 'Record can never succeed; sent to the dead-letter queue', {
        ...where,
        error: loggable(outcome.error),
      });
      return;
    case 'dropped':
      log(invocation.logger, 'error', 'Dropped a record that can never succeed; the record follows, its only trace', {
        ...where,
        error: loggable(outcome.error),
        record: invocation.records[index],
      });
      return;
    default:
      return;
  }
}

/**
 * What was thrown, as a log field: `throw undefined` (or `null`) would
 * otherwise leave the line without an error field (JSON drops `undefined`),
 * so it is described instead.
 */
function loggable(error: unknown): unknown {
  if (error === undefined || error === null) {
    return `\`${error}\` was thrown (or a promise rejected with it); throw an Error to say why the record failed`;
  }
  return error;
}

const SKIP_MESSAGES: Record<SkipReason, string> = {
  timeout: 'Record not started: the invocation ran out of time; it is reported as a failure',
  'fifo-batch-stopped':
    'Record not started after a failure in its FIFO batch; it is reported as a failure to keep order',
  'fifo-group-stopped':
    'Record not started after a failure in its FIFO message group; it is reported as a failure to keep order',
  shutdown: 'Record not started: the consumer is stopping; it is returned to the queue',
  'circuit-open': '', // never logged per record (see logOutcome)
};
