/**
 * I/O-bound work: run up to 8 records at once. Each record still succeeds or
 * fails on its own, and `signal` aborts when the invocation is about to time
 * out, so pass it to anything that accepts one.
 */
import { createBatchHandler } from 'sqs-partial-batch';
import { z } from 'zod';

const Webhook = z.object({ url: z.url(), payload: z.record(z.string(), z.unknown()) });

export const handler = createBatchHandler(
  async (record, { signal }) => {
    const response = await fetch(record.body.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(record.body.payload),
      signal,
    });
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  },
  { schema: Webhook, concurrency: 8, timeoutMarginMs: 2000 },
);
