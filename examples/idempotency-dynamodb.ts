/**
 * Idempotency on DynamoDB. The table (see examples/sam/template.yaml) has a
 * string partition key `id` and TTL enabled on `expiration`. The function
 * needs dynamodb:PutItem, GetItem, DeleteItem and BatchWriteItem on it.
 *
 * Create the store outside the handler so its client is reused across
 * invocations.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createBatchHandler } from 'sqs-partial-batch';
import { DynamoDBIdempotencyStore } from 'sqs-partial-batch/dynamodb';
import { z } from 'zod';

const Order = z.object({ orderId: z.string(), amountCents: z.number().int().positive() });

const store = new DynamoDBIdempotencyStore({
  tableName: process.env.IDEMPOTENCY_TABLE ?? 'idempotency',
  client: new DynamoDBClient({}),
});

export const handler = createBatchHandler(
  async (record) => {
    console.log(`charging ${record.body.amountCents} for ${record.body.orderId}`);
  },
  {
    schema: Order,
    concurrency: 8,
    idempotency: { store, key: (record) => `charge:${record.body.orderId}`, ttlSeconds: 24 * 60 * 60 },
  },
);
