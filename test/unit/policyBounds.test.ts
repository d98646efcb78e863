/**
 * Every SQS call of the failure policy has a bound, and a call that hangs
 * costs only itself: a hung `SendMessageBatch` request does not undo the
 * requests SQS confirmed, and a hung `GetQueueUrl` is not cached for the
 * life of the process.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBatchProcessor, PermanentError } from '../../src/index.js';
import { queueUrlOf, sendToQueue } from '../../src/sqs.js';
import { lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.js';
import { never } from '../helpers/hostile.js';

afterEach(() => void vi.useRealTimers());
// In production the SDK is loaded already: the client handed to the handler is an SQSClient. Here it is a stub.
beforeAll(() => import('@aws-sdk/client-sqs'), 20_000);

const KIB = 1024;
const ok = (input: { Entries?: Array<{ Id: string }> }) => ({
  Successful: (input.Entries ?? []).map(({ Id }) => ({ Id })),
});

describe('a dead-letter request that hangs costs only its own records', () => {
  it('sendToQueue gives up the hung request after timeoutMs and keeps the confirmed one', async () => {
    let calls = 0;
    const client = {
      send: (command: { input: { Entries?: Array<{ Id: string; MessageBody: string }> } }) =>
        command.input.Entries?.[0]?.MessageBody.startsWith('a')
          ? never()
          : Promise.resolve(ok(command.input)).finally(() => calls++),
    };
    const [hung, sent] = [sqsRecord('a'.repeat(600 * KIB)), sqsRecord('b'.repeat(600 * KIB))];

    const failed = await sendToQueue(
      client,
      'https://sqs/dlq',
      [hung, sent].map((record) => ({ record, errorName: 'E', errorMessage: 'm' })),
      { timeoutMs: 50 },
    );

    expect(Object.fromEntries(failed)).toEqual({
      [hung.messageId]: 'Error: SendMessageBatch did not answer within 50 ms',
    });
  });

  it('the handler dead-letters the confirmed record and answers before its deadline', async () => {
    const client = {
      send: (command: { input: { Entries?: Array<{ Id: string; MessageBody: string }> } }) =>
        command.input.Entries?.[0]?.MessageBody.startsWith('a') ? never() : Promise.resolve(ok(command.input)),
    };
    const processBatch = createBatchProcessor(
      () => {
        throw new PermanentError('never');
      },
      {
        logger: false,
        timeoutMarginMs: 100,
        onPermanentFailure: 'dead-letter',
        deadLetter: { client, queueUrl: 'https://sqs/dlq' },
      },
    );
    const event = sqsEvent(['a'.repeat(600 * KIB), 'b'.repeat(600 * KIB)]);
    const context = lambdaContext({ remainingMs: 400 });

    const { outcomes } = await processBatch(event, context);

    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'dead-lettered']);
  });
});

describe('GetQueueUrl is bounded, and a lookup that hangs is not kept', () => {
  it('gives up after 5 s, then asks again on the next call', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const client = {
      send: () => {
        calls++;
        return calls === 1 ? never() : Promise.resolve({ QueueUrl: 'https://sqs/orders' });
      },
    };
    const arn = 'arn:aws:sqs:eu-west-1:123456789012:orders';

    const first = queueUrlOf(client, arn);
    const outcome = first.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await vi.advanceTimersByTimeAsync(5000);

    expect(await outcome).toBe(`GetQueueUrl did not answer within 5000 ms for ${arn}`);
    expect(await queueUrlOf(client, arn)).toBe('https://sqs/orders');
    expect(await queueUrlOf(client, arn)).toBe('https://sqs/orders');
    expect(calls).toBe(2);
  });

  it.each([[{ QueueUrl: 42 }], [null], [{ QueueUrl: '' }]])(
    'an answer without a URL (%j) is a failure, not cached',
    async (reply) => {
      let calls = 0;
      const client = { send: () => Promise.resolve(calls++ === 0 ? reply : { QueueUrl: 'https://sqs/q' }) };
      const arn = 'arn:aws:sqs:eu-west-1:123456789012:q';

      await expect(queueUrlOf(client, arn)).rejects.toThrow(`GetQueueUrl returned no URL for ${arn}`);
      expect(await queueUrlOf(client, arn)).toBe('https://sqs/q');
    },
  );
});
