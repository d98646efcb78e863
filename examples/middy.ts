/**
 * Under middy, with the Powertools Logger and Metrics middlewares. The
 * handler from `createBatchHandler` is already a plain Lambda handler that
 * returns the partial batch response, so `@middy/sqs-partial-batch-failure`
 * is not needed (and must not be added: it would map the response by
 * position). `injectLambdaContext` adds the Lambda context to every log line,
 * and each record's `ctx.logger` line also carries its `messageId`;
 * `logMetrics` flushes what the function adds, and the handler's own
 * metrics (`RecordsFailed`, `OldestRecordAge`, …) go out in the same document.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createBatchHandler } from 'sqs-partial-batch';
import { z } from 'zod';

const logger = new Logger({ serviceName: 'orders' });
const metrics = new Metrics({ namespace: 'Orders', serviceName: 'orders' });

const Order = z.object({ orderId: z.string(), amountCents: z.number().int().positive() });

export const handler = middy(
  createBatchHandler(
    async (record, ctx) => {
      ctx.logger.info('charging order', { orderId: record.body.orderId });
      metrics.addMetric('AmountCharged', MetricUnit.Count, record.body.amountCents);
    },
    { schema: Order, concurrency: 4, logger, metrics },
  ),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
