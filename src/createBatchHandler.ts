import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { clockOf } from './clock.js';
import { createEngine } from './engine.js';
import { FullBatchFailureError } from './errors.js';
import { runInvocation } from './invocation/runInvocation.js';
import { type BatchHandlerOptions, HANDLER_KEYS } from './options.js';
import { isSuccess } from './outcomes.js';
import type { StandardSchemaV1 } from './standardSchema.js';
import type { BatchResult, BodyOf, Envelope, ProcessRecord } from './types.js';

/**
 * A Lambda handler for SQS events that answers with a partial batch response.
 * It fits wherever an `SQSHandler` from `@types/aws-lambda` is expected.
 *
 * @example
 * ```ts
 * import type { BatchHandler } from 'sqs-partial-batch';
 *
 * declare const handler: BatchHandler;
 * const { batchItemFailures } = await handler({ Records: [] });
 * ```
 */
export type BatchHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * Wraps per-record logic into a Lambda handler for an SQS event source with
 * `ReportBatchItemFailures`. Records that fail, fail validation or are not
 * run (FIFO order, timeout) are returned in `batchItemFailures`; the others
 * are deleted from the queue.
 *
 * @param processRecord - Called once per valid record with the typed record and
 *   `{ context, signal, logger }`. Return to succeed; throw anything to fail the record
 *   (a returned `false`, `Error` or partial-batch response fails it too, with `ReturnedFailureError`).
 * @param options - See {@link BatchHandlerOptions}; checked now, at cold start.
 * @returns The Lambda handler.
 * @throws {@link InvalidOptionsError} (at creation) when an option is unknown or has a bad value.
 *   The handler throws {@link InvalidEventError} for an event that is not an SQS event, and
 *   {@link FullBatchFailureError} when every record failed and `throwOnFullBatchFailure` is on.
 * @example
 * ```ts
 * import { createBatchHandler } from 'sqs-partial-batch';
 * import { z } from 'zod';
 *
 * const Order = z.object({ orderId: z.string(), amountCents: z.number().int() });
 * declare function charge(orderId: string, amountCents: number): Promise<void>; // your payment call
 *
 * export const handler = createBatchHandler(async (record) => {
 *   await charge(record.body.orderId, record.body.amountCents);
 * }, { schema: Order, concurrency: 8 });
 * ```
 */
export function createBatchHandler<
  Schema extends StandardSchemaV1 | undefined = undefined,
  Env extends Envelope | undefined = undefined,
>(processRecord: ProcessRecord<BodyOf<Schema, Env>>, options?: BatchHandlerOptions<Schema, Env>): BatchHandler {
  const engine = createEngine(processRecord, options, { allowedKeys: HANDLER_KEYS, keepsSuccesses: false });
  const { throwOnFullBatchFailure, circuit } = engine.options;
  const answer = (result: BatchResult, context: Context | undefined): SQSBatchResponse => {
    // No record ran because the circuit was open: a function error slows the event source mapping's polling.
    const verdict = circuit?.verdict(result.outcomes, clockOf(context).now());
    if (verdict === 'report') return result.response;
    if (verdict !== undefined) throw verdict;
    if (throwOnFullBatchFailure && result.outcomes.length > 0 && !result.outcomes.some(isSuccess)) {
      throw new FullBatchFailureError(result.outcomes);
    }
    return result.response;
  };
  return (event, context) => runInvocation(event, context, engine).then((result) => answer(result, context));
}
