/**
 * The smallest useful consumer: each record's raw body is handled on its own;
 * a record that throws goes back to the queue, the others are deleted.
 *
 * Event source mapping: FunctionResponseTypes: [ReportBatchItemFailures].
 */
import { createBatchHandler } from 'sqs-partial-batch';

export const handler = createBatchHandler(async (record) => {
  if (record.body.trim() === '') throw new Error('empty message');
  console.log(`message ${record.messageId} (delivery ${record.receiveCount}): ${record.body}`);
});
