import { describe, expect, it, vi } from 'vitest';
import { createBatchProcessor, PermanentError } from '../../src/index.js';
import { changeVisibility, deleteMessages, sendToQueue } from '../../src/sqs.js';
import { failedIds, sqsEvent, sqsRecord } from '../helpers/events.js';

/** A stand-in SQSClient whose batch calls all answer `reply(entry ids)`. */
function stubClient(reply: (ids: string[]) => unknown) {
  return {
    send: async (command: { input: { Entries?: Array<{ Id: string }> } }) =>
      reply((command.input.Entries ?? []).map((entry) => entry.Id)),
  };
}

const letters = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ record: sqsRecord(`body-${i}`), errorName: 'E', errorMessage: 'm' }));
const handles = (count: number) => Array.from({ length: count }, (_, i) => ({ receiptHandle: `rh-${i}`, seconds: 30 }));

describe('sendToQueue counts an entry as sent only when SQS lists it in Successful', () => {
  it.each<[string, (ids: string[]) => unknown]>([
    ['both lists empty', () => ({ Successful: [], Failed: [] })],
    ['an empty reply', () => ({})],
    ['no reply at all', () => undefined],
    ['a reply that is not an object', () => 'OK'],
    ['Successful that is not a list', () => ({ Successful: { Id: '0' } })],
    ['entries of another call', () => ({ Successful: [{ Id: '7' }, { Id: 'x' }, { Id: '00' }, { Id: '+0' }] })],
    ['a malformed item beside a good one', () => ({ Successful: [{ Id: '0' }, { Id: '1' }, null] })],
    ['an Id that is not a string', () => ({ Successful: [{ Id: '0' }, { Id: 1 }] })],
    ['Failed that is not a list', () => ({ Successful: [{ Id: '0' }, { Id: '1' }], Failed: 'none' })],
    [
      'an item whose Id getter throws',
      () => ({
        Successful: [
          { Id: '0' },
          {
            get Id(): never {
              throw new Error('getter');
            },
          },
        ],
      }),
    ],
  ])('%s: every entry stays a failure, with a reason', async (_label, reply) => {
    const entries = letters(2);

    const failed = await sendToQueue(stubClient(reply), 'https://sqs/dlq', entries);

    expect([...failed.keys()]).toEqual(entries.map((e) => e.record.messageId));
    for (const reason of failed.values()) expect(reason).toMatch(/^SQS (did not confirm|answered SendMessageBatch)/);
  });

  it('mixes confirmed, refused and missing entries of one reply, and ignores duplicates', async () => {
    const entries = letters(4);
    const client = stubClient(() => ({
      Successful: [{ Id: '0' }, { Id: '2' }, { Id: '0' }],
      Failed: [{ Id: '2', Code: 'Throttled', Message: 'slow down' }, { Id: '1' }, { Id: '2', Code: 'Again' }],
    }));

    const failed = await sendToQueue(client, 'https://sqs/dlq', entries);

    expect(Object.fromEntries(failed)).toEqual({
      [entries[1]?.record.messageId as string]: 'Failed: no message',
      [entries[2]?.record.messageId as string]: 'Throttled: slow down', // listed in both: not counted as sent
      [entries[3]?.record.messageId as string]: expect.stringContaining('neither in Successful nor in Failed'),
    });
  });

  it('a dead-letter send answered with empty lists leaves the record failed, not dead-lettered', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const event = sqsEvent(['a']);
    const processBatch = createBatchProcessor(
      () => {
        throw new PermanentError('never');
      },
      {
        logger,
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: stubClient(() => ({ Successful: [], Failed: [] })), queueUrl: 'https://sqs/dlq' },
      },
    );

    const { outcomes, response } = await processBatch(event);

    expect(outcomes[0]?.status).toBe('failed');
    expect(failedIds(response)).toEqual([event.Records[0]?.messageId]);
  });
});

describe('changeVisibility counts an entry as changed only when SQS lists it in Successful', () => {
  it.each<[string, (ids: string[]) => unknown]>([
    ['both lists empty', () => ({ Successful: [], Failed: [] })],
    ['an empty reply', () => ({})],
    ['no reply at all', () => null],
    ['entries of another call', () => ({ Successful: [{ Id: '12' }] })],
  ])('%s: every entry is reported as not changed', async (_label, reply) => {
    const failed = await changeVisibility(stubClient(reply), 'https://sqs/q', handles(3));

    expect(failed.map((f) => f.receiptHandle)).toEqual(['rh-0', 'rh-1', 'rh-2']);
    for (const { error } of failed)
      expect(error).toMatch(/^SQS (did not confirm|answered ChangeMessageVisibilityBatch)/);
  });

  it('reports refused and missing entries of each chunk, and nothing for confirmed ones', async () => {
    const client = stubClient((ids) => ({
      Successful: ids.filter((id) => id !== '1' && id !== '2').map((Id) => ({ Id })),
      Failed: [{ Id: '1', Code: 'ReceiptHandleIsInvalid', Message: 'stale', SenderFault: true }],
    }));

    const failed = await changeVisibility(client, 'https://sqs/q', handles(12));

    expect(failed).toEqual([
      { receiptHandle: 'rh-1', error: 'ReceiptHandleIsInvalid: stale', senderFault: true },
      {
        receiptHandle: 'rh-2',
        error: expect.stringContaining('neither in Successful nor in Failed'),
        senderFault: false,
      },
      { receiptHandle: 'rh-11', error: 'ReceiptHandleIsInvalid: stale', senderFault: true },
    ]);
  });
});

describe('deleteMessages counts an entry as deleted only when SQS lists it in Successful', () => {
  it('reports refused entries with whether SQS blamed the sender, and unconfirmed ones as passing', async () => {
    const client = stubClient((ids) => ({
      Successful: ids.filter((id) => id !== '3' && id !== '4').map((Id) => ({ Id })),
      Failed: [
        { Id: '3', Code: 'ReceiptHandleIsInvalid', Message: 'stale', SenderFault: true },
        { Id: '4', Code: 'InternalError', Message: 'later', SenderFault: false },
      ],
    }));
    const receiptHandles = Array.from({ length: 15 }, (_, i) => `rh-${i}`);

    const failed = await deleteMessages(client, 'https://sqs/q', receiptHandles);

    expect(failed).toEqual([
      { receiptHandle: 'rh-3', error: 'ReceiptHandleIsInvalid: stale', senderFault: true },
      { receiptHandle: 'rh-4', error: 'InternalError: later', senderFault: false },
      { receiptHandle: 'rh-13', error: 'ReceiptHandleIsInvalid: stale', senderFault: true },
      { receiptHandle: 'rh-14', error: 'InternalError: later', senderFault: false },
    ]);
    expect(
      (
        await deleteMessages(
          stubClient(() => ({})),
          'https://sqs/q',
          ['rh-0'],
        )
      )[0],
    ).toMatchObject({
      receiptHandle: 'rh-0',
      senderFault: false,
    });
  });
});

describe('an Id confirms only the entry it names exactly (issue #18, item 7)', () => {
  /** Ids that name entry 0 or 1 only by a loose reading: leading zeros, signs, spaces, exponents. */
  const lookalikes = ['00', '01', '+0', ' 0', '0 ', '0.0', '1e0', '0x0', '-0'];

  it.each(lookalikes)('SendMessageBatch: Successful [{ Id: %j }] sends nothing', async (id) => {
    const entries = letters(2);
    const failed = await sendToQueue(
      stubClient(() => ({ Successful: [{ Id: id }] })),
      'https://sqs/dlq',
      entries,
    );
    expect([...failed.keys()]).toEqual(entries.map((e) => e.record.messageId));
  });

  it.each(lookalikes)(
    'ChangeMessageVisibilityBatch and DeleteMessageBatch: Successful [{ Id: %j }] confirms nothing',
    async (id) => {
      const client = stubClient(() => ({ Successful: [{ Id: id }] }));
      expect((await changeVisibility(client, 'https://sqs/q', handles(2))).map((f) => f.receiptHandle)).toEqual([
        'rh-0',
        'rh-1',
      ]);
      expect((await deleteMessages(client, 'https://sqs/q', ['rh-0', 'rh-1'])).map((f) => f.receiptHandle)).toEqual([
        'rh-0',
        'rh-1',
      ]);
    },
  );

  it('a permanent failure confirmed under "00" is not dead-lettered: it stays failed, and is reported', async () => {
    const event = sqsEvent(['a']);
    const processBatch = createBatchProcessor(
      () => {
        throw new PermanentError('never');
      },
      {
        logger: false,
        onPermanentFailure: 'dead-letter',
        deadLetter: {
          client: stubClient(() => ({ Successful: [{ Id: '00' }], Failed: [] })),
          queueUrl: 'https://sqs/dlq',
        },
      },
    );

    const { outcomes, response } = await processBatch(event);

    expect(outcomes[0]?.status).toBe('failed');
    expect(failedIds(response)).toEqual([event.Records[0]?.messageId]);
  });
});
