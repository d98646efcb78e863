import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/index.js';
import { createFakeSqsClient } from '../../src/testing/index.js';

// The fake SQS client answers as SQS does, edges included: a user's test relies on an answer the
// real service would give. Beside fakeSqs.test.ts.

describe('createFakeSqsClient options', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a region with capitals', { region: 'EU-West-1' }, 'Expected `region` to be an AWS region name'],
    ['an account of 11 digits', { accountId: '12345678901' }, 'Expected `accountId` to be 12 digits'],
    [
      'a visibility past 12 hours',
      { visibilityTimeoutSeconds: 50_000 },
      'Expected `visibilityTimeoutSeconds` to be an integer from 0 to 43200',
    ],
    ['a clock without now()', { clock: {} }, 'Expected `clock` to have a `now()` method'],
  ])('refuses %s', (_title, options, message) => {
    expect(() => createFakeSqsClient(options as never)).toThrow(InvalidOptionsError);
    expect(() => createFakeSqsClient(options as never)).toThrow(message);
  });
});

describe('the fake SQS client, command by command', () => {
  let now = 1_000_000;
  const fresh = () => {
    now = 1_000_000;
    return createFakeSqsClient({ clock: { now: () => now }, region: 'us-east-2', accountId: '111122223333' });
  };

  it('answers GetQueueUrl and GetQueueAttributes (ARN, counts, FIFO)', async () => {
    const sqs = fresh();
    const { QueueUrl } = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs.fifo' }))) as { QueueUrl: string };
    expect(QueueUrl).toBe('https://sqs.us-east-2.amazonaws.com/111122223333/jobs.fifo');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a', MessageGroupId: 'g' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'b', MessageGroupId: 'g', DelaySeconds: 60 }));
    const { Attributes } = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl }))) as {
      Attributes: Record<string, string>;
    };
    expect(Attributes).toEqual({
      QueueArn: 'arn:aws:sqs:us-east-2:111122223333:jobs.fifo',
      VisibilityTimeout: '30',
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      FifoQueue: 'true',
    });
  });

  it('refuses a command it does not know, and a request without a required parameter', async () => {
    const sqs = fresh();
    await expect(sqs.send(new ListQueuesCommand({}))).rejects.toMatchObject({
      name: 'UnsupportedOperation',
      $fault: 'client',
    });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: '', MessageBody: 'x' }))).rejects.toMatchObject({
      name: 'MissingParameter',
      message: 'The request must contain the parameter QueueUrl.',
    });
    await expect(sqs.send({ input: null })).rejects.toMatchObject({ name: 'UnsupportedOperation' });
  });

  it('refuses MaxNumberOfMessages outside 1 to 10, and answers an empty queue with no Messages', async () => {
    const sqs = fresh();
    const QueueUrl = sqs.queueUrl('q');
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).toEqual({});
  });

  it('ends a long poll when a message arrives, and rejects it when the caller aborts', async () => {
    const sqs = fresh();
    const QueueUrl = sqs.queueUrl('q');
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 })) as Promise<{
      Messages?: Array<{ Body: string }>;
    }>;
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' }));
    expect((await waiting).Messages?.map((m) => m.Body)).toEqual(['late']);

    const controller = new AbortController();
    const aborted = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }), {
      abortSignal: controller.signal,
    });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('answers DeleteMessage and ChangeMessageVisibility as SQS does for stale or bad handles', async () => {
    const sqs = fresh();
    const QueueUrl = sqs.queueUrl('q');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'm' }));
    const { Messages } = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 5 }))) as {
      Messages: Array<{ ReceiptHandle: string }>;
    };
    const handle = Messages[0]?.ReceiptHandle as string;
    await expect(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 50_000 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', $fault: 'client' });
    now += 6000; // the visibility ran out
    await expect(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 10 })),
    ).rejects.toMatchObject({ name: 'MessageNotInflight' });
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'nope' }))).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
    });
    expect(await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: handle }))).toEqual({});
    await expect(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 10 })),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
  });

  it('fails single commands and batch entries with the code it was given', async () => {
    const sqs = fresh();
    const QueueUrl = sqs.queueUrl('q');
    sqs.fail('SendMessage', { mode: 'fail-entries', code: 'KmsThrottled' });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }))).rejects.toMatchObject({
      name: 'KmsThrottled',
    });
    sqs.fail('DeleteMessage', { mode: 'fail-entries' });
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'h' }))).rejects.toMatchObject({
      name: 'InternalError',
      $fault: 'server',
    });
    sqs.fail('DeleteMessageBatch', { mode: 'fail-entries', entries: 1, code: 'ServiceUnavailable' });
    const reply = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', ReceiptHandle: 'h1' },
          { Id: 'b', ReceiptHandle: 'h2' },
        ],
      }),
    );
    expect(reply).toEqual({
      Successful: [],
      Failed: [
        { Id: 'a', Code: 'ServiceUnavailable', Message: 'The entry failed: ServiceUnavailable', SenderFault: false },
        {
          Id: 'b',
          Code: 'ReceiptHandleIsInvalid',
          Message: 'The entry failed: ReceiptHandleIsInvalid',
          SenderFault: true,
        },
      ],
    });
  });

  it('refuses an unknown failure mode and a non-positive count', () => {
    const sqs = fresh();
    expect(() => sqs.fail('SendMessage', { mode: 'explode' } as never)).toThrow(
      "Expected a failure `mode` of 'throw', 'hang' or 'fail-entries'",
    );
    expect(() => sqs.fail('SendMessage', { mode: 'throw' }, 0)).toThrow('Expected `times` to be an integer >= 1');
  });
});
