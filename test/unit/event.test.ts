import { describe, expect, it, vi } from 'vitest';
import { createBatchHandler, InvalidEventError } from '../../src/index.js';
import { sqsEvent, sqsRecord } from '../helpers/events.js';

describe('malformed events', () => {
  const processRecord = vi.fn();
  const handler = createBatchHandler(processRecord);

  it.each<[string, unknown, RegExp]>([
    ['undefined', undefined, /Expected an SQS event object with a `Records` array, got `undefined`/],
    ['a string', 'hello', /got `"hello"` \(string\)/],
    [
      'an event without Records',
      { detail: {} },
      /`Records` array, got `undefined` \(undefined\)\. Is the function attached to an SQS event source mapping\?/,
    ],
    ['Records that is not an array', { Records: {} }, /`Records` array, got an object/],
    ['a null record', { Records: [null] }, /`Records\[0\]` to be an SQS record object, got `null`/],
    [
      'a record without messageId',
      { Records: [sqsRecord('a'), { body: 'x' }] },
      /`Records\[1\]\.messageId` to be a non-empty string, got `undefined`/,
    ],
    ['an empty messageId', { Records: [{ ...sqsRecord('a'), messageId: '' }] }, /`Records\[0\]\.messageId`/],
    ['a numeric messageId', { Records: [{ ...sqsRecord('a'), messageId: 7 }] }, /got `7` \(number\)/],
  ])('throws InvalidEventError for %s, before processing anything', async (_label, event, message) => {
    const error = await handler(event as never).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).code).toBe('INVALID_EVENT');
    expect((error as InvalidEventError).name).toBe('InvalidEventError');
    expect((error as Error).message).toMatch(message);
    expect(processRecord).not.toHaveBeenCalled();
  });

  it('gives receiveCount from ApproximateReceiveCount, and 1 when it is missing', async () => {
    const counts: number[] = [];
    const countingHandler = createBatchHandler((record) => void counts.push(record.receiveCount));
    const event = sqsEvent(['a', 'b']);
    (event.Records[0] as { attributes: { ApproximateReceiveCount: string } }).attributes.ApproximateReceiveCount = '4';
    (event.Records[1] as unknown as { attributes: Record<string, unknown> }).attributes = {};

    await countingHandler(event);

    expect(counts).toEqual([4, 1]);
  });

  it('passes the raw record, messageId and no group id on a standard queue', async () => {
    const event = sqsEvent(['a']);
    const seen: unknown[] = [];
    const inspecting = createBatchHandler((record) => void seen.push(record));

    await inspecting(event);

    expect(seen).toEqual([
      {
        body: 'a',
        messageId: event.Records[0]?.messageId,
        receiveCount: 1,
        messageGroupId: undefined,
        raw: event.Records[0],
      },
    ]);
  });
});
