import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { describeFailure, queueUrlOf, sendToQueue } from '../../src/sqs.js';
import { sqsRecord } from '../helpers/events.js';

// How a record becomes a dead letter when its parts are odd: no body, no source ARN, a full set of
// attributes, attributes that cannot be read; and how a failure is described. Beside failurePolicy.test.ts.

function client(reply?: (input: Record<string, unknown>) => unknown) {
  const calls: Array<Record<string, unknown>> = [];
  return {
    calls,
    send: async (command: { input: Record<string, unknown> }) => {
      calls.push(command.input);
      if (reply !== undefined) return reply(command.input);
      const entries = (command.input.Entries ?? []) as Array<{ Id: string }>;
      return { Successful: entries.map(({ Id }) => ({ Id })), Failed: [] };
    },
  };
}

const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq';
const entryOf = (sqs: ReturnType<typeof client>, i = 0) =>
  ((sqs.calls[0]?.Entries ?? []) as Array<Record<string, unknown>>)[i] as {
    MessageAttributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }>;
  };

describe('dead letters from odd records', () => {
  it('does not send a record without a body, and says why', async () => {
    const sqs = client();
    const record = { ...sqsRecord('x'), body: '' };
    const failed = await sendToQueue(sqs, DLQ, [{ record, errorName: 'E', errorMessage: 'm' }]);
    expect(failed.get(record.messageId)).toBe('Not sent: SQS carries only a body that is a non-empty string');
    expect(sqs.calls).toEqual([]);
  });

  it('names the source queue unknown without an ARN, and fills an empty error name and message', async () => {
    const sqs = client();
    const record = { ...sqsRecord('x'), eventSourceARN: '' };
    await sendToQueue(sqs, DLQ, [{ record, errorName: '', errorMessage: '' }]);
    expect(entryOf(sqs).MessageAttributes).toMatchObject({
      SourceQueueArn: { StringValue: 'unknown' },
      ErrorName: { StringValue: 'Error' },
      ErrorMessage: { StringValue: '(no message)' },
    });
  });

  it("keeps at most SQS's 10 attributes, ours first, never overwriting ours, and skips malformed ones", async () => {
    const sqs = client();
    const own: Record<string, unknown> = {
      ErrorName: { dataType: 'String', stringValue: 'spoofed' },
      noType: { stringValue: 'x' },
      empty: null,
      bin: { dataType: 'Binary', binaryValue: Buffer.from('hi').toString('base64') },
    };
    for (let i = 0; i < 10; i++) own[`a${i}`] = { dataType: 'String', stringValue: `v${i}` };
    const record = { ...sqsRecord('x'), messageAttributes: own } as unknown as SQSRecord;
    await sendToQueue(sqs, DLQ, [{ record, errorName: 'UnknownSku', errorMessage: 'm' }]);
    const attributes = entryOf(sqs).MessageAttributes;
    expect(Object.keys(attributes)).toHaveLength(10);
    expect(attributes.ErrorName?.StringValue).toBe('UnknownSku');
    expect(attributes.noType).toBeUndefined();
    expect(Buffer.from(attributes.bin?.BinaryValue ?? []).toString()).toBe('hi');
  });

  it('sends the record when its attributes cannot be read, without them', async () => {
    const sqs = client();
    const record = sqsRecord('x');
    Object.defineProperty(record, 'messageAttributes', {
      get() {
        throw new Error('proxy');
      },
    });
    const failed = await sendToQueue(sqs, DLQ, [{ record, errorName: 'E', errorMessage: 'm' }]);
    expect(failed.size).toBe(0);
    expect(Object.keys(entryOf(sqs).MessageAttributes)).toEqual([
      'ErrorName',
      'ErrorMessage',
      'OriginalMessageId',
      'SourceQueueArn',
    ]);
  });
});

describe('describeFailure', () => {
  it('names an error, shortens a long one, and describes what cannot be described', () => {
    expect(describeFailure(new TypeError('bad'))).toBe('TypeError: bad');
    expect(describeFailure('x'.repeat(400))).toBe(`${'x'.repeat(300)}…`);
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(describeFailure(hostile)).toBe('The call failed with a value that cannot be described');
  });
});

describe('queueUrlOf', () => {
  it('refuses an answer that is not an object, and does not keep the failure', async () => {
    const arn = 'arn:aws:sqs:eu-west-1:123456789012:q';
    const answers: unknown[] = [null, { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q' }];
    const sqs = client(() => answers.shift());
    await expect(queueUrlOf(sqs, arn)).rejects.toThrow(`GetQueueUrl returned no URL for ${arn}`);
    await expect(queueUrlOf(sqs, arn)).resolves.toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/q');
  });
});
