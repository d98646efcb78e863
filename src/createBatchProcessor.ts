import type { Context, SQSBatchItemFailure, SQSEvent, SQSRecord } from 'aws-lambda';
import { clockOf } from './clock.js';
import { Deadline } from './deadline.js';
import { InvalidOptionsError } from './errors.js';
import { isFifoEvent, messageGroupIdOf, readRecords, receiveCountOf } from './event.js';
import { BatchIdempotency } from './idempotency/guard.js';
import type { ResolvedIdempotency } from './idempotency/options.js';
import { describeValue } from './optionChecks.js';
import { type BatchProcessorOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { isSuccess } from './outcomes.js';
import { type ParsedBody, parseBody } from './parse.js';
import { schedule } from './schedule.js';
import type { StandardSchemaV1 } from './standardSchema.js';
import type {
  BatchLogger,
  BatchRecord,
  BatchResult,
  BodyOf,
  Envelope,
  ProcessRecord,
  RecordContext,
  RecordOutcome,
  SkipReason,
} from './types.js';
import { isPromiseLike } from './util.js';

/**
 * Processes one SQS event and tells what happened to each record. It throws
 * only `InvalidEventError`; failed records are outcomes, not exceptions.
 *
 * @example
 * ```ts
 * import type { BatchProcessor } from 'sqs-partial-batch';
 *
 * async function report(processBatch: BatchProcessor, event: SQSEvent) {
 *   const { outcomes } = await processBatch(event);
 *   return outcomes.filter((o) => o.status !== 'succeeded').length;
 * }
 * ```
 */
export type BatchProcessor = (event: SQSEvent, context?: Context) => Promise<BatchResult>;

/**
 * Creates the lower-level batch processor behind `createBatchHandler`, for
 * handlers that do more than return the response (middy, metrics, custom
 * reporting). It validates, schedules and runs records exactly like the
 * handler and returns the `SQSBatchResponse` with each record's outcome.
 *
 * @param processRecord - Called once per valid record; throw to fail it.
 * @param options - See {@link BatchProcessorOptions}; checked now, not per invocation.
 * @returns An async function `(event, context?) => Promise<{ response, outcomes }>`.
 * @throws {@link InvalidOptionsError} when an option is unknown or has a bad value.
 * @example
 * ```ts
 * import { createBatchProcessor } from 'sqs-partial-batch';
 * import type { SQSHandler } from 'aws-lambda';
 *
 * const processBatch = createBatchProcessor(async (record) => {
 *   await save(record.body);
 * }, { concurrency: 4 });
 *
 * export const handler: SQSHandler = async (event, context) => {
 *   const { response, outcomes } = await processBatch(event, context);
 *   console.log(`${outcomes.filter((o) => o.status === 'succeeded').length} saved`);
 *   return response;
 * };
 * ```
 */
export function createBatchProcessor<
  Schema extends StandardSchemaV1 | undefined = undefined,
  Env extends Envelope | undefined = undefined,
>(processRecord: ProcessRecord<BodyOf<Schema, Env>>, options?: BatchProcessorOptions<Schema, Env>): BatchProcessor {
  checkProcessRecord(processRecord);
  const resolved = resolveOptions(options);
  return (event, context) => runBatch(event, context, resolved, processRecord as ProcessRecord<unknown>);
}

/** Throws `InvalidOptionsError` unless `processRecord` is a function. */
export function checkProcessRecord(processRecord: unknown): void {
  if (typeof processRecord !== 'function') {
    throw new InvalidOptionsError(`Expected \`processRecord\` to be a function, got ${describeValue(processRecord)}`);
  }
}

/** Most message ids quoted in one summary log entry. */
const LOGGED_IDS = 50;

/** One invocation. All state lives here, so concurrent invocations never share any. */
export async function runBatch(
  event: unknown,
  context: Context | undefined,
  options: ResolvedOptions,
  processRecord: ProcessRecord<unknown>,
): Promise<BatchResult> {
  const records = readRecords(event);
  const count = records.length;
  if (count === 0) return { response: { batchItemFailures: [] }, outcomes: [] };

  const { logger } = options;
  const deadline = new Deadline(context, options.timeoutMarginMs);
  const ctx: RecordContext = { context, signal: deadline.signal, logger };
  const outcomes: Array<RecordOutcome | undefined> = new Array(count);
  const started = new Uint8Array(count);
  const parsed: ParsedBody[] = new Array(count);
  const batchRecords: Array<BatchRecord<unknown> | undefined> = new Array(count);
  const clock = clockOf(context);
  const guard = options.idempotency === undefined ? undefined : new BatchIdempotency(options.idempotency, count, clock);
  let closed = false;

  const settle = (outcome: RecordOutcome): boolean => {
    guard?.settled(outcome);
    if (closed) return false;
    outcomes[outcome.index] = outcome;
    if (isSuccess(outcome)) return true;
    if (outcome.status !== 'skipped') {
      log(logger, 'error', outcome.status === 'invalid' ? 'Record failed validation' : 'Record failed', {
        messageId: outcome.messageId,
        error: outcome.error,
      });
    }
    return false;
  };

  const runRecord = (index: number): boolean | PromiseLike<boolean> => {
    started[index] = 1;
    const record = batchRecords[index];
    if (record === undefined) {
      const { messageId } = records[index] as SQSRecord;
      return settle({
        status: 'invalid',
        messageId,
        index,
        error: (parsed[index] as ParsedBody & { ok: false }).error,
      });
    }
    const gate = guard?.gate(index);
    if (gate !== undefined && gate.kind !== 'run') {
      if (gate.kind === 'decided') return settle(gate.outcome);
      return (guard as BatchIdempotency).follow(record, index, gate).then(settle);
    }
    const { messageId } = record;
    let result: unknown;
    try {
      result = processRecord(record, ctx);
    } catch (error) {
      return settle({ status: 'failed', messageId, index, error });
    }
    if (!isPromiseLike(result)) return settle({ status: 'succeeded', messageId, index });
    return Promise.resolve(result).then(
      () => settle({ status: 'succeeded', messageId, index }),
      (error: unknown) => settle({ status: 'failed', messageId, index, error }),
    );
  };

  const skip = (index: number, reason: SkipReason): void => {
    settle({ status: 'skipped', messageId: (records[index] as SQSRecord).messageId, index, reason });
  };

  const fifo = isFifoEvent(records);
  const work = parseAll(records, options, parsed)
    .then(() => {
      for (let index = 0; index < count; index++) {
        const body = parsed[index] as ParsedBody;
        if (body.ok) batchRecords[index] = toBatchRecord(records[index] as SQSRecord, body.body);
      }
      if (guard === undefined) return;
      const inProgressUntil =
        clock.now() + (deadline.remainingMs() ?? (options.idempotency as ResolvedIdempotency).inProgressMs);
      return guard.claim(batchRecords, inProgressUntil, deadline.expired);
    })
    .then(() =>
      schedule(
        {
          count,
          concurrency: options.concurrency,
          groups: fifo ? records.map(messageGroupIdOf) : undefined,
          fifoFailure: options.fifoFailure,
          canStart: () => deadline.hasTime(),
          skip,
        },
        runRecord,
      ),
    );
  try {
    await Promise.race([work, deadline.expired]);
  } finally {
    closed = true;
    deadline.dispose();
  }
  const result = finish(records, outcomes, started, deadline.signal.reason, logger);
  if (guard !== undefined) {
    await guard.finish(
      result.outcomes,
      (index) => started[index] === 1 && outcomes[index] === undefined,
      (error) => log(logger, 'error', 'Idempotency store call failed; records keep their outcome', { error }),
    );
  }
  return result;
}

function toBatchRecord(raw: SQSRecord, body: unknown): BatchRecord<unknown> {
  return {
    body,
    messageId: raw.messageId,
    receiveCount: receiveCountOf(raw),
    messageGroupId: messageGroupIdOf(raw),
    raw,
  };
}

/** Reads every body; waits only if a schema validated asynchronously. */
function parseAll(records: readonly SQSRecord[], options: ResolvedOptions, parsed: ParsedBody[]): Promise<unknown> {
  let pending: Array<PromiseLike<void>> | undefined;
  for (let i = 0; i < records.length; i++) {
    const result = parseBody(records[i] as SQSRecord, options.schema, options.envelope);
    if (isPromiseLike(result)) {
      pending ??= [];
      pending.push(
        result.then((value) => {
          parsed[i] = value;
        }),
      );
    } else {
      parsed[i] = result;
    }
  }
  return pending === undefined ? Promise.resolve() : Promise.all(pending);
}

/**
 * Fills in the records that have no outcome (still running when time ran
 * out, or never started) and builds the response from message ids, in event
 * order, each id once.
 */
function finish(
  records: readonly SQSRecord[],
  partial: ReadonlyArray<RecordOutcome | undefined>,
  started: Uint8Array,
  timeoutReason: unknown,
  logger: BatchLogger | undefined,
): BatchResult {
  const outcomes: RecordOutcome[] = new Array(records.length);
  const batchItemFailures: SQSBatchItemFailure[] = [];
  const reported = new Set<string>();
  const skipped: Partial<Record<SkipReason, string[]>> = {};
  let interrupted = 0;
  for (let index = 0; index < records.length; index++) {
    const messageId = (records[index] as SQSRecord).messageId;
    let outcome = partial[index];
    if (outcome === undefined) {
      if (started[index] === 1) {
        interrupted++;
        outcome = { status: 'failed', messageId, index, error: timeoutReason };
        log(logger, 'error', 'Record did not finish before the invocation ran out of time', {
          messageId,
          error: timeoutReason,
        });
      } else {
        outcome = { status: 'skipped', messageId, index, reason: 'timeout' };
      }
    }
    if (outcome.status === 'skipped') {
      const ids = skipped[outcome.reason] ?? [];
      ids.push(messageId);
      skipped[outcome.reason] = ids;
    }
    outcomes[index] = outcome;
    if (!isSuccess(outcome) && !reported.has(messageId)) {
      reported.add(messageId);
      batchItemFailures.push({ itemIdentifier: messageId });
    }
  }
  if (logger !== undefined) {
    for (const [reason, ids] of Object.entries(skipped)) {
      log(logger, 'warn', SKIP_MESSAGES[reason as SkipReason], {
        count: ids.length,
        interrupted: reason === 'timeout' ? interrupted : undefined,
        messageIds: ids.slice(0, LOGGED_IDS),
      });
    }
  }
  return { response: { batchItemFailures }, outcomes };
}

const SKIP_MESSAGES: Record<SkipReason, string> = {
  timeout: 'Records not started because the invocation ran out of time; they are reported as failures',
  'fifo-batch-stopped':
    'Records not started after a failure in a FIFO batch; they are reported as failures to keep order',
  'fifo-group-stopped':
    'Records not started after a failure in their FIFO message group; they are reported as failures to keep order',
};

/** Logs without letting a broken logger fail the batch. */
function log(
  logger: BatchLogger | undefined,
  level: 'warn' | 'error',
  message: string,
  attributes: Record<string, unknown>,
): void {
  if (logger === undefined) return;
  try {
    logger[level](message, attributes);
  } catch {
    // A logger that throws must not turn into lost records.
  }
}
