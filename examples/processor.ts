/**
 * The lower-level processor, for handlers that need each record's outcome:
 * here to publish a metric, and in a middy stack (return `response` from the
 * handler). It never throws for failed records.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createBatchProcessor } from 'sqs-partial-batch';

const processBatch = createBatchProcessor(
  async (record) => {
    if (record.body.includes('fail')) throw new Error('cannot process');
  },
  { concurrency: 4 },
);

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const { response, outcomes } = await processBatch(event, context);
  const counts = { succeeded: 0, duplicate: 0, failed: 0, invalid: 0, skipped: 0, 'dead-lettered': 0, dropped: 0 };
  for (const outcome of outcomes) counts[outcome.status]++;
  console.log(JSON.stringify({ _aws: { Timestamp: Date.now() }, ...counts }));
  return response;
};
