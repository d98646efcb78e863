// How each file in examples/ is run: a realistic event from the testing
// builders, a Lambda context, and assertions on the response and the side
// effects. One entry per example, keyed by its path under examples/.
//
// Runner-agnostic (node:assert, public entry points only): vitest runs these
// against the source (test/examples/examples.test.ts), and `npm run
// check:package` runs them against the packed package in an ESM and a
// CommonJS project (test/pack/consumers.mjs, test/examples/run.ts).
//
// Adding an example: add `examples/<name>.ts`, then an entry here. The test
// fails for an example without one.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MemoryIdempotencyStore } from 'sqs-partial-batch';
import {
  createFakeSqsClient,
  createMetricsRecorder,
  lambdaContext,
  sqsEvent,
  sqsRecord,
} from 'sqs-partial-batch/testing';
import type { ExampleServices } from './services.js';

/** Every example that needs a scenario: the `.ts` files under `examplesDir`, except tests and the SAM folder. */
export function exampleFiles(examplesDir: string): string[] {
  return readdirSync(examplesDir, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split('\\').join('/'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.startsWith('sam/'))
    .sort();
}

/** An example module, as loaded. */
export type ExampleModule = Record<string, unknown>;

/** An example that exports a handler (or a handler factory): loaded, then exercised. */
export interface ModuleScenario {
  readonly kind: 'module';
  /** Skipped (outside CI) when Redis is not reachable. */
  readonly needsRedis?: boolean;
  /** Environment the example reads when it loads. */
  readonly env?: (services: ExampleServices) => Record<string, string | undefined>;
  run(example: ExampleModule, services: ExampleServices): Promise<void>;
}

/** An example that is a script (it runs when executed): run as a child process, then its output checked. */
export interface ScriptScenario {
  readonly kind: 'script';
  check(output: string): void;
}

export type Scenario = ModuleScenario | ScriptScenario;

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** The example's `handler` export. */
function handlerOf(example: ExampleModule): Handler {
  assert.equal(typeof example.handler, 'function', 'the example exports a `handler` function');
  return example.handler as Handler;
}

/** Message ids of the records a response reports. */
function reported(response: SQSBatchResponse | undefined): string[] {
  assert.ok(response, 'the handler returns a response');
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

/** Message ids of `event`'s records at `positions`. */
function idsAt(event: SQSEvent, ...positions: number[]): string[] {
  return positions.map((i) => event.Records[i]?.messageId as string);
}

/**
 * Runs `work` with console output and writes to stdout and stderr captured
 * (examples log), and returns what it printed with its result.
 */
export async function capture<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  const writes = [process.stdout.write, process.stderr.write];
  for (const m of methods) console[m] = (...args: unknown[]) => void chunks.push(`${args.map(String).join(' ')}\n`);
  const write = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = write as typeof process.stdout.write;
  process.stderr.write = write as typeof process.stderr.write;
  try {
    const result = await work();
    return { result, output: chunks.join('') };
  } finally {
    methods.forEach((m, i) => {
      console[m] = saved[i] as (typeof console)[typeof m];
    });
    [process.stdout.write, process.stderr.write] = writes as [typeof process.stdout.write, typeof process.stderr.write];
  }
}

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `check` every 20 ms until it holds, failing after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Occurrences of `text` in `output`. */
const count = (output: string, text: string) => output.split(text).length - 1;

export const scenarios: Record<string, Scenario> = {
  'basic.ts': {
    kind: 'module',
    async run(example) {
      const event = sqsEvent(['order o-1 shipped', '   ', 'order o-2 shipped']);
      const { result, output } = await capture(() => handlerOf(example)(event, lambdaContext()));
      assert.deepEqual(reported(result), idsAt(event, 1)); // the empty message
      assert.match(output, /order o-1 shipped/);
      assert.match(output, /order o-2 shipped/);
    },
  },

  'zod-validation.ts': {
    kind: 'module',
    async run(example) {
      const event = sqsEvent([
        { orderId: 'o-1', customerId: 'c-1', amountCents: 1250, currency: 'EUR' },
        { orderId: 'o-2', customerId: 'c-1', amountCents: 1250, currency: 'JPY' },
        '{"orderId": "o-3",',
      ]);
      const { result, output } = await capture(() => handlerOf(example)(event, lambdaContext()));
      assert.deepEqual(reported(result), idsAt(event, 1, 2)); // a currency the schema does not know, and broken JSON
      assert.match(output, /saving o-1: 1250 EUR/);
      assert.doesNotMatch(output, /o-2|o-3/);
    },
  },

  'concurrency.ts': {
    kind: 'module',
    async run(example, services) {
      const event = sqsEvent([
        ...[1, 2, 3, 4, 5].map((n) => ({ url: services.webhookUrl(`/hooks/${n}`), payload: { n } })),
        { url: services.webhookUrl('/status/500/hooks/6'), payload: { n: 6 } },
        { url: 'not a url', payload: {} },
      ]);
      const { result } = await capture(() => handlerOf(example)(event, lambdaContext()));
      assert.deepEqual(reported(result), idsAt(event, 5, 6)); // the endpoint that answered 500, and the invalid URL
      const delivered = services.webhookCalls.filter((call) => call.path.startsWith('/hooks/'));
      assert.deepEqual(delivered.map((call) => JSON.parse(call.body).n).sort(), [1, 2, 3, 4, 5]);
    },
  },

  'fifo.ts': {
    kind: 'module',
    async run(example) {
      const bodies = [
        { type: 'deposit', accountId: 'acc-1', cents: 100 },
        { type: 'deposit', accountId: 'acc-2', cents: 50 },
        { type: 'withdrawal', accountId: 'acc-1', cents: 500 }, // would go negative
        { type: 'withdrawal', accountId: 'acc-2', cents: 20 },
        { type: 'deposit', accountId: 'acc-1', cents: 1000 }, // held back behind the failure, in order
      ];
      const event = sqsEvent(bodies, { fifo: true, groupId: (i) => (bodies[i] as { accountId: string }).accountId });
      const { result } = await capture(() => handlerOf(example)(event, lambdaContext()));
      assert.deepEqual(reported(result), idsAt(event, 2, 4)); // acc-1 stops at its failure; acc-2 goes on
    },
  },

  'sns-envelope.ts': {
    kind: 'module',
    async run(example) {
      const notification = (message: unknown) => ({
        Type: 'Notification',
        MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:prices',
        Message: JSON.stringify(message),
        Timestamp: '2026-11-28T12:00:00.000Z',
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService.pem',
        UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
      });
      const event = sqsEvent([
        notification({ sku: 'sku-1', priceCents: 1999 }),
        notification({ sku: 'sku-2', priceCents: -1 }),
        { sku: 'sku-3', priceCents: 10 }, // raw message delivery: not an SNS notification
      ]);
      const { result, output } = await capture(() => handlerOf(example)(event, lambdaContext()));
      assert.deepEqual(reported(result), idsAt(event, 1, 2));
      assert.match(output, /price of sku-1 is now 1999/);
    },
  },

  'powertools-logger.ts': {
    kind: 'module',
    async run(example) {
      const event = sqsEvent([
        { orderId: 'o-1', amountCents: 100 },
        { orderId: 'o-2', amountCents: 'a secret' },
      ]);
      const { result, output } = await capture(() => handlerOf(example)(event, lambdaContext()));
      assert.deepEqual(reported(result), idsAt(event, 1));
      const entries = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const failure = entries.find(
        (entry) => entry.level === 'ERROR' && JSON.stringify(entry).includes(idsAt(event, 1)[0] as string),
      );
      assert.ok(failure, `the failed record is logged at ERROR with its messageId; got:\n${output}`);
      assert.ok(entries.some((entry) => entry.message === 'processing order' && entry.orderId === 'o-1'));
      assert.ok(
        entries.every((entry) => entry.function_name === 'sqs-consumer'),
        'the Lambda context is on every entry',
      );
      assert.doesNotMatch(output, /a secret/, 'no message body reaches a log line');
    },
  },

  'middy.ts': {
    kind: 'module',
    async run(example) {
      const event = sqsEvent([
        { orderId: 'o-1', amountCents: 250 },
        { orderId: 'o-2', amountCents: -5 },
        { orderId: 'o-3', amountCents: 100 },
      ]);
      const context = { ...lambdaContext(), functionName: 'orders-fn', awsRequestId: 'req-middy' };
      const { result, output } = await capture(() => handlerOf(example)(event, context));
      assert.deepEqual(reported(result), idsAt(event, 1), 'no partial-batch middleware: the response is ours');
      const entries = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const charging = entries.filter((entry) => entry.message === 'charging order');
      assert.deepEqual(charging.map((entry) => entry.messageId).sort(), idsAt(event, 0, 2).sort());
      assert.ok(
        charging.every((entry) => entry.function_request_id === 'req-middy'),
        'injectLambdaContext puts the context on the record lines',
      );
      const documents = entries.filter((entry) => '_aws' in entry && 'RecordsFailed' in entry);
      assert.equal(documents.length, 1, 'one metrics document per invocation');
      assert.equal(documents[0]?.RecordsSucceeded, 2);
      assert.equal(documents[0]?.RecordsInvalid, 1);
      assert.deepEqual(documents[0]?.AmountCharged, [250, 100], "the function's metrics go out in the same document");
    },
  },

  'processor.ts': {
    kind: 'module',
    async run(example) {
      const event = sqsEvent(['ok', 'please fail', 'also ok']);
      const { result, output } = await capture(() => handlerOf(example)(event, lambdaContext()));
      assert.deepEqual(reported(result), idsAt(event, 1));
      const metrics = output
        .split('\n')
        .filter((line) => line.includes('"_aws"'))
        .map((line) => JSON.parse(line) as Record<string, number>);
      assert.equal(metrics.length, 1, 'one metrics line per invocation');
      assert.equal(metrics[0]?.succeeded, 2);
      assert.equal(metrics[0]?.failed, 1);
    },
  },

  'idempotency-memory.ts': {
    kind: 'module',
    async run(example) {
      const handler = handlerOf(example);
      const first = sqsEvent([
        { orderId: 'o-1', amountCents: 100 },
        { orderId: 'o-1', amountCents: 100 }, // the producer sent it twice
        { orderId: 'o-2', amountCents: 200 },
      ]);
      const redelivered = sqsEvent([
        { orderId: 'o-1', amountCents: 100 },
        { orderId: 'o-2', amountCents: 999 }, // the same key with another payload
      ]);
      const { result, output } = await capture(async () => [
        await handler(first, lambdaContext()),
        await handler(redelivered, lambdaContext()),
      ]);
      assert.deepEqual(reported(result[0]), []);
      assert.deepEqual(reported(result[1]), idsAt(redelivered, 1)); // validatePayload: mismatch
      assert.equal(count(output, 'charging 100 for o-1'), 1);
      assert.equal(count(output, 'charging 200 for o-2'), 1);
      assert.equal(count(output, 'charging 999'), 0);
    },
  },

  'idempotency-dynamodb.ts': {
    kind: 'module',
    async run(example, services) {
      const handler = handlerOf(example);
      const orderId = `o-${services.runTag}`;
      const event = () => sqsEvent([{ orderId, amountCents: 700 }]);
      const { result, output } = await capture(async () => [
        await handler(event(), lambdaContext()),
        await handler(event(), lambdaContext()), // the same order again, in another message
      ]);
      assert.deepEqual(result.map(reported), [[], []]);
      assert.equal(count(output, `charging 700 for ${orderId}`), 1);
      const { Item } = await services.dynamodb.send(
        new GetItemCommand({ TableName: services.idempotencyTable, Key: { id: { S: `charge:${orderId}` } } }),
      );
      assert.ok(Item, 'the key is recorded in the table IDEMPOTENCY_TABLE names');
    },
  },

  'idempotency-redis.ts': {
    kind: 'module',
    needsRedis: true,
    async run(example, services) {
      const handler = handlerOf(example);
      const orderId = `o-${services.runTag}`; // the run's cleanup deletes every key with its tag
      const event = () => sqsEvent([{ orderId, amountCents: 300 }]);
      try {
        const { result, output } = await capture(async () => [
          await handler(event(), lambdaContext()),
          await handler(event(), lambdaContext()),
        ]);
        assert.deepEqual(result.map(reported), [[], []]);
        assert.equal(count(output, `charging 300 for ${orderId}`), 1);
      } finally {
        // The example keeps its client open for the next invocation, as a Lambda function does; this process ends here.
        (example.client as { disconnect?: () => void } | undefined)?.disconnect?.();
      }
    },
  },

  'backoff.ts': {
    kind: 'module',
    async run(example, services) {
      const queue = await services.createQueue(`webhooks-${Date.now()}`, { VisibilityTimeout: '30' });
      const bodies = [
        { url: services.webhookUrl('/deliveries/1'), payload: { n: 1 } },
        { url: services.webhookUrl('/status/503/deliveries/2'), payload: { n: 2 } },
      ];
      await services.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: JSON.stringify(body) })),
        }),
      );
      const { Messages = [] } = await services.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10 }),
      );
      assert.equal(Messages.length, 2);
      const event = sqsEvent(
        Messages.map((m) =>
          sqsRecord(JSON.parse(m.Body as string), {
            messageId: m.MessageId as string,
            receiptHandle: m.ReceiptHandle as string,
          }),
        ),
        { queueArn: queue.arn },
      );
      const failing = event.Records.find((r) => r.body.includes('/status/503/'))?.messageId as string;

      const { result } = await capture(() => handlerOf(example)(event, lambdaContext()));

      assert.deepEqual(reported(result), [failing]);
      // Backoff set the failed message's visibility to at most baseSeconds (5 s, full jitter) instead of the queue's 30 s.
      const { ready, inflight } = services.inspectQueue(queue.name);
      const held = inflight.find((entry) => entry.message.messageId === failing);
      const visibleAgainIn = held === undefined ? 0 : held.visibilityDeadline - Date.now();
      assert.ok(
        held !== undefined || ready.some((m) => m.messageId === failing),
        'the failed message is still in the queue',
      );
      assert.ok(visibleAgainIn <= 5000, `the failed message comes back within 5 s, not ${visibleAgainIn} ms`);
    },
  },

  'consumer.ts': {
    kind: 'module',
    async run(example, services) {
      const queue = await services.createQueue(`orders-${Date.now()}`, { VisibilityTimeout: '30' });
      const orders = [
        { orderId: 'o-1', amountCents: 100 },
        { orderId: 'o-2', amountCents: 250 },
        { orderId: 'o-3', amountCents: 0 }, // invalid: not charged, left to come back
      ];
      await services.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: orders.map((order, i) => ({ Id: String(i), MessageBody: JSON.stringify(order) })),
        }),
      );
      const port = await freePort();
      services.setEnv({
        QUEUE_URL: queue.url,
        PAYMENTS_URL: services.webhookUrl('/payments'),
        HEALTH_PORT: String(port),
      });
      const charges = () => services.webhookCalls.filter((call) => call.path === '/payments');
      const main = example.main as (signal?: AbortSignal) => Promise<void>;
      const controller = new AbortController();

      const { result: health } = await capture(async () => {
        const done = main(controller.signal);
        await until(() => charges().length === 2, 10_000, 'both valid orders to be charged');
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        const status = (await response.json()) as { state: string; received: number; succeeded: number };
        controller.abort();
        // The consumer waits for its long polls in flight; a message sent now ends them, and it goes back to the queue.
        await services.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: '0', MessageBody: '{"late":true}' }] }),
        );
        await done;
        return { code: response.status, status };
      });

      assert.deepEqual(
        charges()
          .map((call) => JSON.parse(call.body).orderId)
          .sort(),
        ['o-1', 'o-2'],
      );
      assert.equal(health.code, 200);
      assert.deepEqual([health.status.state, health.status.succeeded], ['running', 2]);
      const { ready, inflight } = services.inspectQueue(queue.name);
      assert.equal(inflight.length, 1, 'the invalid order stays in flight until its visibility timeout');
      assert.equal(ready.length, 1, 'the message received while stopping is back in the queue');

      // The same function on Lambda.
      const event = sqsEvent([{ orderId: 'o-4', amountCents: 10 }, { orderId: 'o-5' }]);
      const { result } = await capture(() => handlerOf(example)(event, lambdaContext()));
      assert.deepEqual(reported(result), idsAt(event, 1));
    },
  },

  'dead-letter.ts': {
    kind: 'module',
    env: () => ({ PARKING_QUEUE_URL: undefined }), // it loads without it
    async run(example, services) {
      const handler = handlerOf(example);
      const event = sqsEvent([
        { orderId: 'o-1', sku: 'sku-1', quantity: 2 },
        { orderId: 'o-2', sku: 'sku-9', quantity: 1 }, // not in the catalog: permanent
        { orderId: 'o-3', sku: 'sku-2', quantity: 0 }, // invalid: permanent
      ]);

      await assert.rejects(() => handler(event, lambdaContext()), /PARKING_QUEUE_URL is not set/);

      const parking = await services.createQueue(`parking-${Date.now()}`);
      services.setEnv({ PARKING_QUEUE_URL: parking.url });
      const { result, output } = await capture(() => handler(event, lambdaContext()));

      assert.deepEqual(reported(result), []); // parked records are done; nothing comes back
      assert.match(output, /reserving 2 x sku-1 for o-1/);
      const { Messages = [] } = await services.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: parking.url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      const parked = Messages.map((m) => ({
        orderId: JSON.parse(m.Body as string).orderId,
        error: m.MessageAttributes?.ErrorName?.StringValue,
        originalMessageId: m.MessageAttributes?.OriginalMessageId?.StringValue,
      })).sort((a, b) => a.orderId.localeCompare(b.orderId));
      assert.deepEqual(parked, [
        { orderId: 'o-2', error: 'UnknownSkuError', originalMessageId: idsAt(event, 1)[0] },
        { orderId: 'o-3', error: 'RecordValidationError', originalMessageId: idsAt(event, 2)[0] },
      ]);
    },
  },

  'large-payloads.ts': {
    kind: 'module',
    env: () => ({ PAYLOAD_BUCKET: 'imports-payloads' }),
    async run(example, services) {
      const { s3, sqs } = services;
      await s3.send(new CreateBucketCommand({ Bucket: 'imports-payloads' })).catch(() => undefined);
      const queue = await services.createQueue(`imports-${Date.now()}`);
      const rows = (count: number) => Array.from({ length: count }, (_, i) => ({ sku: `sku-${i}`, quantity: 1 }));
      const sendImports = example.sendImports as (
        queueUrl: string,
        batch: unknown[],
        clients: { sqs: typeof sqs; s3: typeof s3 },
      ) => Promise<Array<{ status: string; offloaded?: boolean }>>;
      const sent = await sendImports(
        queue.url,
        [
          { importId: 'big', rows: rows(20_000) },
          { importId: 'small', rows: rows(3) },
        ],
        {
          sqs,
          s3,
        },
      );
      assert.deepEqual(
        sent.map((o) => o.offloaded),
        [true, false],
      );

      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      const pointer = Messages.find((m) => m.Body?.startsWith('["software.amazon.payloadoffloading.PayloadS3Pointer"'));
      assert.ok(pointer, 'the big import went as a pointer');
      const key = JSON.parse(pointer.Body as string)[1].s3Key as string;
      const event = {
        Records: Messages.map((m) => sqsRecord(m.Body as string, { messageId: m.MessageId as string })),
      };
      const createImportHandler = example.createImportHandler as (s3Client: typeof s3) => Handler;
      const { result, output } = await capture(() => createImportHandler(s3)(event, lambdaContext()));
      assert.deepEqual(reported(result), []);
      assert.match(output, /import big: 20000 rows/);
      assert.match(output, /import small: 3 rows/);
      await assert.rejects(
        () => s3.send(new HeadObjectCommand({ Bucket: 'imports-payloads', Key: key })),
        'the object is deleted once its record succeeded',
      );
    },
  },

  'testing/orders.ts': {
    kind: 'module',
    async run(example) {
      assert.equal(typeof example.createOrdersHandler, 'function', 'the example exports `createOrdersHandler`');
      const charged: string[] = [];
      const createOrdersHandler = example.createOrdersHandler as (
        charge: (order: { orderId: string }) => Promise<void>,
      ) => Handler;
      const handler = createOrdersHandler(async (order) => {
        charged.push(order.orderId);
      });
      const event = sqsEvent([
        { orderId: 'o-1', amountCents: 100 },
        { orderId: 'o-1', amountCents: 100 },
        { orderId: 'o-2', amountCents: 0 },
      ]);
      const response = await handler(event, lambdaContext());
      assert.deepEqual(reported(response), idsAt(event, 2)); // amountCents must be positive
      assert.deepEqual(charged, ['o-1']);
    },
  },

  'testing/policy.ts': {
    kind: 'module',
    async run(example) {
      assert.equal(
        typeof example.createOrdersPolicyHandler,
        'function',
        'the example exports `createOrdersPolicyHandler`',
      );
      const sqs = createFakeSqsClient();
      const metrics = createMetricsRecorder();
      const charged: string[] = [];
      const create = example.createOrdersPolicyHandler as (deps: Record<string, unknown>) => Handler;
      const handler = create({
        charge: async (order: { orderId: string }) => {
          if (order.orderId === 'o-busy') throw new Error('provider busy');
          charged.push(order.orderId);
        },
        catalog: new Set(['sku-1']),
        sqs,
        deadLetterQueueUrl: sqs.queueUrl('orders-dlq'),
        store: new MemoryIdempotencyStore(),
        metrics,
      });
      const event = sqsEvent([
        { orderId: 'o-1', sku: 'sku-1', amountCents: 100 },
        { orderId: 'o-2', sku: 'sku-404', amountCents: 100 },
        { orderId: 'o-busy', sku: 'sku-1', amountCents: 100 },
      ]);
      const response = await handler(event, lambdaContext());
      assert.deepEqual(reported(response), idsAt(event, 2)); // retried, with backoff
      assert.deepEqual(charged, ['o-1']);
      assert.deepEqual(
        sqs.sent('orders-dlq').map((m) => JSON.parse(m.body).orderId),
        ['o-2'],
      );
      assert.equal(sqs.callsOf('ChangeMessageVisibilityBatch').length, 1);
      assert.equal(metrics.totals().RecordsDeadLettered, 1);
    },
  },

  'demo.ts': {
    kind: 'script',
    check(output) {
      const progress = output.split('\n').filter((line) => /^\s+simulated t=\s*\d+ s\s/.test(line));
      assert.ok(progress.length > 1, `progress lines are printed; got:\n${output}`);
      assert.match(output, /Progress, in simulated time/);
      assert.ok(output.trim().split('\n').length <= 30, 'the demo prints at most 30 lines');
      assert.match(output, /log lines \(records that did not succeed\)\s+\d+, in reports\/demo\.log/);
      const last = /invocations\s+(\d+)\s+deletions\s+(\d+)\s+in DLQ\s+(\d+)/.exec(progress.at(-1) as string);
      assert.ok(last, 'the last progress line has its counts');
      const summary = (label: string) => new RegExp(`${label}\\s+(\\d+)`).exec(output)?.[1];
      assert.equal(
        last[1],
        summary('Lambda invocations'),
        'the last progress line agrees with the summary on invocations',
      );
      assert.equal(last[2], summary('messages deleted \\(duplicate copies included\\)'), '... on deletions');
      assert.equal(last[3], summary('moved to the DLQ'), '... and on the DLQ');
      assert.equal(summary('orders charged twice'), '0');
      assert.match(output, /orders charged exactly once\s+4980 of 4980/);
    },
  },
};
