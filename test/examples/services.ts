// What the examples talk to, all on this machine: an SQS API (fauxqs), a
// DynamoDB API (dynalite), Redis, and an HTTP server standing in for webhook
// endpoints. Starting them sets the environment the examples read (AWS
// region, credentials and endpoints, IDEMPOTENCY_TABLE, REDIS_URL), as a
// Lambda function's configuration would; `stop()` restores it.
//
// Runner-agnostic: used by test/examples/examples.test.ts (vitest, against
// the source) and by test/examples/run.ts (node, against the packed package
// in an ESM and a CommonJS project). fauxqs is ESM-only and dynalite is
// CommonJS, so both are loaded with import(), which works from either.
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { REDIS_URL, redisReachable, runTag } from '../helpers/redis.js';

/** One request the webhook server received. */
export interface WebhookCall {
  readonly path: string;
  readonly body: string;
}

/** A queue in the local SQS API. */
export interface LocalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

/** What fauxqs lets a test see of a queue without receiving from it. */
export interface QueueInspection {
  readonly ready: ReadonlyArray<{ readonly messageId: string }>;
  readonly inflight: ReadonlyArray<{
    readonly message: { readonly messageId: string };
    readonly visibilityDeadline: number;
  }>;
}

export interface ExampleServices {
  /** The test run's tag: put it in anything written to Redis, so the run's cleanup finds it. */
  readonly runTag: string;
  /** A URL on the webhook server. `/status/<code>/…` answers with that status; any other path answers 204. */
  webhookUrl(path: string): string;
  /** Requests the webhook server received, in order. */
  readonly webhookCalls: WebhookCall[];
  /** A client for the local SQS API (the examples make their own from the environment). */
  readonly sqs: SQSClient;
  /** A client for the local S3 API (path-style URLs, which need no DNS). */
  readonly s3: S3Client;
  createQueue(name: string, attributes?: Record<string, string>): Promise<LocalQueue>;
  inspectQueue(name: string): QueueInspection;
  /** The DynamoDB table IDEMPOTENCY_TABLE names. */
  readonly idempotencyTable: string;
  readonly dynamodb: DynamoDBClient;
  /** Whether Redis answers at REDIS_URL. */
  readonly redisAvailable: boolean;
  /** Sets environment variables until `stop()`. */
  setEnv(values: Record<string, string | undefined>): void;
  stop(): Promise<void>;
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

export async function startExampleServices(): Promise<ExampleServices> {
  const saved = new Map<string, string | undefined>();
  const setEnv = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (!saved.has(name)) saved.set(name, process.env[name]);
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };

  const webhookCalls: WebhookCall[] = [];
  const webhooks = createServer((request, response) => {
    void readBody(request).then((body) => {
      const path = request.url ?? '/';
      webhookCalls.push({ path, body });
      const status = /^\/status\/(\d{3})\b/.exec(path)?.[1];
      response.writeHead(status === undefined ? 204 : Number(status)).end();
    });
  });
  webhooks.listen(0, '127.0.0.1');
  await once(webhooks, 'listening');
  const webhookPort = (webhooks.address() as AddressInfo).port;

  const { startFauxqs } = await import('fauxqs');
  const fauxqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const sqs = new SQSClient({ endpoint: fauxqs.address, region, credentials });
  const s3 = new S3Client({ endpoint: fauxqs.address, region, credentials, forcePathStyle: true });

  const { default: dynalite } = await import('dynalite');
  const dynaliteServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  dynaliteServer.listen(0, '127.0.0.1');
  await once(dynaliteServer, 'listening');
  const dynamoEndpoint = `http://127.0.0.1:${(dynaliteServer.address() as AddressInfo).port}`;
  const dynamodb = new DynamoDBClient({ endpoint: dynamoEndpoint, region, credentials });
  const idempotencyTable = 'idempotency';
  await dynamodb.send(
    new CreateTableCommand({
      TableName: idempotencyTable,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );

  setEnv({
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: fauxqs.address,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    IDEMPOTENCY_TABLE: idempotencyTable,
    REDIS_URL,
  });

  return {
    runTag: runTag(),
    webhookUrl: (path) => `http://127.0.0.1:${webhookPort}${path.startsWith('/') ? path : `/${path}`}`,
    webhookCalls,
    sqs,
    s3,
    async createQueue(name, attributes = {}) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      return { name, url: QueueUrl as string, arn: Attributes?.QueueArn as string };
    },
    inspectQueue(name) {
      const queue = fauxqs.inspectQueue(name);
      if (queue === undefined) throw new Error(`no queue ${name} in fauxqs`);
      return queue.messages;
    },
    idempotencyTable,
    dynamodb,
    redisAvailable: await redisReachable(),
    setEnv,
    async stop() {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      sqs.destroy();
      s3.destroy();
      dynamodb.destroy();
      await fauxqs.stop();
      await new Promise<void>((resolve) => dynaliteServer.close(() => resolve()));
      webhooks.closeAllConnections();
      await new Promise<void>((resolve) => webhooks.close(() => resolve()));
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
