/**
 * Validate every body with zod. `record.body` is typed from the schema; a body
 * that is not JSON or does not match is reported as a failure with a
 * RecordValidationError naming the message and every issue, and the callback
 * is not called for it. Pair with a DLQ (maxReceiveCount) so such messages
 * stop coming back.
 */
import { createBatchHandler } from 'sqs-partial-batch';
import { z } from 'zod';

const Order = z.object({
  orderId: z.string().min(1),
  customerId: z.string(),
  amountCents: z.number().int().positive(),
  currency: z.enum(['EUR', 'USD', 'GBP']),
});

export type Order = z.infer<typeof Order>;

async function saveOrder(order: Order): Promise<void> {
  console.log(`saving ${order.orderId}: ${order.amountCents} ${order.currency}`);
}

export const handler = createBatchHandler(
  async (record) => {
    await saveOrder(record.body);
  },
  { schema: Order },
);
