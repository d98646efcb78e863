/**
 * The handler under test in policy.test.ts: an order handler with the whole
 * failure policy (idempotency, backoff, a dead-letter queue, metrics). Its
 * clients come in as arguments, so production passes real ones and a test
 * passes the fakes from `sqs-partial-batch/testing`.
 */
import {
  type BatchHandler,
  createBatchHandler,
  type IdempotencyStore,
  type MetricsOption,
  PermanentError,
  type SqsClientLike,
} from 'sqs-partial-batch';
import { z } from 'zod';

export const Order = z.object({ orderId: z.string(), sku: z.string(), amountCents: z.number().int().positive() });
export type Order = z.infer<typeof Order>;

/** A SKU the catalog does not have: no retry can help, so it is parked at once. */
export class UnknownSkuError extends PermanentError {
  override readonly name = 'UnknownSkuError';
}

export interface OrdersDependencies {
  /** Charges one order; throws when the provider fails (the record is retried with backoff). */
  readonly charge: (order: Order, signal: AbortSignal) => Promise<void>;
  readonly catalog: ReadonlySet<string>;
  readonly sqs: SqsClientLike;
  readonly deadLetterQueueUrl: string;
  readonly store: IdempotencyStore;
  readonly metrics: MetricsOption;
}

export function createOrdersPolicyHandler(deps: OrdersDependencies): BatchHandler {
  return createBatchHandler(
    async (record, { signal }) => {
      if (!deps.catalog.has(record.body.sku)) throw new UnknownSkuError(`SKU ${record.body.sku} is not in the catalog`);
      await deps.charge(record.body, signal);
    },
    {
      schema: Order,
      concurrency: 5,
      idempotency: { store: deps.store, key: (record) => `charge:${record.body.orderId}` },
      backoff: { client: deps.sqs, baseSeconds: 30, maxSeconds: 900 },
      onPermanentFailure: 'dead-letter',
      deadLetter: { client: deps.sqs, queueUrl: deps.deadLetterQueueUrl },
      metrics: deps.metrics,
    },
  );
}
