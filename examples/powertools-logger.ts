/**
 * Log through the Powertools Logger: each failed record is logged once at
 * error level with its messageId and error. The same logger is handed to the
 * callback, and the Lambda context is added to every entry.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { createBatchHandler } from 'sqs-partial-batch';
import { z } from 'zod';

const logger = new Logger({ serviceName: 'orders' });

const Order = z.object({ orderId: z.string(), amountCents: z.number().int() });

const processOrders = createBatchHandler(
  async (record, ctx) => {
    ctx.logger?.info('processing order', { orderId: record.body.orderId });
  },
  { schema: Order, logger, concurrency: 4 },
);

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processOrders(event, context);
};
