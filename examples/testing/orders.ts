/**
 * The handler under test in handler.test.ts: charges each order once, with
 * idempotency keyed by orderId. `charge` is injected so a test can count calls.
 */
import { createBatchHandler, type IdempotencyStore, MemoryIdempotencyStore } from 'sqs-partial-batch';
import { z } from 'zod';

export const Order = z.object({ orderId: z.string(), amountCents: z.number().int().positive() });
export type Order = z.infer<typeof Order>;

export function createOrdersHandler(
  charge: (order: Order, signal: AbortSignal) => Promise<void>,
  store: IdempotencyStore = new MemoryIdempotencyStore(),
) {
  return createBatchHandler(
    async (record, { signal }) => {
      await charge(record.body, signal);
    },
    { schema: Order, concurrency: 4, idempotency: { store, key: (record) => `charge:${record.body.orderId}` } },
  );
}
