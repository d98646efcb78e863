/**
 * The function of template.yaml: charges each order once, however often SQS
 * delivers it, with the idempotency table the template creates, and writes
 * the per-invocation metrics the template's alarms watch.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createBatchHandler } from 'sqs-partial-batch';
import { DynamoDBIdempotencyStore } from 'sqs-partial-batch/dynamodb';
import { z } from 'zod';

const Order = z.object({ orderId: z.string(), amountCents: z.number().int().positive() });

// Outside the handler, so the client is reused across invocations.
const store = new DynamoDBIdempotencyStore({
  tableName: process.env.IDEMPOTENCY_TABLE ?? 'idempotency',
  client: new DynamoDBClient({}),
});

export const handler = createBatchHandler(
  async (record) => {
    console.log(`charging ${record.body.amountCents} cents for ${record.body.orderId}`);
  },
  {
    schema: Order,
    concurrency: 8,
    idempotency: { store, key: (record) => `charge:${record.body.orderId}`, ttlSeconds: 24 * 60 * 60 },
    // RecordsFailed, OldestRecordAge, … as one CloudWatch EMF document per invocation.
    metrics: { namespace: process.env.METRICS_NAMESPACE ?? 'Orders' },
  },
);
