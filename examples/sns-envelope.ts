/**
 * SNS topic -> SQS queue -> Lambda, with raw message delivery off: the SQS body
 * is an SNS notification and the payload is the JSON inside `Message`.
 * `envelope: 'sns'` unwraps it before validation. (For EventBridge -> SQS use
 * `envelope: 'eventbridge'`, which validates `detail`.)
 */
import { createBatchHandler } from 'sqs-partial-batch';
import { z } from 'zod';

const PriceChanged = z.object({ sku: z.string(), priceCents: z.number().int().nonnegative() });

export const handler = createBatchHandler(
  async (record) => {
    console.log(`price of ${record.body.sku} is now ${record.body.priceCents}`);
  },
  { schema: PriceChanged, envelope: 'sns' },
);
