import { describe, expect, it } from 'vitest';
import '../../src/largePayloads/index.js';
import { sendMessages } from '../../src/sqsEntry.js';
import { fakeS3 } from '../helpers/fakeS3.js';

// sendMessages against replies at the edges: a call that keeps throwing, a confirmation without a
// MessageId, a reply that cannot be read, and a message whose attributes leave no room for a pointer.

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

/** A client whose SendMessageBatch answers `reply(input, call)`. */
function answering(reply: (input: { Entries: Array<{ Id: string }> }, call: number) => unknown) {
  let call = 0;
  return {
    send: async (command: { input: { Entries: Array<{ Id: string }> } }) => reply(command.input, ++call),
  };
}

describe('sendMessages at the edges', () => {
  it('fails every message of a call that throws on the last attempt, with the error', async () => {
    const client = answering(() => {
      throw new Error('ECONNRESET');
    });
    const outcomes = await sendMessages(client, QUEUE, [{ body: 'a' }, { body: 'b' }], {
      attempts: 2,
      retryDelayMs: 1,
    });
    expect(outcomes).toEqual([
      { status: 'failed', index: 0, error: 'Error: ECONNRESET' },
      { status: 'failed', index: 1, error: 'Error: ECONNRESET' },
    ]);
  });

  it('does not count an entry confirmed without a MessageId as sent', async () => {
    const client = answering(({ Entries }) => ({ Successful: Entries.map(({ Id }) => ({ Id })), Failed: [] }));
    const outcomes = await sendMessages(client, QUEUE, [{ body: 'a' }]);
    expect(outcomes).toEqual([{ status: 'failed', index: 0, error: 'SQS confirmed the entry without a MessageId' }]);
  });

  it('retries entries of a reply whose Successful cannot be read', async () => {
    const client = answering(({ Entries }, call) =>
      call === 1
        ? Object.defineProperty({ Failed: [] }, 'Successful', {
            get() {
              throw new Error('proxy');
            },
          })
        : { Successful: Entries.map(({ Id }) => ({ Id, MessageId: `mid-${Id}` })), Failed: [] },
    );
    const outcomes = await sendMessages(client, QUEUE, [{ body: 'a' }], { retryDelayMs: 1 });
    expect(outcomes.map((o) => o.status)).toEqual(['sent']);
  });

  it('refuses to offload a body whose message already uses all 10 attributes', async () => {
    const messageAttributes = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
    );
    const s3 = fakeS3({});
    const client = answering(() => {
      throw new Error('not sent');
    });
    const outcomes = await sendMessages(client, QUEUE, [{ body: 'x', messageAttributes }], {
      largePayloads: { s3, bucket: 'payloads', alwaysThroughS3: true },
    });
    expect(outcomes).toEqual([
      {
        status: 'failed',
        index: 0,
        error: 'Not sent: the body must go to S3, and the pointer needs one of the 10 message attributes',
      },
    ]);
    expect(s3.calls).toEqual([]);
  });
});
