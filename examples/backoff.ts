/**
 * Exponential backoff for failed records. Without it, a failed record comes
 * back after the queue's visibility timeout, every time, until the redrive
 * policy moves it to the DLQ. With it, the handler sets each failed record's
 * visibility timeout to 5 s, 10 s, 20 s, ... (full jitter, at most 15 min)
 * before returning, so a struggling downstream gets room to recover.
 *
 * IAM: sqs:ChangeMessageVisibility and sqs:GetQueueUrl on the source queue.
 * FIFO: a delayed record holds back the rest of its message group until it
 * is delivered again.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { createBatchHandler } from 'sqs-partial-batch';
import { z } from 'zod';

const Webhook = z.object({ url: z.url(), payload: z.record(z.string(), z.unknown()) });
const sqs = new SQSClient({});

export const handler = createBatchHandler(
  async (record, { signal }) => {
    const response = await fetch(record.body.url, {
      method: 'POST',
      body: JSON.stringify(record.body.payload),
      signal,
    });
    if (response.status >= 500) throw new Error(`endpoint answered ${response.status}`); // retried, later each time
  },
  { schema: Webhook, concurrency: 8, backoff: { client: sqs, baseSeconds: 5, maxSeconds: 900 } },
);
