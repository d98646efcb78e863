/**
 * Idempotency with the in-memory store: a redelivered message, or the same
 * order sent twice, is charged once. The memory store only sees what this
 * execution environment processed, so use it for tests and local runs; in
 * production use the DynamoDB or Redis store (see the other templates).
 */
import { createBatchHandler, MemoryIdempotencyStore } from 'sqs-partial-batch';
import { z } from 'zod';

const Order = z.object({ orderId: z.string(), amountCents: z.number().int().positive() });

const store = new MemoryIdempotencyStore({ maxEntries: 10_000 });

async function charge(orderId: string, amountCents: number): Promise<void> {
  console.log(`charging ${amountCents} for ${orderId}`);
}

export const handler = createBatchHandler(
  async (record) => {
    await charge(record.body.orderId, record.body.amountCents);
  },
  {
    schema: Order,
    concurrency: 8,
    idempotency: {
      store,
      key: (record) => `charge:${record.body.orderId}`, // a business key also catches a producer sending twice
      ttlSeconds: 24 * 60 * 60,
      validatePayload: true, // the same orderId with another amount fails instead of being skipped
    },
  },
);
