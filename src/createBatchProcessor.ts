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
import { type RecordRunner, type SchedulePlan, Settling, schedule } from './schedule.js';
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

/**
 * One invocation. All state lives here, so concurrent invocations never share
 * any. Errors come back as a rejected promise, never as a synchronous throw.
 */
export function runBatch<T = BatchResult>(
  event: unknown,
  context: Context | undefined,
  options: ResolvedOptions,
  processRecord: ProcessRecord<unknown>,
  /** False when the caller needs only the response: successes then share one outcome object. */
  detailed = true,
  /** Turns the result into what the caller returns, in the same step (no extra promise). */
  map: (result: BatchResult) => T = identity as (result: BatchResult) => T,
): Promise<T> {
  try {
    return startBatch(event, context, options, processRecord, detailed, map);
  } catch (error) {
    return Promise.reject(error);
  }
}

function identity<T>(value: T): T {
  return value;
}

/**
 * Not an async function: the common case (no deadline, no idempotency, no
 * async schema) chains the scheduler's promise straight to the result, one
 * promise fewer per invocation.
 */
function startBatch<T>(
  event: unknown,
  context: Context | undefined,
  options: ResolvedOptions,
  processRecord: ProcessRecord<unknown>,
  detailed: boolean,
  map: (result: BatchResult) => T,
): Promise<T> {
  const records = readRecords(event);
  const count = records.length;
  if (count === 0) return Promise.resolve(map({ response: { batchItemFailures: [] }, outcomes: [] }));

  const { logger } = options;
  const clock = clockOf(context);
  const deadline = Deadline.of(context, clock, options.timeoutMarginMs);
  const ctx: RecordContext = { context, signal: deadline?.signal ?? NEVER_ABORTED, logger };
  const outcomes: Array<RecordOutcome | undefined> = new Array(count);
  // Which records started: only a deadline can leave a started record without an outcome.
  const started = deadline === undefined ? undefined : new Uint8Array(count);
  const guard = options.idempotency === undefined ? undefined : new BatchIdempotency(options.idempotency, count, clock);
  // Idempotency needs every body before the first record runs (its keys are claimed together);
  // otherwise each body is read when its record starts, so no record object outlives its run.
  const batchRecords: Array<BatchRecord<unknown> | undefined> | undefined = guard && new Array(count);
  const invalid: Array<RecordValidationError | undefined> | undefined = guard && new Array(count);
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
  const messageIdAt = (index: number): string => (records[index] as SQSRecord).messageId;
  const settleInvalid = (index: number, error: RecordValidationError): boolean =>
    settle({ status: 'invalid', messageId: messageIdAt(index), index, error });

  /** Runs the user's function; a promise it returns is the scheduler's to await. */
  const run = (index: number, record: BatchRecord<unknown>): boolean | PromiseLike<unknown> => {
    let result: unknown;
    try {
      result = processRecord(record, ctx);
    } catch (error) {
      return runner.failed(index, error);
    }
    return isPromiseLike(result) ? result : runner.succeeded(index);
  };

  const runner: RecordRunner = {
    start(index) {
      if (started !== undefined) started[index] = 1;
      if (batchRecords === undefined) {
        const raw = records[index] as SQSRecord;
        const body = parseBody(raw, options.schema, options.envelope);
        if (body instanceof ParseFailure) return settleInvalid(index, body.error);
        if (body instanceof PendingParse) {
          return new Settling(
            body.promise.then((parsed) =>
              parsed instanceof ParseFailure
                ? settleInvalid(index, parsed.error)
                : settleWhenDone(index, run(index, toBatchRecord(raw, parsed))),
            ),
          );
        }
        return run(index, toBatchRecord(raw, body));
      }
      const record = batchRecords[index];
      batchRecords[index] = undefined; // from here on only this call holds it, so it can be collected early
      if (record === undefined) return settleInvalid(index, invalid?.[index] as RecordValidationError);
      const gate = guard?.gate(index);
      if (gate !== undefined && gate.kind !== 'run') {
        if (gate.kind === 'decided') return settle(gate.outcome);
        return new Settling((guard as BatchIdempotency).follow(record, index, gate).then(settle));
      }
      return run(index, record);
    },
    succeeded(index) {
      return settle(detailed ? { status: 'succeeded', messageId: messageIdAt(index), index } : SUCCEEDED, index);
    },
    failed(index, error) {
      return settle({ status: 'failed', messageId: messageIdAt(index), index, error });
    },
  };

  /** Settles a record once the work `run` returned is done. */
  const settleWhenDone = (index: number, work: boolean | PromiseLike<unknown>): boolean | PromiseLike<boolean> =>
    typeof work === 'boolean'
      ? work
      : Promise.resolve(work).then(
          () => runner.succeeded(index),
          (error) => runner.failed(index, error),
        );

  const skip = (index: number, reason: SkipReason): void => {
    settle({ status: 'skipped', messageId: messageIdAt(index), index, reason });
  };

  // With idempotency, read every body now; wait only for schemas that validate asynchronously.
  let pending: Array<PromiseLike<void>> | undefined;
  if (batchRecords !== undefined && invalid !== undefined) {
    const accept = (index: number, body: unknown): void => {
      if (body instanceof ParseFailure) invalid[index] = body.error;
      else batchRecords[index] = toBatchRecord(records[index] as SQSRecord, body);
    };
    for (let index = 0; index < count; index++) {
      const body = parseBody(records[index] as SQSRecord, options.schema, options.envelope);
      if (!(body instanceof PendingParse)) {
        accept(index, body);
        continue;
      }
      pending ??= [];
      pending.push(body.promise.then((settled) => accept(index, settled)));
    }
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
      await guard.claim(batchRecords as Array<BatchRecord<unknown> | undefined>, inProgressUntil, deadline?.expired);
    }
    await schedule(plan, runner);
  };
  const runAll = async (): Promise<void> => {
    if (deadline === undefined) return work();
    try {
      await Promise.race([work(), deadline.expired]);
    } finally {
      deadline.dispose();
    }
  };

  const conclude = (): T | Promise<T> => {
    closed = true;
    // Records still running now keep their claims (they lapse at the deadline): note them before finish() fills the gaps.
    const stillRunning =
      guard === undefined || started === undefined
        ? undefined
        : started.map((s, index) => (s === 1 && outcomes[index] === undefined ? 1 : 0));
    const result = finish(records, outcomes, started, deadline?.signal.reason, logger);
    const policy = options.failurePolicy;
    const withPolicy = policy.backoff !== undefined || policy.onPermanentFailure !== 'retry';
    if (!withPolicy && guard === undefined) return map(result);
    return afterRun(result, withPolicy, stillRunning).then(map);
  };

  const afterRun = async (
    ran: BatchResult,
    withPolicy: boolean,
    stillRunning: Uint8Array | undefined,
  ): Promise<BatchResult> => {
    let result = ran;
    if (withPolicy) {
      const outcomesNow = result.outcomes as RecordOutcome[];
      const timeoutMs = Math.min(
        POLICY_TIMEOUT_MS,
        Math.max(100, (deadline?.remainingMs() ?? POLICY_TIMEOUT_MS) - 200),
      );
      await applyFailurePolicy(
        records,
        outcomesNow,
        options.failurePolicy,
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
  };

  const ran =
    deadline === undefined && pending === undefined && guard === undefined ? schedule(plan, runner) : runAll();
  return ran.then(conclude);
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
