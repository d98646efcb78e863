import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { clockOf } from './clock.js';
import { Deadline } from './deadline.js';
import { InvalidOptionsError, type RecordValidationError } from './errors.js';
import { isFifoEvent, messageGroupIdOf, readRecords, receiveCountOf } from './event.js';
import { applyFailurePolicy } from './failurePolicy/apply.js';
import { BatchIdempotency } from './idempotency/guard.js';
import type { ResolvedIdempotency } from './idempotency/options.js';
import { log } from './log.js';
import { describeValue } from './optionChecks.js';
import { type BatchProcessorOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { isSuccess } from './outcomes.js';
import { ParseFailure, PendingParse, parseBody } from './parse.js';
import { failuresOf, finish } from './response.js';
import { type SchedulePlan, schedule } from './schedule.js';
import type { StandardSchemaV1 } from './standardSchema.js';
import type {
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

/** One invocation. All state lives here, so concurrent invocations never share any. */
export async function runBatch(
  event: unknown,
  context: Context | undefined,
  options: ResolvedOptions,
  processRecord: ProcessRecord<unknown>,
  /** False when the caller needs only the response: successes then share one outcome object. */
  detailed = true,
): Promise<BatchResult> {
  const records = readRecords(event);
  const count = records.length;
  if (count === 0) return { response: { batchItemFailures: [] }, outcomes: [] };

  const { logger } = options;
  const clock = clockOf(context);
  const deadline = Deadline.of(context, clock, options.timeoutMarginMs);
  const ctx: RecordContext = { context, signal: deadline?.signal ?? NEVER_ABORTED, logger };
  const outcomes: Array<RecordOutcome | undefined> = new Array(count);
  // Which records started: only a deadline can leave a started record without an outcome.
  const started = deadline === undefined ? undefined : new Uint8Array(count);
  const batchRecords: Array<BatchRecord<unknown> | undefined> = new Array(count);
  const invalid: Array<RecordValidationError | undefined> = new Array(count);
  const guard = options.idempotency === undefined ? undefined : new BatchIdempotency(options.idempotency, count, clock);
  let closed = false;

  const settle = (outcome: RecordOutcome, at = outcome.index): boolean => {
    guard?.settled(outcome, at);
    if (closed) return false;
    outcomes[at] = outcome;
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
    if (started !== undefined) started[index] = 1;
    const record = batchRecords[index];
    batchRecords[index] = undefined; // from here on only this call holds it, so it can be collected early
    if (record === undefined) {
      const { messageId } = records[index] as SQSRecord;
      return settle({ status: 'invalid', messageId, index, error: invalid[index] as RecordValidationError });
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
    if (!isPromiseLike(result)) return settle(detailed ? { status: 'succeeded', messageId, index } : SUCCEEDED, index);
    return settleAsync(result, messageId, index);
  };

  const settleAsync = async (result: PromiseLike<unknown>, messageId: string, index: number): Promise<boolean> => {
    try {
      await result;
    } catch (error) {
      return settle({ status: 'failed', messageId, index, error });
    }
    return settle(detailed ? { status: 'succeeded', messageId, index } : SUCCEEDED, index);
  };

  const skip = (index: number, reason: SkipReason): void => {
    settle({ status: 'skipped', messageId: (records[index] as SQSRecord).messageId, index, reason });
  };

  // Read every body now; wait only for schemas that validate asynchronously.
  const accept = (index: number, body: unknown): void => {
    if (body instanceof ParseFailure) invalid[index] = body.error;
    else batchRecords[index] = toBatchRecord(records[index] as SQSRecord, body);
  };
  let pending: Array<PromiseLike<void>> | undefined;
  for (let index = 0; index < count; index++) {
    const body = parseBody(records[index] as SQSRecord, options.schema, options.envelope);
    if (!(body instanceof PendingParse)) {
      accept(index, body);
      continue;
    }
    pending ??= [];
    pending.push(body.promise.then((settled) => accept(index, settled)));
  }

  const plan: SchedulePlan = {
    count,
    concurrency: options.concurrency,
    groups: isFifoEvent(records) ? records.map(messageGroupIdOf) : undefined,
    fifoFailure: options.fifoFailure,
    canStart: deadline === undefined ? alwaysTrue : () => deadline.hasTime(),
    skip,
  };
  const work = async (): Promise<void> => {
    if (pending !== undefined) await Promise.all(pending);
    if (guard !== undefined) {
      const inProgressUntil =
        clock.now() + (deadline?.remainingMs() ?? (options.idempotency as ResolvedIdempotency).inProgressMs);
      await guard.claim(batchRecords, inProgressUntil, deadline?.expired);
    }
    await schedule(plan, runRecord);
  };
  if (deadline === undefined && pending === undefined && guard === undefined) {
    await schedule(plan, runRecord);
  } else if (deadline === undefined) {
    await work();
  } else {
    try {
      await Promise.race([work(), deadline.expired]);
    } finally {
      deadline.dispose();
    }
  }
  closed = true;
  // Records still running now keep their claims (they lapse at the deadline): note them before finish() fills the gaps.
  const stillRunning =
    guard === undefined || started === undefined
      ? undefined
      : started.map((s, index) => (s === 1 && outcomes[index] === undefined ? 1 : 0));
  let result = finish(records, outcomes, started, deadline?.signal.reason, logger);
  const policy = options.failurePolicy;
  if (policy.backoff !== undefined || policy.onPermanentFailure !== 'retry') {
    const outcomesNow = result.outcomes as RecordOutcome[];
    const timeoutMs = Math.min(POLICY_TIMEOUT_MS, Math.max(100, (deadline?.remainingMs() ?? POLICY_TIMEOUT_MS) - 200));
    await applyFailurePolicy(
      records,
      outcomesNow,
      policy,
      (level, message, attributes) => log(logger, level, message, attributes),
      timeoutMs,
    );
    result = { response: { batchItemFailures: failuresOf(records, outcomesNow) }, outcomes: outcomesNow };
  }
  if (guard !== undefined) {
    await guard.finish(
      result.outcomes,
      (index) => stillRunning?.[index] === 1,
      (error) => log(logger, 'error', 'Idempotency store call failed; records keep their outcome', { error }),
    );
  }
  return result;
}

/** Longest the failure policy's SQS calls may take before their records are left as they are. */
const POLICY_TIMEOUT_MS = 5000;

/** The signal of invocations without a deadline: it never aborts. */
const NEVER_ABORTED = new AbortController().signal;
/** The outcome every success shares when the caller needs only the response (no per-record object). */
const SUCCEEDED: RecordOutcome = Object.freeze({ status: 'succeeded', messageId: '', index: -1 });
const alwaysTrue = (): boolean => true;

function toBatchRecord(raw: SQSRecord, body: unknown): BatchRecord<unknown> {
  return {
    body,
    messageId: raw.messageId,
    receiveCount: receiveCountOf(raw),
    messageGroupId: messageGroupIdOf(raw),
    raw,
  };
}

/**
 * Fills in the records that have no outcome (still running when time ran
 * out, or never started) and builds the response from message ids, in event
 * order, each id once.
 */
