/**
 * A FIFO queue (its ARN ends in .fifo, detected automatically). Records of one
 * message group run one at a time in order; groups run side by side up to
 * `concurrency`. With 'stop-group', a failure skips the rest of its group only
 * (they are reported, so SQS redelivers them in order); other groups go on.
 */
import { createBatchHandler } from 'sqs-partial-batch';
import { z } from 'zod';

const AccountEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deposit'), accountId: z.string(), cents: z.number().int() }),
  z.object({ type: z.literal('withdrawal'), accountId: z.string(), cents: z.number().int() }),
]);

const balances = new Map<string, number>();

export const handler = createBatchHandler(
  (record) => {
    const event = record.body;
    const balance = balances.get(event.accountId) ?? 0;
    const next = event.type === 'deposit' ? balance + event.cents : balance - event.cents;
    if (next < 0) throw new Error(`account ${event.accountId} would go negative (group ${record.messageGroupId})`);
    balances.set(event.accountId, next);
  },
  { schema: AccountEvent, concurrency: 4, fifoFailure: 'stop-group' },
);
