import type { Context, SQSEvent } from 'aws-lambda';
import { createEngine } from './engine.js';
import { runInvocation } from './invocation/runInvocation.js';
import type { BatchProcessorOptions } from './options.js';
import type { StandardSchemaV1 } from './standardSchema.js';
import type { BatchResult, BodyOf, Envelope, ProcessRecord } from './types.js';

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
  const engine = createEngine(processRecord, options, { keepsSuccesses: true });
  return (event, context) => runInvocation(event, context, engine);
}
