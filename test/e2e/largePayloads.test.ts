// Large payloads (#22) against the emulator's SQS, SNS and S3 (fauxqs serves all three): pointers
// written exactly as the Java extended client writes them, read in the Lambda handler (through the
// event source mapping's stand-in) and in the container consumer; a sendMessages round trip.
import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createConsumer } from '../../src/consumer/index.js';
import {
  createBatchHandler,
  createBatchProcessor,
  MemoryIdempotencyStore,
  PermanentError,
  type RecordOutcome,
} from '../../src/index.js';
import { LargePayloadError } from '../../src/largePayloads/index.js';
import { sendMessages } from '../../src/sqsEntry.js';
import { createMetricsRecorder } from '../../src/testing/index.js';
import { queueName, runUntil } from '../helpers/consumer.js';
import { type LocalSqs, startLocalSqs } from '../helpers/fauxqs.js';
import { pollOnce } from '../helpers/poller.js';

const BUCKET = 'payloads';
const Order = z.object({ orderId: z.string(), notes: z.string() });
const order = (orderId: string, size = 300) => JSON.stringify({ orderId, notes: 'n'.repeat(size) });

let local: LocalSqs;
let s3: S3Client;
let sns: SNSClient;

beforeAll(async () => {
  local = await startLocalSqs();
  const config = {
    endpoint: local.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  sns = new SNSClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: 'elsewhere' }));
});
afterAll(async () => {
  s3?.destroy();
  sns?.destroy();
  await local?.stop();
});

interface JavaSend {
  readonly body: string;
  /** `com.amazon.sqs.javamessaging.MessageS3Pointer`, as extended client 1.x writes. */
  readonly legacyClass?: boolean;
  /** `SQSLargePayloadSize`, as older producers write. */
  readonly legacyAttribute?: boolean;
  readonly bucket?: string;
  /** Put no object (a pointer to nothing). */
  readonly noObject?: boolean;
}

/** What the Java extended client does for one large message: the object under a UUID key, then the pointer. */
async function javaPointer({ body, legacyClass, legacyAttribute, bucket = BUCKET, noObject }: JavaSend) {
  const key = randomUUID();
  if (!noObject) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const name = legacyClass
    ? 'com.amazon.sqs.javamessaging.MessageS3Pointer'
    : 'software.amazon.payloadoffloading.PayloadS3Pointer';
  return {
    key,
    pointer: `["${name}",{"s3BucketName":"${bucket}","s3Key":"${key}"}]`,
    attributes: {
      [legacyAttribute ? 'SQSLargePayloadSize' : 'ExtendedPayloadSize']: {
        DataType: 'Number',
        StringValue: String(Buffer.byteLength(body)),
      },
    },
  };
}

async function sendJava(queueUrl: string, message: JavaSend) {
  const { key, pointer, attributes } = await javaPointer(message);
  await local.sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: pointer, MessageAttributes: attributes }),
  );
  return key;
}

/** A topic with the queue subscribed, raw delivery off: the pointer arrives as the notification's `Message`. */
async function topicTo(queue: { url: string; arn: string }) {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: queueName('orders-topic') }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn }));
  return TopicArn as string;
}

async function exists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** Polls the queue through the handler until it is empty or nothing more comes back within the tries. */
async function drainOnce(queueUrl: string, handler: Parameters<typeof pollOnce>[2]) {
  while ((await pollOnce(local.sqs, queueUrl, handler)) > 0) {
    // next batch
  }
}

describe('large payloads against SQS, SNS and S3 (fauxqs)', () => {
  it('the Lambda handler reads pointers as the Java extended client writes them: both class names, both size attributes, through SNS', async () => {
    const queue = await local.createQueue(queueName('orders'));
    const plainQueue = await local.createQueue(queueName('orders-sns'));
    await sendJava(queue.url, { body: order('current') });
    await sendJava(queue.url, { body: order('legacy'), legacyClass: true, legacyAttribute: true });
    await sendJava(queue.url, { body: order('mixed'), legacyClass: true });
    const topic = await topicTo(plainQueue);
    const viaSns = await javaPointer({ body: order('sns') });
    await sns.send(new PublishCommand({ TopicArn: topic, Message: viaSns.pointer }));

    const seen: string[] = [];
    const read = (record: { body: { orderId: string } }) => void seen.push(record.body.orderId);
    const handler = createBatchHandler(read, {
      schema: Order,
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });
    const snsHandler = createBatchHandler(read, {
      schema: Order,
      envelope: 'sns',
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });
    await drainOnce(queue.url, handler);
    await drainOnce(plainQueue.url, snsHandler);

    expect(seen.sort()).toEqual(['current', 'legacy', 'mixed', 'sns']);
    expect(await local.remaining(queue.url)).toBe(0);
    expect(await local.remaining(plainQueue.url)).toBe(0);
  });

  it('the container consumer reads the same pointers, and deletes what succeeded', async () => {
    const queue = await local.createQueue(queueName('consumer'));
    await sendJava(queue.url, { body: order('c-current') });
    await sendJava(queue.url, { body: order('c-legacy'), legacyClass: true, legacyAttribute: true });
    const seen: string[] = [];
    const consumer = createConsumer((record) => void seen.push(record.body.orderId), {
      queueUrl: queue.url,
      client: local.sqs,
      schema: Order,
      logger: false,
      waitTimeSeconds: 0,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });
    await runUntil(consumer, () => seen.length === 2);
    expect(seen.sort()).toEqual(['c-current', 'c-legacy']);
    expect(await local.remaining(queue.url)).toBe(0);
  });

  it('every case of the reading rules holds against real S3 answers', async () => {
    const queue = await local.createQueue(queueName('rules'));
    const ok = await sendJava(queue.url, { body: order('ok') });
    const fails = await sendJava(queue.url, { body: order('fails') });
    await sendJava(queue.url, { body: order('foreign'), bucket: 'elsewhere' });
    await sendJava(queue.url, { body: order('missing'), noObject: true });
    await sendJava(queue.url, { body: order('too-big', 5000) });
    await local.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"${BUCKET}"}]`,
      }),
    );
    await local.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '["not","a pointer"]' }));
    const brokenKey = await sendJava(queue.url, { body: order('s3-fails') });

    const fetched: string[] = [];
    const watched = {
      send(command: unknown, options?: unknown) {
        const input = (command as { input: { Bucket: string; Key: string } }).input;
        if (command instanceof GetObjectCommand) fetched.push(input.Bucket);
        if (command instanceof GetObjectCommand && input.Key === brokenKey) {
          return Promise.reject(
            Object.assign(new Error('boom'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }),
          );
        }
        return s3.send(command as never, options as never);
      },
    };
    const metrics = createMetricsRecorder();
    const processBatch = createBatchProcessor(
      (record) => {
        if (record.body === '["not","a pointer"]') return;
        if (JSON.parse(record.body).orderId === 'fails') throw new Error('not now');
      },
      {
        logger: false,
        metrics,
        largePayloads: { s3: watched, allowedBuckets: [BUCKET], deleteAfterSuccess: true, maxBytes: 2000 },
      },
    );
    const byOrder = new Map<string, RecordOutcome>();
    await pollOnce(local.sqs, queue.url, async (event) => {
      const { outcomes, response } = await processBatch(event);
      for (const [i, outcome] of outcomes.entries()) byOrder.set(event.Records[i]?.body as string, outcome);
      return response;
    });

    const status = (body: string) => byOrder.get(body)?.status;
    const statuses = [...byOrder.values()].map((o) => o.status);
    expect(statuses.filter((s) => s === 'succeeded')).toHaveLength(2); // ok, and the look-alike left alone
    expect(statuses.filter((s) => s === 'failed')).toHaveLength(2); // fails, s3-fails
    expect(statuses.filter((s) => s === 'invalid')).toHaveLength(4); // foreign, missing, too big, malformed
    expect(status('["not","a pointer"]')).toBe('succeeded');
    const s3Failure = [...byOrder.values()].find((o) => o.status === 'failed' && o.error instanceof LargePayloadError);
    expect(String((s3Failure as { error: Error }).error.message)).toMatch(/InternalError \(HTTP 500\)/);
    expect(String((s3Failure as { error: Error }).error.message)).not.toContain(brokenKey);
    expect(fetched).not.toContain('elsewhere');
    // deleteAfterSuccess: the succeeded record's object is gone, the failed one's is kept.
    expect(await exists(ok)).toBe(false);
    expect(await exists(fails)).toBe(true);
    expect(metrics.invocations[0]?.metrics.RecordsOffloaded).toBe(2);
  });

  it('idempotency: a redelivered record whose object its first run deleted is a duplicate', async () => {
    const queue = await local.createQueue(queueName('dupes'), { VisibilityTimeout: '0' });
    const key = await sendJava(queue.url, { body: order('once') });
    const store = new MemoryIdempotencyStore();
    let runs = 0;
    const processBatch = createBatchProcessor(() => void runs++, {
      logger: false,
      idempotency: { store },
      largePayloads: { s3, allowedBuckets: [BUCKET], deleteAfterSuccess: true },
    });
    // The first run succeeds and deletes the object, but the message is not deleted (as when Lambda's delete is lost).
    const { Messages = [] } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MessageAttributeNames: ['All'], AttributeNames: ['All'] }),
    );
    const record = { messageId: Messages[0]?.MessageId as string, body: Messages[0]?.Body as string } as never;
    expect((await processBatch({ Records: [record] })).outcomes[0]?.status).toBe('succeeded');
    expect(await exists(key)).toBe(false);

    const statuses: string[] = [];
    await pollOnce(local.sqs, queue.url, async (event) => {
      const { outcomes, response } = await processBatch(event);
      statuses.push(...outcomes.map((o) => o.status));
      return response;
    });
    expect(statuses).toEqual(['duplicate']);
    expect(runs).toBe(1);
  });

  it('dead-letters the pointer message unchanged, with its size attribute, so the payload stays reachable', async () => {
    const queue = await local.createQueue(queueName('poison'));
    const dlq = await local.createQueue(queueName('poison-dlq'));
    const key = await sendJava(queue.url, { body: order('poison') });
    const handler = createBatchHandler(
      () => {
        throw new PermanentError('unknown order');
      },
      {
        logger: false,
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: local.sqs, queueUrl: dlq.url },
        largePayloads: { s3, allowedBuckets: [BUCKET], deleteAfterSuccess: true },
      },
    );
    await pollOnce(local.sqs, queue.url, handler);
    const { Messages = [] } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlq.url, MessageAttributeNames: ['All'] }),
    );
    expect(Messages[0]?.Body).toBe(
      `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"${BUCKET}","s3Key":"${key}"}]`,
    );
    expect(Messages[0]?.MessageAttributes?.ExtendedPayloadSize?.StringValue).toBe(
      String(Buffer.byteLength(order('poison'))),
    );
    expect(await exists(key)).toBe(true);
  });

  it('round trip: sendMessages offloads a 2 MB body and not a 10 KB one; the handler reads both', async () => {
    const queue = await local.createQueue(queueName('round-trip'));
    const big = order('big', 2_000_000);
    const small = order('small', 10_000);

    const outcomes = await sendMessages(local.sqs, queue.url, [{ body: big }, { body: small }], {
      largePayloads: { s3, bucket: BUCKET },
    });

    expect(outcomes.map((o) => o.status === 'sent' && o.offloaded)).toEqual([true, false]);
    const { Messages = [] } = await local.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    const pointer = Messages.find((m) => m.Body?.startsWith('['));
    const key = /"s3Key":"([^"]+)"/.exec(pointer?.Body ?? '')?.[1] as string;
    expect(pointer?.Body).toBe(
      `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"${BUCKET}","s3Key":"${key}"}]`,
    );
    expect(pointer?.MessageAttributes?.ExtendedPayloadSize).toMatchObject({
      DataType: 'Number',
      StringValue: String(Buffer.byteLength(big)),
    });
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await stored.Body?.transformToString()).toBe(big);

    const sizes = new Map<string, number>();
    const handler = createBatchHandler((record) => void sizes.set(record.body.orderId, record.body.notes.length), {
      schema: Order,
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });
    await drainOnce(queue.url, handler);
    expect(Object.fromEntries(sizes)).toEqual({ big: 2_000_000, small: 10_000 });
  });
});
