import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../src/index.js';
import { lambdaContext, sqsEvent } from '../helpers/events.js';
import { captureOutput } from '../helpers/stdout.js';

let output: ReturnType<typeof captureOutput> | undefined;
afterEach(() => output?.restore());

describe('under middy with the Powertools middlewares', () => {
  it('answers the partial batch response, logs with the Lambda context and the messageId, and publishes metrics once', async () => {
    const logger = new Logger({ serviceName: 'orders', logLevel: 'INFO' });
    const metrics = new Metrics({ namespace: 'Orders', serviceName: 'orders' });
    const handler = middy(
      createBatchHandler(
        (record, ctx) => {
          ctx.logger.info('charging');
          metrics.addMetric('Charged', 'Count', 1);
          if (record.body === 'bad') throw new Error('declined');
        },
        { logger, metrics, concurrency: 2 },
      ),
    )
      .use(injectLambdaContext(logger))
      .use(logMetrics(metrics));
    const event = sqsEvent(['ok', 'bad']);
    const context = { ...lambdaContext(), awsRequestId: 'req-123', functionName: 'orders-fn' };
    output = captureOutput();

    const response = await handler(event, context);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId }] });
    // Lines that are not JSON: Powertools' own warning when logMetrics finds the metrics already published.
    const entries = [...output.stdout, ...output.stderr]
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const charging = entries.filter((e) => e.message === 'charging');
    expect(charging.map((e) => e.messageId).sort()).toEqual(event.Records.map((r) => r.messageId).sort());
    expect(charging.every((e) => e.function_request_id === 'req-123')).toBe(true);
    const failed = entries.filter((e) => e.message === 'Record failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ messageId: event.Records[1]?.messageId, function_request_id: 'req-123' });
    const documents = entries.filter((e) => '_aws' in e && 'Charged' in e);
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ Charged: [1, 1], RecordsSucceeded: 1, RecordsFailed: 1, BatchSize: 2 });
  });
});
