import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  backoffDelaySeconds,
  createBatchHandler,
  createBatchProcessor,
  InvalidOptionsError,
  PermanentError,
  SqsPartialBatchError,
} from '../../src/index.js';
import { changeVisibility, sendToQueue } from '../../src/sqs.js';
import { failedIds, lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.js';

/** What SQS answers a batch call whose every entry succeeded. */
const allSuccessful = (input: Record<string, unknown>) => ({
  Successful: ((input.Entries ?? []) as Array<{ Id: string }>).map(({ Id }) => ({ Id })),
  Failed: [],
});

/** A stand-in SQSClient that records each command's input and answers with `reply` (by default, all entries done). */
function fakeClient(reply: (input: Record<string, unknown>, name: string) => unknown = allSuccessful) {
  const calls: Array<{ name: string; input: Record<string, unknown> }> = [];
  return {
    calls,
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push({ name: command.constructor.name, input: command.input });
      return reply(command.input, command.constructor.name);
    },
  };
}

describe('backoffDelaySeconds', () => {
  const none = { baseSeconds: 5, maxSeconds: 900, jitter: 'none' } as const;

  it('doubles from baseSeconds with each delivery and stops at maxSeconds', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 10].map((n) => backoffDelaySeconds(n, none))).toEqual([
      5, 10, 20, 40, 80, 640, 900, 900,
    ]);
    expect(backoffDelaySeconds(10_000, none)).toBe(900);
  });

  it('never exceeds the 12 hours SQS allows, and treats bad receive counts as the first delivery', () => {
    expect(backoffDelaySeconds(60, { baseSeconds: 60, maxSeconds: 1e9, jitter: 'none' })).toBe(43_200);
    expect(backoffDelaySeconds(0, none)).toBe(5);
    expect(backoffDelaySeconds(Number.NaN, none)).toBe(5);
    expect(backoffDelaySeconds(2, { baseSeconds: 2.7, maxSeconds: 900, jitter: 'none' })).toBe(5);
  });

  it('with full jitter draws a whole number of seconds from 0 to the exponential delay', () => {
    const full = { ...none, jitter: 'full' } as const;
    expect(backoffDelaySeconds(3, full, () => 0)).toBe(0);
    expect(backoffDelaySeconds(3, full, () => 0.999_999)).toBe(20);
    expect(backoffDelaySeconds(20, full, () => 0.999_999)).toBe(900);
    for (let i = 0; i < 200; i++) {
      const seconds = backoffDelaySeconds(4, full);
      expect(Number.isInteger(seconds) && seconds >= 0 && seconds <= 40).toBe(true);
    }
  });
});

describe('failure policy options', () => {
  const client = fakeClient();
  it.each<[string, unknown, string]>([
    ['a backoff without client', { backoff: {} }, 'Expected `backoff.client` to be an SQSClient'],
    [
      'a negative base',
      { backoff: { client, baseSeconds: -1 } },
      'Expected `backoff.baseSeconds` to be a finite number >= 0',
    ],
    ['a bad jitter', { backoff: { client, jitter: 'half' } }, "Expected `backoff.jitter` to be `'full'` or `'none'`"],
    ['an empty queue URL', { backoff: { client, queueUrl: '' } }, 'Expected `backoff.queueUrl` to be a queue URL'],
    ['an unknown backoff key', { backoff: { client, base: 1 } }, 'Unknown option `backoff.base`'],
    [
      'a bad action',
      { onPermanentFailure: 'ignore' },
      "Expected `onPermanentFailure` to be `'retry'`, `'dead-letter'` or `'drop'`",
    ],
    ['dead-letter without a queue', { onPermanentFailure: 'dead-letter' }, 'needs `deadLetter: { client, queueUrl }`'],
    [
      'a queue without dead-letter',
      { deadLetter: { client, queueUrl: 'q' } },
      "`deadLetter` is used only with `onPermanentFailure: 'dead-letter'`",
    ],
    [
      'a dead-letter queue without URL',
      { onPermanentFailure: 'dead-letter', deadLetter: { client } },
      'Expected `deadLetter.queueUrl`',
    ],
  ])('rejects %s', (_label, options, message) => {
    expect(() => createBatchHandler(() => {}, options as never)).toThrow(InvalidOptionsError);
    expect(() => createBatchHandler(() => {}, options as never)).toThrow(message);
  });
});

describe('permanent failures', () => {
  class UnknownSku extends PermanentError {}

  it('PermanentError is a typed error, and subclasses count', () => {
    const error = new UnknownSku('sku-9 does not exist');
    expect(error).toBeInstanceOf(SqsPartialBatchError);
    expect(error.code).toBe('PERMANENT_FAILURE');
    expect(new PermanentError('x').name).toBe('PermanentError');
  });

  it("'retry' (the default) reports them like any failure", async () => {
    const event = sqsEvent(['ok', 'never']);
    const handler = createBatchHandler((record) => {
      if (record.body === 'never') throw new PermanentError('never works');
    });

    expect(failedIds(await handler(event))).toEqual([event.Records[1]?.messageId]);
  });

  it("'drop' lets SQS delete permanent failures and invalid bodies, logging each whole record; other failures stay", async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const event = sqsEvent(['{"sku":"ok"}', '{"sku":"gone"}', 'not json', '{"sku":"flaky"}']);
    const processBatch = createBatchProcessor(
      (record) => {
        if (record.body.sku === 'gone') throw new UnknownSku('gone');
        if (record.body.sku === 'flaky') throw new Error('try later');
      },
      {
        logger,
        onPermanentFailure: 'drop',
        schema: {
          '~standard': { version: 1, vendor: 't', validate: (v: unknown) => ({ value: v as { sku: string } }) },
        },
      },
    );

    const { response, outcomes } = await processBatch(event);

    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'dropped', 'dropped', 'failed']);
    expect(failedIds(response)).toEqual([event.Records[3]?.messageId]);
    expect(logger.error).toHaveBeenCalledWith(
      'Dropped a record that can never succeed; the record follows, its only trace',
      { messageId: event.Records[1]?.messageId, error: expect.any(UnknownSku), record: event.Records[1] },
    );
    // Each dropped record is logged once: its only trace, and the one line that carries a body.
    const lines = logger.error.mock.calls.filter((call) => call[1]?.messageId === event.Records[1]?.messageId);
    expect(lines).toHaveLength(1);
  });

  it('does not count a batch whose every record was dropped as a full batch failure', async () => {
    const handler = createBatchHandler(
      () => {
        throw new PermanentError('no');
      },
      { onPermanentFailure: 'drop' },
    );

    expect(await handler(sqsEvent(['a', 'b']))).toEqual({ batchItemFailures: [] });
  });
});

describe('SQS calls in chunks of 10', () => {
  it('changes visibility 10 entries per call and reports per-entry failures', async () => {
    const client = fakeClient((input) => ({
      Successful: (input.Entries as Array<{ Id: string }>).filter((e) => e.Id !== '3').map((e) => ({ Id: e.Id })),
      Failed: (input.Entries as Array<{ Id: string }>)
        .filter((e) => e.Id === '3')
        .map((e) => ({ Id: e.Id, Code: 'ReceiptHandleIsInvalid', Message: 'bad' })),
    }));
    const entries = Array.from({ length: 25 }, (_, i) => ({ receiptHandle: `rh-${i}`, seconds: i }));

    const failed = await changeVisibility(client, 'https://sqs/q', entries);

    expect(client.calls.map((c) => (c.input.Entries as unknown[]).length)).toEqual([10, 10, 5]);
    expect(client.calls[0]?.name).toBe('ChangeMessageVisibilityBatchCommand');
    expect(client.calls[2]?.input.Entries).toContainEqual({ Id: '4', ReceiptHandle: 'rh-24', VisibilityTimeout: 24 });
    expect(failed.map((f) => f.receiptHandle)).toEqual(['rh-3', 'rh-13', 'rh-23']);
  });

  it('sends dead letters with their error, origin and own attributes; FIFO ones keep their group', async () => {
    const client = fakeClient();
    const standard = sqsRecord('{"a":1}', {
      messageAttributes: { tenant: { dataType: 'String', stringValue: 't-1' } } as SQSRecord['messageAttributes'],
    });
    const fifo = sqsEvent(['x'], { fifo: true, groupId: 'g-7' }).Records[0] as SQSRecord;

    const failed = await sendToQueue(client, 'https://sqs/dlq', [
      { record: standard, errorName: 'UnknownSku', errorMessage: 'sku-9' },
      { record: fifo, errorName: 'RecordValidationError', errorMessage: 'bad' },
    ]);

    const [first, second] = (client.calls[0]?.input.Entries ?? []) as Array<Record<string, unknown>>;
    expect(failed.size).toBe(0);
    expect(first).toMatchObject({
      MessageBody: '{"a":1}',
      MessageAttributes: {
        ErrorName: { DataType: 'String', StringValue: 'UnknownSku' },
        ErrorMessage: { DataType: 'String', StringValue: 'sku-9' },
        OriginalMessageId: { DataType: 'String', StringValue: standard.messageId },
        SourceQueueArn: { DataType: 'String', StringValue: standard.eventSourceARN },
        tenant: { DataType: 'String', StringValue: 't-1' },
      },
    });
    expect(first?.MessageGroupId).toBeUndefined();
    expect(second).toMatchObject({ MessageGroupId: 'g-7', MessageDeduplicationId: fifo.messageId });
  });

  it('marks every entry of a chunk whose call failed as not sent', async () => {
    const client = fakeClient(() => {
      throw new Error('AccessDenied');
    });

    const failed = await sendToQueue(client, 'https://sqs/dlq', [
      { record: sqsRecord('a'), errorName: 'E', errorMessage: 'm' },
    ]);

    expect([...failed.values()]).toEqual(['Error: AccessDenied']);
  });
});

describe('failure policy calls that fail are logged, and never cost the response', () => {
  const logger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

  it('backoff: resolves the queue URL once per ARN, warns about entries SQS refused', async () => {
    const client = fakeClient((input, name) =>
      name === 'GetQueueUrlCommand'
        ? { QueueUrl: `https://sqs/${String(input.QueueOwnerAWSAccountId)}/${String(input.QueueName)}` }
        : { Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', Message: 'stale' }] },
    );
    const log = logger();
    const handler = createBatchHandler(
      () => {
        throw new Error('down');
      },
      { logger: log, throwOnFullBatchFailure: false, backoff: { client, jitter: 'none' } },
    );
    const event = sqsEvent(['a', 'b']);

    const first = await handler(event);
    await handler(sqsEvent(['c']));

    expect(failedIds(first)).toEqual(event.Records.map((r) => r.messageId));
    expect(client.calls.filter((c) => c.name === 'GetQueueUrlCommand')).toHaveLength(1);
    expect(client.calls[0]?.input).toEqual({ QueueName: 'orders', QueueOwnerAWSAccountId: '123456789012' });
    expect(client.calls[1]?.input).toMatchObject({ QueueUrl: 'https://sqs/123456789012/orders' });
    expect(log.warn).toHaveBeenCalledWith(
      'Could not delay some failed records; they come back after the visibility timeout',
      expect.objectContaining({ failed: [expect.objectContaining({ error: 'ReceiptHandleIsInvalid: stale' })] }),
    );
  });

  it('backoff: a failing or hanging SQS call is logged and the response is returned as usual', async () => {
    const log = logger();
    const broken = fakeClient(() => {
      throw new Error('AccessDenied');
    });
    const hanging = { send: () => new Promise(() => {}) };
    const event = sqsEvent(['a']);
    const make = (client: { send: (...args: never[]) => Promise<unknown> }) =>
      createBatchHandler(
        () => {
          throw new Error('down');
        },
        { logger: log, throwOnFullBatchFailure: false, backoff: { client, queueUrl: 'https://sqs/q' } },
      );

    expect(failedIds(await make(broken)(event))).toEqual([event.Records[0]?.messageId]);
    expect(log.error).toHaveBeenCalledWith(
      'Could not delay failed records; they come back after the visibility timeout',
      expect.objectContaining({ error: expect.objectContaining({ message: 'AccessDenied' }) }),
    );
    const started = Date.now();
    expect(failedIds(await make(hanging)(event, lambdaContext({ remainingMs: 1400 })))).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('dead-letter: a refused entry stays a failure and is logged', async () => {
    const log = logger();
    const client = fakeClient(() => ({ Failed: [{ Id: '0', Code: 'InvalidParameterValue', Message: 'too big' }] }));
    const event = sqsEvent(['a']);
    const handler = createBatchHandler(
      () => {
        throw new PermanentError('never');
      },
      {
        logger: log,
        throwOnFullBatchFailure: false,
        onPermanentFailure: 'dead-letter',
        deadLetter: { client, queueUrl: 'https://sqs/dlq' },
      },
    );

    expect(failedIds(await handler(event))).toEqual([event.Records[0]?.messageId]);
    expect(log.error).toHaveBeenCalledWith(
      'Could not send a record to the dead-letter queue; it stays a failure and comes back',
      { messageId: event.Records[0]?.messageId, error: 'InvalidParameterValue: too big' },
    );
  });

  it('queueUrlOf rejects what is not an SQS ARN, and a lookup without a URL', async () => {
    const { queueUrlOf } = await import('../../src/sqs.js');
    const empty = fakeClient(() => ({}));

    await expect(queueUrlOf(empty, 'arn:aws:sns:eu-west-1:1:topic')).rejects.toThrow('Not an SQS queue ARN');
    await expect(queueUrlOf(empty, 'arn:aws:sqs:eu-west-1:123456789012:q')).rejects.toThrow('returned no URL');
  });

  it('dead letters keep binary attributes', async () => {
    const client = fakeClient();
    const record = sqsRecord('x', {
      messageAttributes: {
        blob: { dataType: 'Binary', binaryValue: Buffer.from('hi').toString('base64') },
      } as SQSRecord['messageAttributes'],
    });

    await sendToQueue(client, 'https://sqs/dlq', [{ record, errorName: '', errorMessage: '' }]);

    const [entry] = (client.calls[0]?.input.Entries ?? []) as Array<{ MessageAttributes: Record<string, unknown> }>;
    expect(entry?.MessageAttributes.blob).toEqual({ DataType: 'Binary', BinaryValue: Buffer.from('hi') });
    expect(entry?.MessageAttributes.ErrorName).toEqual({ DataType: 'String', StringValue: 'Error' });
  });
});
