import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchHandler, PermanentError } from '../../src/index.js';
import { type LocalSqs, startLocalSqs } from '../helpers/fauxqs.js';
import { pollOnce } from '../helpers/poller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('failure policy against an SQS API (fauxqs)', () => {
  let local: LocalSqs;
  beforeAll(async () => {
    local = await startLocalSqs();
  });
  afterAll(async () => {
    await local.stop();
  });

  /** Receives until something arrives; returns the bodies and how long it took. */
  async function nextDelivery(url: string, limitMs: number): Promise<{ bodies: string[]; afterMs: number }> {
    const started = Date.now();
    while (Date.now() - started < limitMs) {
      const { Messages = [] } = await local.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length > 0) return { bodies: Messages.map((m) => m.Body as string), afterMs: Date.now() - started };
      await sleep(100);
    }
    return { bodies: [], afterMs: Date.now() - started };
  }

  it('backoff: a failed record comes back after the computed delay, not after the visibility timeout, and not before', async () => {
    const { url } = await local.createQueue('backoff', { VisibilityTimeout: '30' });
    await local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'flaky' }));
    await local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'fine' }));
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'flaky') throw new Error('downstream is down');
      },
      { backoff: { client: local.sqs, baseSeconds: 2, jitter: 'none' } }, // queue URL resolved from the ARN
    );

    await pollOnce(local.sqs, url, handler);
    const early = await nextDelivery(url, 1500);
    const later = await nextDelivery(url, 5000);

    expect(early.bodies).toEqual([]); // not before 2 s
    expect(later.bodies).toEqual(['flaky']); // but long before the 30 s visibility timeout
    expect(later.afterMs).toBeLessThan(2000);
  });

  it('dead-letter: permanent failures arrive in the target queue with their error, and leave the source queue', async () => {
    const source = await local.createQueue('orders-in', { VisibilityTimeout: '1' });
    const target = await local.createQueue('orders-parked');
    await local.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source.url,
        Entries: [
          { Id: '0', MessageBody: '{"sku":"ok"}' },
          {
            Id: '1',
            MessageBody: '{"sku":"gone"}',
            MessageAttributes: { tenant: { DataType: 'String', StringValue: 'acme' } },
          },
          { Id: '2', MessageBody: 'not json' },
        ],
      }),
    );
    const handler = createBatchHandler(
      (record) => {
        if (record.body.sku === 'gone') throw new PermanentError('sku gone was discontinued');
      },
      {
        schema: {
          '~standard': { version: 1, vendor: 't', validate: (v: unknown) => ({ value: v as { sku: string } }) },
        },
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: local.sqs, queueUrl: target.url },
      },
    );

    await pollOnce(local.sqs, source.url, handler);
    const { Messages = [] } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: target.url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    const parked = Object.fromEntries(
      Messages.map((m) => [
        m.Body,
        Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])),
      ]),
    );

    expect(Object.keys(parked).sort()).toEqual(['not json', '{"sku":"gone"}']);
    expect(parked['{"sku":"gone"}']).toMatchObject({
      ErrorName: 'PermanentError',
      ErrorMessage: 'sku gone was discontinued',
      SourceQueueArn: source.arn,
      tenant: 'acme',
    });
    expect(parked['not json']?.ErrorName).toBe('RecordValidationError');
    expect(parked['not json']?.OriginalMessageId).toMatch(/\S/);
    await sleep(1200);
    expect(await local.remaining(source.url)).toBe(0);
  });

  it('dead-letter: a failing send leaves the record failed, so nothing is lost', async () => {
    const source = await local.createQueue('orders-in-2', { VisibilityTimeout: '1' });
    await local.sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: 'bad' }));
    const handler = createBatchHandler(
      () => {
        throw new PermanentError('never');
      },
      {
        throwOnFullBatchFailure: false,
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: local.sqs, queueUrl: `${source.url}-missing` },
      },
    );

    await pollOnce(local.sqs, source.url, handler);
    const back = await nextDelivery(source.url, 3000);

    expect(back.bodies).toEqual(['bad']);
  });

  it('FIFO: delaying a failed record holds back its whole message group', async () => {
    const { url } = await local.createQueue('ledger-backoff.fifo', { FifoQueue: 'true', VisibilityTimeout: '1' });
    await local.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: ['a1', 'a2', 'b1'].map((body, i) => ({
          Id: String(i),
          MessageBody: body,
          MessageGroupId: body[0],
          MessageDeduplicationId: body,
        })),
      }),
    );
    const seen: Array<{ body: string; at: number }> = [];
    const started = Date.now();
    let failedOnce = false;
    const handler = createBatchHandler(
      (record) => {
        seen.push({ body: record.body, at: Date.now() - started });
        if (record.body === 'a1' && !failedOnce) {
          failedOnce = true;
          throw new Error('busy');
        }
      },
      {
        fifoFailure: 'stop-group',
        throwOnFullBatchFailure: false,
        backoff: { client: local.sqs, baseSeconds: 3, jitter: 'none' },
      },
    );

    const until = Date.now() + 10_000;
    while ((await local.remaining(url)) > 0 && Date.now() < until) {
      if ((await pollOnce(local.sqs, url, handler)) === 0) await sleep(100);
    }

    const a2 = seen.find((s) => s.body === 'a2');
    const retried = seen.filter((s) => s.body === 'a1')[1];
    expect(seen.map((s) => s.body)).toEqual(['a1', 'b1', 'a1', 'a2']); // b's group went on; a2 waited for a1
    expect(retried?.at).toBeGreaterThanOrEqual(2900); // a1 came back after its 3 s delay, not the 1 s timeout
    expect(a2?.at).toBeGreaterThanOrEqual(retried?.at ?? 0);
  });
});
