import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { RecordValidationError } from './errors.js';
import type { StandardSchemaV1 } from './standardSchema.js';

/**
 * Where the payload sits inside the SQS body.
 * - `'sns'`: an SNS notification delivered to SQS (raw message delivery off);
 *   the payload is the JSON inside `Message`.
 * - `'eventbridge'`: an EventBridge event delivered to SQS; the payload is `detail`.
 *
 * @example
 * ```ts
 * import { createBatchHandler, type Envelope } from 'sqs-partial-batch';
 *
 * const envelope: Envelope = 'sns';
 * export const handler = createBatchHandler(async (record) => console.log(record.body), { envelope });
 * ```
 */
export type Envelope = 'sns' | 'eventbridge';

/**
 * What to do with a FIFO batch after a record fails.
 * - `'stop-batch'`: start no further record of any group.
 * - `'stop-group'`: skip only the failed record's message group; other groups go on.
 *
 * @example
 * ```ts
 * import { createBatchHandler, type FifoFailureMode } from 'sqs-partial-batch';
 *
 * const fifoFailure: FifoFailureMode = 'stop-group';
 * export const handler = createBatchHandler(async () => {}, { fifoFailure, concurrency: 4 });
 * ```
 */
export type FifoFailureMode = 'stop-batch' | 'stop-group';

/**
 * The type of `record.body` that a schema and an envelope give: the schema's
 * output type when there is a schema; otherwise the raw string (the SNS
 * `Message` string with the `'sns'` envelope, the parsed `detail` with
 * `'eventbridge'`).
 *
 * @example
 * ```ts
 * import type { BodyOf } from 'sqs-partial-batch';
 * import { z } from 'zod';
 *
 * const Order = z.object({ orderId: z.string() });
 * type WithSchema = BodyOf<typeof Order, undefined>; // { orderId: string }
 * type Raw = BodyOf<undefined, undefined>; // string
 * ```
 */
export type BodyOf<
  Schema extends StandardSchemaV1 | undefined,
  Env extends Envelope | undefined,
> = Schema extends StandardSchemaV1 ? SchemaOutput<Schema> : Env extends 'eventbridge' ? unknown : string;

/**
 * The output type of a Standard Schema: its declared `types.output`, or, for a
 * hand-written schema that declares no types, what its `validate` returns.
 *
 * @example
 * ```ts
 * import type { SchemaOutput } from 'sqs-partial-batch';
 * import { z } from 'zod';
 *
 * type Order = SchemaOutput<typeof Order>; // { orderId: string }
 * const Order = z.object({ orderId: z.string() });
 * ```
 */
export type SchemaOutput<Schema extends StandardSchemaV1> = Schema['~standard'] extends { readonly types?: infer T }
  ? NonNullable<T> extends { readonly output: infer Output }
    ? Output
    : ValidatedOutput<Schema>
  : ValidatedOutput<Schema>;

type ValidatedOutput<Schema extends StandardSchemaV1> =
  Awaited<ReturnType<Schema['~standard']['validate']>> extends infer R
    ? R extends { readonly value: infer Output; readonly issues?: undefined }
      ? Output
      : never
    : never;

/**
 * A record as `processRecord` sees it.
 *
 * @example
 * ```ts
 * import { createBatchHandler } from 'sqs-partial-batch';
 *
 * export const handler = createBatchHandler(async (record) => {
 *   console.log(record.messageId, record.receiveCount, record.body.length);
 * });
 * ```
 */
export interface BatchRecord<TBody> {
  /** The body: validated by the schema when one is set, else the raw string. */
  readonly body: TBody;
  /** The SQS message id. */
  readonly messageId: string;
  /** How many times SQS has delivered this message, this delivery included (`ApproximateReceiveCount`). */
  readonly receiveCount: number;
  /** The FIFO message group id; `undefined` on a standard queue. */
  readonly messageGroupId: string | undefined;
  /** The record exactly as Lambda delivered it. */
  readonly raw: SQSRecord;
}

/**
 * Anything that logs like the Powertools Logger or `console`: each method
 * takes a message and structured attributes.
 *
 * @example
 * ```ts
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import type { BatchLogger } from 'sqs-partial-batch';
 *
 * const logger: BatchLogger = new Logger({ serviceName: 'orders' });
 * ```
 */
export interface BatchLogger {
  debug(message: string, ...attributes: Array<Record<string, unknown>>): void;
  info(message: string, ...attributes: Array<Record<string, unknown>>): void;
  warn(message: string, ...attributes: Array<Record<string, unknown>>): void;
  error(message: string, ...attributes: Array<Record<string, unknown>>): void;
}

/**
 * The second argument of `processRecord`: what the invocation knows.
 *
 * @example
 * ```ts
 * import { createBatchHandler } from 'sqs-partial-batch';
 *
 * export const handler = createBatchHandler(async (record, { signal, context }) => {
 *   await fetch(`https://example.com/orders/${record.messageId}`, { signal });
 *   console.log(context?.awsRequestId);
 * });
 * ```
 */
export interface RecordContext {
  /** The Lambda context, when the handler was given one. */
  readonly context: Context | undefined;
  /** Aborts (with an `InvocationTimeoutError` reason) when the invocation is about to run out of time. */
  readonly signal: AbortSignal;
  /**
   * A logger whose every line carries this record's `messageId` (and
   * `messageGroupId` on FIFO queues): a child of the `logger` option (the
   * default JSON logger when none is set; it writes nothing with `logger: false`).
   */
  readonly logger: BatchLogger;
}

/**
 * The user's per-record function. Return (or resolve) to succeed; throw (or
 * reject) with anything to fail the record.
 *
 * @example
 * ```ts
 * import type { ProcessRecord } from 'sqs-partial-batch';
 *
 * const processRecord: ProcessRecord<string> = async (record) => {
 *   if (record.body === '') throw new Error('empty body');
 * };
 * ```
 */
export type ProcessRecord<TBody> = (record: BatchRecord<TBody>, ctx: RecordContext) => unknown;

/**
 * Why a record was not started: the invocation ran out of time, a FIFO
 * failure stopped the batch or the record's group, the consumer
 * (`sqs-partial-batch/consumer`) was stopping, or the circuit breaker was
 * open (`circuitBreaker`).
 *
 * @example
 * ```ts
 * import type { RecordOutcome, SkipReason } from 'sqs-partial-batch';
 *
 * const reasonOf = (o: RecordOutcome): SkipReason | undefined => (o.status === 'skipped' ? o.reason : undefined);
 * ```
 */
export type SkipReason = 'timeout' | 'fifo-batch-stopped' | 'fifo-group-stopped' | 'shutdown' | 'circuit-open';

/**
 * What happened to one record. `succeeded` and `duplicate` records are left
 * out of `batchItemFailures` (SQS deletes them); every other status is reported.
 * - `succeeded`: `processRecord` returned.
 * - `duplicate`: its idempotency key's work was already done (in an earlier
 *   invocation, or by an earlier record of this batch); `processRecord` was not called.
 * - `failed`: `processRecord` threw, the record was still running when time ran
 *   out, or idempotency could not let it run (`error` says which).
 * - `invalid`: the body failed parsing or validation.
 * - `skipped`: not started (FIFO order, time, a consumer stopping, or an open circuit).
 * - `dead-lettered`: a permanent failure sent to the `deadLetter` queue (then deleted).
 * - `dropped`: a permanent failure deleted after logging (`onPermanentFailure: 'drop'`).
 *
 * @example
 * ```ts
 * import type { RecordOutcome } from 'sqs-partial-batch';
 *
 * function describe(outcome: RecordOutcome): string {
 *   switch (outcome.status) {
 *     case 'succeeded': return 'ok';
 *     case 'duplicate': return `already done (${outcome.key})`;
 *     case 'failed': return String(outcome.error);
 *     case 'invalid': return outcome.error.message;
 *     case 'skipped': return outcome.reason;
 *     case 'dead-lettered':
 *     case 'dropped': return `${outcome.status}: ${String(outcome.error)}`;
 *   }
 * }
 * ```
 */
export type RecordOutcome =
  | { readonly status: 'succeeded'; readonly messageId: string; readonly index: number }
  | { readonly status: 'duplicate'; readonly messageId: string; readonly index: number; readonly key: string }
  | { readonly status: 'failed'; readonly messageId: string; readonly index: number; readonly error: unknown }
  | {
      readonly status: 'invalid';
      readonly messageId: string;
      readonly index: number;
      readonly error: RecordValidationError;
    }
  | { readonly status: 'skipped'; readonly messageId: string; readonly index: number; readonly reason: SkipReason }
  | { readonly status: 'dead-lettered'; readonly messageId: string; readonly index: number; readonly error: unknown }
  | { readonly status: 'dropped'; readonly messageId: string; readonly index: number; readonly error: unknown };

/**
 * A record's status; `failed`, `invalid` and `skipped` put the record in
 * `batchItemFailures`, the others let SQS delete it.
 *
 * @example
 * ```ts
 * import type { RecordStatus } from 'sqs-partial-batch';
 *
 * const counts: Record<RecordStatus, number> = { succeeded: 0, duplicate: 0, failed: 0, invalid: 0, skipped: 0, 'dead-lettered': 0, dropped: 0 };
 * ```
 */
export type RecordStatus = RecordOutcome['status'];

/**
 * What a batch processor returns: the response for Lambda, and each record's
 * outcome in event order.
 *
 * @example
 * ```ts
 * import { createBatchProcessor } from 'sqs-partial-batch';
 *
 * const processBatch = createBatchProcessor(async (record) => {});
 * const { response, outcomes } = await processBatch(event, context);
 * ```
 */
export interface BatchResult {
  /** The value to return from the Lambda handler. */
  readonly response: SQSBatchResponse;
  /** One outcome per record, in event order. */
  readonly outcomes: readonly RecordOutcome[];
}

/**
 * What the `tracer` option takes: an OpenTelemetry `Tracer`, as
 * `trace.getTracer(name)` from `@opentelemetry/api` returns. Typed by shape
 * so that the core's types need no OpenTelemetry package.
 *
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api';
 * import type { TracerLike } from 'sqs-partial-batch';
 *
 * const tracer: TracerLike = trace.getTracer('orders');
 * ```
 */
export interface TracerLike {
  startSpan(name: string, options?: object, context?: object): object;
  startActiveSpan(name: string, ...rest: never[]): unknown;
}
