import { describe, expect, it } from 'vitest';
import { createBatchProcessor, PermanentError } from '../../src/index.js';
import { sqsEvent, sqsRecord } from '../helpers/events.js';

// The failure policy with inputs at its edges: a dead-letter queue named by ARN, an error that cannot
// be read, records without a receipt handle. Beside failurePolicy.test.ts.

/** A client that answers GetQueueUrl and every batch call, and records what it was sent. */
function client() {
  const calls: Array<{ name: string; input: Record<string, unknown> }> = [];
  return {
    calls,
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push({ name: command.constructor.name, input: command.input });
      if (command.constructor.name === 'GetQueueUrlCommand') {
        return { QueueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${command.input.QueueName}` };
      }
      const entries = (command.input.Entries ?? []) as Array<{ Id: string }>;
      return { Successful: entries.map(({ Id }) => ({ Id })), Failed: [] };
    },
  };
}

const attributesOf = (entry: unknown) =>
  (entry as { MessageAttributes: Record<string, { StringValue?: string }> }).MessageAttributes;

describe('dead-lettering', () => {
  it('looks up the URL of a dead-letter queue given by ARN once, and sends there', async () => {
    const sqs = client();
    const processBatch = createBatchProcessor(
      () => {
        throw new PermanentError('unknown sku');
      },
      {
        logger: false,
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: sqs, queueUrl: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq' },
      },
    );
    const first = await processBatch(sqsEvent(['a', 'b']));
    await processBatch(sqsEvent(['c']));
    expect(first.outcomes.map((o) => o.status)).toEqual(['dead-lettered', 'dead-lettered']);
    expect(sqs.calls.map((c) => c.name)).toEqual([
      'GetQueueUrlCommand',
      'SendMessageBatchCommand',
      'SendMessageBatchCommand',
    ]);
    expect(sqs.calls[0]?.input).toMatchObject({ QueueName: 'orders-dlq', QueueOwnerAWSAccountId: '123456789012' });
    expect(sqs.calls[1]?.input.QueueUrl).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq');
  });

  it('dead-letters a record whose error message cannot be read, saying so in its attributes', async () => {
    const sqs = client();
    const unreadable = new PermanentError('x');
    Object.defineProperty(unreadable, 'message', {
      get() {
        throw new Error('no');
      },
    });
    const thrown: unknown[] = [unreadable];
    const processBatch = createBatchProcessor(
      () => {
        throw thrown.shift();
      },
      {
        logger: false,
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: sqs, queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq' },
      },
    );
    const { outcomes } = await processBatch(sqsEvent(['a']));
    expect(outcomes[0]?.status).toBe('dead-lettered');
    const [entry] = (sqs.calls[0]?.input.Entries ?? []) as unknown[];
    expect(attributesOf(entry)).toMatchObject({
      ErrorName: { StringValue: 'PermanentError' },
      ErrorMessage: { StringValue: '(the error could not be described)' },
    });
  });
});

describe('backoff', () => {
  it('sets no visibility for a failed record without a receipt handle, and delays the others', async () => {
    const sqs = client();
    const processBatch = createBatchProcessor(
      () => {
        throw new Error('downstream');
      },
      { logger: false, backoff: { client: sqs, baseSeconds: 5, jitter: 'none' } },
    );
    const withHandle = sqsRecord('a');
    const without = { ...sqsRecord('b'), receiptHandle: undefined } as unknown as typeof withHandle;
    const { outcomes } = await processBatch({ Records: [withHandle, without] });
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    const entries = sqs.calls.flatMap((c) => (c.input.Entries ?? []) as Array<{ ReceiptHandle: string }>);
    expect(entries.map((e) => e.ReceiptHandle)).toEqual([withHandle.receiptHandle]);
  });
});
