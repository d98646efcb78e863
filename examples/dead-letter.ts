/**
 * Permanent failures skip pointless retries. A record whose processing throws
 * a PermanentError (or a subclass), or whose body fails validation, is sent
 * at once to a "parking" queue with its error's name and message, original
 * message id and source queue ARN as message attributes, and only then
 * deleted from the source queue. If that send fails, the record is reported
 * as failed as usual: nothing is lost.
 *
 * IAM: sqs:SendMessage on the parking queue. Use `onPermanentFailure: 'drop'`
 * instead to delete such records after logging them whole.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { createBatchHandler, PermanentError } from 'sqs-partial-batch';
import { z } from 'zod';

const Order = z.object({ orderId: z.string(), sku: z.string(), quantity: z.number().int().positive() });

class UnknownSkuError extends PermanentError {}

const catalog = new Set(['sku-1', 'sku-2']);

export const handler = createBatchHandler(
  async (record) => {
    if (!catalog.has(record.body.sku)) throw new UnknownSkuError(`SKU ${record.body.sku} is not in the catalog`);
    console.log(`reserving ${record.body.quantity} x ${record.body.sku} for ${record.body.orderId}`);
  },
  {
    schema: Order,
    onPermanentFailure: 'dead-letter',
    deadLetter: { client: new SQSClient({}), queueUrl: process.env.PARKING_QUEUE_URL ?? '' },
    backoff: { client: new SQSClient({}) }, // and back off the failures that may still succeed
  },
);
