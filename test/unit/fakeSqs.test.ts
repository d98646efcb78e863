import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createConsumer } from '../../src/consumer/index.js';
import { createBatchHandler, InvalidOptionsError, PermanentError } from '../../src/index.js';
import { createFakeSqsClient, lambdaContext, sqsEvent } from '../../src/testing/index.js';

describe('createFakeSqsClient', () => {
  it('answers SendMessageBatch per entry, keeps what was sent per queue and records the call', async () => {
    const sqs = createFakeSqsClient();
    const url = sqs.queueUrl('orders');

    const reply = (await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'one', MessageAttributes: { K: { DataType: 'String', StringValue: 'v' } } },
          { Id: 'b', MessageBody: 'two' },
        ],
      }),
    )) as { Successful: Array<{ Id: string; MessageId: string; MD5OfMessageBody: string }> };

    expect(reply.Successful.map((e) => e.Id)).toEqual(['a', 'b']);
    expect(reply.Successful[0]?.MD5OfMessageBody).toBe('f97c5d29941bfb1b2fdab0874906ab82'); // md5('one')
    expect(sqs.sent('orders').map((m) => [m.body, m.messageId])).toEqual([
      ['one', reply.Successful[0]?.MessageId],
      ['two', reply.Successful[1]?.MessageId],
    ]);
    expect(sqs.sent(url)[0]?.messageAttributes).toEqual({ K: { DataType: 'String', StringValue: 'v' } });
    expect(sqs.calls.map((c) => c.name)).toEqual(['SendMessageBatch']);
    expect(sqs.callsOf('SendMessageBatchCommand')).toHaveLength(1);
  });

  it.each([
    ['no entries', [], 'EmptyBatchRequest'],
    [
      '11 entries',
      Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })),
      'TooManyEntriesInBatchRequest',
    ],
    [
      'repeated ids',
      [
        { Id: 'a', MessageBody: 'x' },
        { Id: 'a', MessageBody: 'y' },
      ],
      'BatchEntryIdsNotDistinct',
    ],
    ['an id with a dot', [{ Id: 'a.b', MessageBody: 'x' }], 'InvalidBatchEntryId'],
  ])('refuses a batch with %s, as SQS does', async (_label, Entries, code) => {
    const sqs = createFakeSqsClient();
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: sqs.queueUrl('q'), Entries }))).rejects.toMatchObject(
      { name: code, $fault: 'client' },
    );
    expect(sqs.sent('q')).toEqual([]);
  });

  it('receives, hides for the visibility timeout, counts receives, deletes by the latest receipt handle', async () => {
    let now = 1_000_000;
    const sqs = createFakeSqsClient({ clock: { now: () => now }, visibilityTimeoutSeconds: 30 });
    const url = sqs.queueUrl('orders');
    sqs.enqueue('orders', 'hello');

    const first = (await sqs.send({ constructor: { name: 'ReceiveMessageCommand' }, input: { QueueUrl: url } })) as {
      Messages: Array<{ ReceiptHandle: string; Attributes: Record<string, string> }>;
    };
    expect(first.Messages[0]?.Attributes.ApproximateReceiveCount).toBe('1');
    expect(await sqs.send({ constructor: { name: 'ReceiveMessageCommand' }, input: { QueueUrl: url } })).toEqual({});
    now += 30_000;
    const second = (await sqs.send({ constructor: { name: 'ReceiveMessageCommand' }, input: { QueueUrl: url } })) as {
      Messages: Array<{ ReceiptHandle: string; Attributes: Record<string, string> }>;
    };
    expect(second.Messages[0]?.Attributes.ApproximateReceiveCount).toBe('2');

    const stale = (await sqs.send({
      constructor: { name: 'DeleteMessageBatchCommand' },
      input: { QueueUrl: url, Entries: [{ Id: '0', ReceiptHandle: first.Messages[0]?.ReceiptHandle }] },
    })) as { Failed?: Array<{ Code: string }> };
    expect(stale.Failed?.[0]?.Code).toBe('ReceiptHandleIsInvalid');
    expect(sqs.messages('orders')).toHaveLength(1);

    await sqs.send({
      constructor: { name: 'DeleteMessageBatchCommand' },
      input: { QueueUrl: url, Entries: [{ Id: '0', ReceiptHandle: second.Messages[0]?.ReceiptHandle }] },
    });
    expect(sqs.messages('orders')).toEqual([]);
    expect(sqs.sent('orders')).toHaveLength(1);
  });

  it('fails a command as told, a number of times: throw, fail some entries, hang until aborted', async () => {
    const sqs = createFakeSqsClient();
    const url = sqs.queueUrl('q');
    const batch = () =>
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: '1' },
          { Id: 'b', MessageBody: '2' },
        ],
      });
    sqs
      .fail('SendMessageBatch', { mode: 'throw' }, 2)
      .fail('SendMessageBatch', { mode: 'fail-entries', entries: 1, code: 'KmsThrottled' });

    await expect(sqs.send(batch())).rejects.toMatchObject({ name: 'InternalError', $fault: 'server' });
    await expect(sqs.send(batch())).rejects.toMatchObject({ name: 'InternalError' });
    expect(await sqs.send(batch())).toMatchObject({
      Successful: [{ Id: 'b' }],
      Failed: [{ Id: 'a', Code: 'KmsThrottled', SenderFault: false }],
    });
    expect(await sqs.send(batch())).toMatchObject({ Successful: [{ Id: 'a' }, { Id: 'b' }] });

    sqs.fail('SendMessage', { mode: 'hang' });
    const controller = new AbortController();
    const hung = sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }), {
      abortSignal: controller.signal,
    });
    controller.abort();
    await expect(hung).rejects.toMatchObject({ name: 'AbortError' });
    expect(sqs.calls).toHaveLength(5);
  });

  it('refuses bad options and failures with InvalidOptionsError', () => {
    expect(() => createFakeSqsClient({ region: 'EU WEST' })).toThrow(InvalidOptionsError);
    expect(() => createFakeSqsClient({ acountId: '1' } as never)).toThrow('did you mean `accountId`?');
    expect(() => createFakeSqsClient().fail('SendMessage', { mode: 'explode' } as never)).toThrow(InvalidOptionsError);
    expect(() => createFakeSqsClient().fail('SendMessage', { mode: 'throw' }, 0)).toThrow(InvalidOptionsError);
  });

  it('works as the dead-letter client of a handler, and the library bounds a hung send', async () => {
    const sqs = createFakeSqsClient();
    const handler = createBatchHandler(
      async (record) => {
        if (record.body === 'poison') throw new PermanentError('unknown order');
      },
      { onPermanentFailure: 'dead-letter', deadLetter: { client: sqs, queueUrl: sqs.queueUrl('dlq') }, logger: false },
    );

    expect(await handler(sqsEvent(['ok', 'poison']), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(sqs.sent('dlq').map((m) => m.body)).toEqual(['poison']);

    sqs.fail('SendMessageBatch', { mode: 'hang' });
    const event = sqsEvent(['ok', 'poison']);
    const response = await handler(event, lambdaContext({ remainingMs: 3_000 }));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.messageId }]);
  });

  it('works as the consumer client: receives, runs, deletes', async () => {
    const sqs = createFakeSqsClient({ visibilityTimeoutSeconds: 30 });
    for (let i = 0; i < 5; i++) sqs.enqueue('orders', `m-${i}`);
    const seen: string[] = [];
    const consumer = createConsumer(
      async (record) => {
        seen.push(record.body);
      },
      { client: sqs, queueUrl: sqs.queueUrl('orders'), waitTimeSeconds: 1, logger: false },
    );

    const running = consumer.start();
    const until = Date.now() + 5_000;
    while (sqs.messages('orders').length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await consumer.stop();
    await running;

    expect(seen.sort()).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);
    expect(sqs.messages('orders')).toEqual([]);
    expect(sqs.callsOf('DeleteMessageBatch').length).toBeGreaterThan(0);
  });
});
