import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import { log } from './log.js';
import { isSuccess } from './outcomes.js';
import type { BatchLogger, BatchResult, RecordOutcome, SkipReason } from './types.js';

/** Most message ids quoted in one summary log entry. */
const LOGGED_IDS = 50;

/** Message ids of records that are not done, in event order, each once. */
export function failuresOf(records: readonly SQSRecord[], outcomes: readonly RecordOutcome[]): SQSBatchItemFailure[] {
  const failures: SQSBatchItemFailure[] = [];
  let reported: Set<string> | undefined;
  for (let index = 0; index < records.length; index++) {
    if (isSuccess(outcomes[index] as RecordOutcome)) continue;
    const messageId = (records[index] as SQSRecord).messageId;
    reported ??= new Set();
    if (reported.has(messageId)) continue;
    reported.add(messageId);
    failures.push({ itemIdentifier: messageId });
  }
  return failures;
}

export function finish(
  records: readonly SQSRecord[],
  outcomes: Array<RecordOutcome | undefined>,
  started: Uint8Array | undefined,
  timeoutReason: unknown,
  logger: BatchLogger | undefined,
): BatchResult {
  let skipped: Map<SkipReason, string[]> | undefined;
  let interrupted = 0;
  for (let index = 0; index < records.length; index++) {
    let outcome = outcomes[index];
    if (outcome !== undefined && outcome.status !== 'skipped') continue;
    const messageId = (records[index] as SQSRecord).messageId;
    if (outcome === undefined) {
      if (started?.[index] === 1) {
        interrupted++;
        outcomes[index] = { status: 'failed', messageId, index, error: timeoutReason };
        log(logger, 'error', 'Record did not finish before the invocation ran out of time', {
          messageId,
          error: timeoutReason,
        });
        continue;
      }
      outcome = { status: 'skipped', messageId, index, reason: 'timeout' };
      outcomes[index] = outcome;
    }
    skipped ??= new Map();
    const ids = skipped.get(outcome.reason) ?? [];
    ids.push(messageId);
    skipped.set(outcome.reason, ids);
  }
  if (logger !== undefined && skipped !== undefined) {
    for (const [reason, ids] of skipped) {
      log(logger, 'warn', SKIP_MESSAGES[reason], {
        count: ids.length,
        interrupted: reason === 'timeout' ? interrupted : undefined,
        messageIds: ids.slice(0, LOGGED_IDS),
      });
    }
  }
  // Every slot is filled now, and no late completion can write to it (the run is closed).
  const filled = outcomes as RecordOutcome[];
  return { response: { batchItemFailures: failuresOf(records, filled) }, outcomes: filled };
}

const SKIP_MESSAGES: Record<SkipReason, string> = {
  timeout: 'Records not started because the invocation ran out of time; they are reported as failures',
  'fifo-batch-stopped':
    'Records not started after a failure in a FIFO batch; they are reported as failures to keep order',
  'fifo-group-stopped':
    'Records not started after a failure in their FIFO message group; they are reported as failures to keep order',
};
