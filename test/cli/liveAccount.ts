import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { interceptLocalhostDns, startFauxqs } from 'fauxqs';
import type { LambdaApi } from './lambdaStub.mjs';

const ACCOUNT = '123456789012';

export interface LiveAccount {
  /** The environment the check runs in: region, credentials, SQS at fauxqs, no shared config files. */
  readonly env: Readonly<Record<string, string>>;
  /** What the stubbed Lambda API answers. */
  readonly lambda: LambdaApi;
  functionArn(name: string): string;
  stop(): Promise<void>;
}

/**
 * A deployed account for `check --live`: queues in fauxqs, and what Lambda's API says about three
 * SQS mappings (on two pages) and one Kinesis mapping.
 *
 * - uuid-orders: `orders` (visibility 60 s, maxReceiveCount 2, a DLQ with the same retention), no
 *   ReportBatchItemFailures, function `orders-consumer:live` (timeout 30 s, reserved concurrency 5, nodejs20.x).
 * - uuid-jobs: `jobs.fifo` with a FIFO DLQ, provisioned mode with a maximum concurrency, function
 *   `jobs-worker` whose configuration is denied.
 * - uuid-missing: a queue that no longer exists.
 */
export async function liveAccount(): Promise<LiveAccount> {
  // Queue URLs name sqs.<region>.localhost, as real ones name the regional endpoint; the SQS client
  // sends each call to its queue's URL, so *.localhost resolves to this machine while the test runs.
  const restoreDns = interceptLocalhostDns();
  const server = await startFauxqs({ port: 0, logger: false });
  const address = `http://127.0.0.1:${server.port}`;
  const sqs = new SQSClient({
    endpoint: address,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const createQueue = async (name: string, attributes: Record<string, string> = {}) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return Attributes?.QueueArn as string;
  };
  const ordersDlq = await createQueue('orders-dlq');
  const orders = await createQueue('orders', {
    VisibilityTimeout: '60',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: ordersDlq, maxReceiveCount: 2 }),
  });
  const jobsDlq = await createQueue('jobs-dlq.fifo', { FifoQueue: 'true', MessageRetentionPeriod: '1209600' });
  const jobs = await createQueue('jobs.fifo', {
    FifoQueue: 'true',
    VisibilityTimeout: '300',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: jobsDlq, maxReceiveCount: 5 }),
  });
  const functionArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
  const lambda: LambdaApi = {
    pages: [
      {
        EventSourceMappings: [
          {
            UUID: 'uuid-orders',
            EventSourceArn: orders,
            FunctionArn: `${functionArn('orders-consumer')}:live`,
            BatchSize: 10,
          },
          {
            UUID: 'uuid-stream',
            EventSourceArn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks`,
            FunctionArn: functionArn('orders-consumer'),
          },
        ],
        NextMarker: 'page-2',
      },
      {
        EventSourceMappings: [
          {
            UUID: 'uuid-jobs',
            EventSourceArn: jobs,
            FunctionArn: functionArn('jobs-worker'),
            BatchSize: 10,
            MaximumBatchingWindowInSeconds: 0,
            FunctionResponseTypes: ['ReportBatchItemFailures'],
            ScalingConfig: { MaximumConcurrency: 2 },
            ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 10 },
            FilterCriteria: { Filters: [] },
          },
          {
            UUID: 'uuid-missing',
            EventSourceArn: orders.replace(/:orders$/, ':gone'),
            FunctionArn: `${functionArn('orders-consumer')}:live`,
            FunctionResponseTypes: ['ReportBatchItemFailures'],
            MetricsConfig: { Metrics: ['EventCount'] },
          },
        ],
      },
    ],
    configurations: {
      [`${functionArn('orders-consumer')}:live`]: { Timeout: 30, Runtime: 'nodejs20.x' },
      [functionArn('jobs-worker')]: {
        error: {
          name: 'AccessDeniedException',
          message: 'User is not authorized to perform: lambda:GetFunctionConfiguration',
        },
      },
    },
    concurrency: { [functionArn('orders-consumer')]: { ReservedConcurrentExecutions: 5 } },
  };
  return {
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      // The endpoint queue URLs name, as in AWS: the SDK warns when a QueueUrl names another host.
      AWS_ENDPOINT_URL_SQS: `http://sqs.us-east-1.localhost:${server.port}`,
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    lambda,
    functionArn,
    async stop() {
      sqs.destroy();
      await server.stop();
      restoreDns();
    },
  };
}
