import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBatchHandler, MemoryIdempotencyStore } from '../../src/index.js';
import { type LocalSqs, startLocalSqs } from '../helpers/fauxqs.js';
import { pollOnce } from '../helpers/poller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('end to end against an SQS API (fauxqs)', () => {
  let local: LocalSqs;
  let sqs: SQSClient;

  beforeAll(async () => {
    local = await startLocalSqs();
    sqs = local.sqs;
  });
  afterAll(async () => {
    await local.stop();
  });

  async function queueWithDlq(name: string, maxReceiveCount: number, fifo = false) {
    const suffix = fifo ? '.fifo' : '';
    const fifoAttributes = fifo ? { FifoQueue: 'true' } : {};
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: `${name}-dlq${suffix}`, Attributes: fifoAttributes }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const main = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}${suffix}`,
        Attributes: {
          ...fifoAttributes,
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount }),
        },
      }),
    );
    return { queueUrl: main.QueueUrl as string, dlqUrl: dlq.QueueUrl as string };
  }

  async function drain(queueUrl: string, handler: Parameters<typeof pollOnce>[2], limitMs = 20_000): Promise<void> {
    const until = Date.now() + limitMs;
    while ((await local.remaining(queueUrl)) > 0) {
      if (Date.now() > until) throw new Error('the queue did not drain in time');
      if ((await pollOnce(sqs, queueUrl, handler)) === 0) await sleep(100);
    }
  }

  it('deletes what succeeded, redelivers failures, charges each order once and dead-letters poison', async () => {
    const { queueUrl, dlqUrl } = await queueWithDlq('orders', 3);
    const orders = Array.from({ length: 24 }, (_, i) => ({
      orderId: `o-${i}`,
      kind: i % 8 === 0 ? 'poison' : i % 8 === 1 ? 'transient' : 'ok',
    }));
    // every order sent once, and the first four sent twice (a producer retry)
    const bodies = [...orders, ...orders.slice(0, 4)].map((o) => JSON.stringify(o));
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody })),
        }),
      );
    }
    const charges = new Map<string, number>();
    const receiveCounts = new Map<string, number>();
    const handler = createBatchHandler(
      (record) => {
        const { orderId, kind } = record.body;
        receiveCounts.set(orderId, Math.max(receiveCounts.get(orderId) ?? 0, record.receiveCount));
        if (kind === 'poison') throw new Error('never works');
        if (kind === 'transient' && record.receiveCount === 1) throw new Error('try again');
        charges.set(orderId, (charges.get(orderId) ?? 0) + 1);
      },
      {
        schema: z.object({ orderId: z.string(), kind: z.enum(['ok', 'poison', 'transient']) }),
        throwOnFullBatchFailure: false,
        idempotency: { store: new MemoryIdempotencyStore(), key: (record) => record.body.orderId },
      },
    );

    await drain(queueUrl, handler);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    const dead = Messages.map((m) => JSON.parse(m.Body as string).orderId as string).sort();

    const good = orders.filter((o) => o.kind !== 'poison').map((o) => o.orderId);
    const poison = orders.filter((o) => o.kind === 'poison').map((o) => o.orderId);
    expect([...charges.keys()].sort()).toEqual([...good].sort());
    expect([...charges.values()].every((n) => n === 1)).toBe(true);
    expect(dead).toEqual([...poison, 'o-0'].sort()); // o-0 is poison and was sent twice
    expect(receiveCounts.get('o-1')).toBe(2); // transient: succeeded on its second delivery
    expect(receiveCounts.get('o-8')).toBe(3); // poison: delivered maxReceiveCount times, then moved
  }, 30_000);

  it('FIFO: keeps each group in order across a failure and its redelivery', async () => {
    const { queueUrl } = await queueWithDlq('ledger', 5, true);
    const entries = Array.from({ length: 12 }, (_, n) => ({ group: `account-${n % 2}`, n }));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: entries.slice(0, 10).map((e, i) => ({
          Id: String(i),
          MessageBody: JSON.stringify(e),
          MessageGroupId: e.group,
          MessageDeduplicationId: `d-${e.n}`,
        })),
      }),
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: entries.slice(10).map((e, i) => ({
          Id: String(i),
          MessageBody: JSON.stringify(e),
          MessageGroupId: e.group,
          MessageDeduplicationId: `d-${e.n}`,
        })),
      }),
    );
    const applied = new Map<string, number[]>();
    let failedOnce = false;
    const handler = createBatchHandler(
      (record) => {
        const { group, n } = record.body;
        if (n === 4 && !failedOnce) {
          failedOnce = true;
          throw new Error('downstream busy');
        }
        applied.set(group, [...(applied.get(group) ?? []), n]);
      },
      { schema: z.object({ group: z.string(), n: z.number() }), fifoFailure: 'stop-group', concurrency: 2 },
    );

    await drain(queueUrl, handler);

    expect(failedOnce).toBe(true);
    expect(applied.get('account-0')).toEqual([0, 2, 4, 6, 8, 10]);
    expect(applied.get('account-1')).toEqual([1, 3, 5, 7, 9, 11]);
  }, 30_000);
});
