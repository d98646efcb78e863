/**
 * Permanent failures skip pointless retries. A record whose processing throws
 * a PermanentError (or a subclass), or whose body fails validation, is sent
 * at once to a "parking" queue with its error's name and message, original
 * message id and source queue ARN as message attributes, and only then
 * deleted from the source queue. If that send fails, the record is reported
 * as failed as usual: nothing is lost.
 *
 * Needs PARKING_QUEUE_URL (the parking queue's URL) in the function's
 * environment. It is read when the first batch arrives, so the module loads
 * without it (in tests and tools), and an invocation without it fails with
 * an error that says what to set.
 *
 * IAM: sqs:SendMessage on the parking queue; sqs:ChangeMessageVisibility and
 * sqs:GetQueueUrl on the source queue (for backoff). Use
 * `onPermanentFailure: 'drop'` instead to delete such records after logging
 * them whole.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { type BatchHandler, createBatchHandler, PermanentError } from 'sqs-partial-batch';
import { z } from 'zod';

const Order = z.object({ orderId: z.string(), sku: z.string(), quantity: z.number().int().positive() });

/** A SKU that is not in the catalog: retrying cannot help. */
class UnknownSkuError extends PermanentError {
  override readonly name = 'UnknownSkuError';
}

const catalog = new Set(['sku-1', 'sku-2']);
const sqs = new SQSClient({});

function createHandler(): BatchHandler {
  const parkingQueueUrl = process.env.PARKING_QUEUE_URL;
  if (!parkingQueueUrl) {
    throw new Error('PARKING_QUEUE_URL is not set: set it to the URL of the queue that receives permanent failures');
  }
  return createBatchHandler(
    async (record) => {
      if (!catalog.has(record.body.sku)) throw new UnknownSkuError(`SKU ${record.body.sku} is not in the catalog`);
      console.log(`reserving ${record.body.quantity} x ${record.body.sku} for ${record.body.orderId}`);
    },
    {
      schema: Order,
      onPermanentFailure: 'dead-letter',
      deadLetter: { client: sqs, queueUrl: parkingQueueUrl },
      backoff: { client: sqs }, // and back off the failures that may still succeed
    },
  );
}

let reserve: BatchHandler | undefined;

/** The Lambda handler; the batch handler is created with the first batch. */
export const handler: BatchHandler = async (event, context) => {
  reserve ??= createHandler();
  return reserve(event, context);
};
