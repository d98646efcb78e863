import type { Message } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONSUMER_DEFAULTS, ConsumerQueueError, createConsumer } from '../../src/consumer/index.js';
import { fatalError, retryDelayMs } from '../../src/consumer/queue.js';
import { readReceiveAnswer } from '../../src/consumer/records.js';
import { InvalidOptionsError } from '../../src/index.js';
import { awsError } from '../helpers/faultyClient.js';

const noop = () => {};
const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const client = { send: () => Promise.reject(new Error('not used')) };

describe('createConsumer option checks', () => {
  it.each<[string, unknown, string]>([
    ['no options', undefined, 'Expected options to be an object with at least a `queueUrl`, got `undefined`'],
    ['no queueUrl', {}, 'Expected `queueUrl` to be a queue URL, got `undefined` (undefined)'],
    ['an empty queueUrl', { queueUrl: '' }, 'Expected `queueUrl` to be a queue URL, got `""` (string)'],
    ['a client without send', { queueUrl, client: {} }, 'Expected `client` to be an SQSClient'],
    ['batchSize 11', { queueUrl, batchSize: 11 }, 'Expected `batchSize` to be an integer from 1 to 10, got `11`'],
    ['batchSize 0', { queueUrl, batchSize: 0 }, 'Expected `batchSize` to be an integer from 1 to 10, got `0`'],
    ['waitTimeSeconds 21', { queueUrl, waitTimeSeconds: 21 }, '`waitTimeSeconds` to be an integer from 0 to 20'],
    ['waitTimeSeconds 1.5', { queueUrl, waitTimeSeconds: 1.5 }, 'got `1.5` (number)'],
    [
      'visibilityTimeoutSeconds 0',
      { queueUrl, visibilityTimeoutSeconds: 0 },
      '`visibilityTimeoutSeconds` to be an integer from 1 to 43200',
    ],
    ['a string heartbeat', { queueUrl, heartbeat: 'yes' }, 'Expected `heartbeat` to be a boolean'],
    [
      'a negative shutdownTimeoutMs',
      { queueUrl, shutdownTimeoutMs: -1 },
      '`shutdownTimeoutMs` to be a finite number >= 0',
    ],
    ['sqsCallTimeoutMs 0', { queueUrl, sqsCallTimeoutMs: 0 }, '`sqsCallTimeoutMs` to be an integer from 1 to 300000'],
    ['sqsCallTimeoutMs Infinity', { queueUrl, sqsCallTimeoutMs: Infinity }, 'got `Infinity` (number)'],
    ['a typo of sqsCallTimeoutMs', { queueUrl, sqsCallTimeoutMS: 100 }, '(did you mean `sqsCallTimeoutMs`?)'],
    ['a signal that is not one', { queueUrl, signal: {} }, 'Expected `signal` to be an AbortSignal, got an object'],
    ['concurrency 0 (the handler rule)', { queueUrl, concurrency: 0 }, 'Expected `concurrency` to be an integer >= 1'],
    ['a bad shared option', { queueUrl, fifoFailure: 'stop' }, "Expected `fifoFailure` to be `'stop-batch'`"],
    [
      'timeoutMarginMs (Lambda only)',
      { queueUrl, timeoutMarginMs: 500 },
      '`timeoutMarginMs` is an option of createBatchHandler only: it keeps a Lambda invocation within its deadline, and a consumer has none: use `shutdownTimeoutMs`',
    ],
    [
      'throwOnFullBatchFailure (Lambda only)',
      { queueUrl, throwOnFullBatchFailure: false },
      '`throwOnFullBatchFailure` is an option of createBatchHandler only',
    ],
    ['a typo', { queueUrl, queueURL: queueUrl }, 'Unknown option `queueURL` (did you mean `queueUrl`?)'],
    ['a typo of a shared option', { queueUrl, shema: {} }, 'Unknown option `shema` (did you mean `schema`?)'],
    [
      'backoff.queueUrl',
      { queueUrl, backoff: { queueUrl } },
      '`backoff.queueUrl` is not an option of the consumer: it delays messages of its own queue',
    ],
    ['a backoff that is not an object', { queueUrl, backoff: 5 }, 'Expected `backoff` to be an object'],
    [
      'a deadLetter without queueUrl',
      { queueUrl, onPermanentFailure: 'dead-letter', deadLetter: {} },
      '`deadLetter.queueUrl`',
    ],
  ])('rejects %s', (_label, options, message) => {
    const create = () => createConsumer(noop, options as never);

    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(message);
  });

  it('rejects a processRecord that is not a function', () => {
    expect(() => createConsumer('nope' as never, { queueUrl })).toThrow(
      'Expected `processRecord` to be a function, got `"nope"` (string)',
    );
  });

  it('takes every shared option, fills the consumer client into backoff and deadLetter, and documents its defaults', () => {
    const consumer = createConsumer(noop, {
      queueUrl,
      client,
      concurrency: 50,
      batchSize: 5,
      backoff: { baseSeconds: 2 },
      onPermanentFailure: 'dead-letter',
      deadLetter: { queueUrl: `${queueUrl}-dlq` },
      logger: false,
      metrics: { namespace: 'Orders' },
    });

    expect(consumer.status()).toEqual({
      state: 'idle',
      inFlight: 0,
      running: 0,
      received: 0,
      succeeded: 0,
      failed: 0,
      released: 0,
      lastReceiveAt: undefined,
      error: undefined,
    });
    expect(Object.isFrozen(consumer)).toBe(true);
    expect(CONSUMER_DEFAULTS).toEqual({
      concurrency: 10,
      fifoFailure: 'stop-group',
      batchSize: 10,
      waitTimeSeconds: 20,
      heartbeat: true,
      shutdownTimeoutMs: 20_000,
      sqsCallTimeoutMs: 5000,
    });
  });

  it('resolves stop() and start() at once when stopped before it started', async () => {
    const consumer = createConsumer(noop, { queueUrl, client, logger: false });

    await consumer.stop();
    await consumer.start();

    expect(consumer.status().state).toBe('stopped');
  });

  it('stops at once for a signal that is already aborted', async () => {
    const consumer = createConsumer(noop, { queueUrl, client, logger: false, signal: AbortSignal.abort() });

    await consumer.start();

    expect(consumer.status().state).toBe('stopped');
  });
});

describe('records in the shape Lambda gives them', () => {
  const source = { arn: 'arn:aws:sqs:eu-west-1:123456789012:orders.fifo', region: 'eu-west-1' };

  it('maps a message with every attribute', () => {
    const message: Message = {
      MessageId: 'm-1',
      ReceiptHandle: 'rh-1',
      Body: '{"a":1}',
      MD5OfBody: 'md5-body',
      MD5OfMessageAttributes: 'md5-attrs',
      Attributes: {
        ApproximateReceiveCount: '3',
        SentTimestamp: '1700000000000',
        SenderId: 'AIDA',
        ApproximateFirstReceiveTimestamp: '1700000000500',
        MessageGroupId: 'g-1',
        MessageDeduplicationId: 'd-1',
        SequenceNumber: '1800',
        AWSTraceHeader: 'Root=1-abc',
      },
      MessageAttributes: {
        Kind: { DataType: 'String', StringValue: 'order' },
        Blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        Lists: { DataType: 'String', StringListValues: ['a'], BinaryListValues: [new Uint8Array([255])] },
      },
    };

    expect(readReceiveAnswer({ Messages: [message] }, source)).toEqual({
      records: [
        {
          messageId: 'm-1',
          receiptHandle: 'rh-1',
          body: '{"a":1}',
          attributes: {
            ApproximateReceiveCount: '3',
            SentTimestamp: '1700000000000',
            SenderId: 'AIDA',
            ApproximateFirstReceiveTimestamp: '1700000000500',
            MessageGroupId: 'g-1',
            MessageDeduplicationId: 'd-1',
            SequenceNumber: '1800',
            AWSTraceHeader: 'Root=1-abc',
          },
          messageAttributes: {
            Kind: { dataType: 'String', stringValue: 'order', stringListValues: [], binaryListValues: [] },
            Blob: { dataType: 'Binary', binaryValue: 'AQID', stringListValues: [], binaryListValues: [] },
            Lists: { dataType: 'String', stringListValues: ['a'], binaryListValues: ['/w=='] },
          },
          md5OfBody: 'md5-body',
          md5OfMessageAttributes: 'md5-attrs',
          eventSource: 'aws:sqs',
          eventSourceARN: source.arn,
          awsRegion: 'eu-west-1',
        },
      ],
      skipped: [],
    });
  });

  it('fills what a bare message lacks (a missing body stays missing), and skips a message without an id or receipt handle', () => {
    const read = readReceiveAnswer(
      { Messages: [{ MessageId: 'm-2', ReceiptHandle: 'rh-2' }, { ReceiptHandle: 'rh' }, { MessageId: 'm' }] },
      source,
    );
    expect(read.records).toHaveLength(1);
    expect(read.records[0]).toMatchObject({
      body: undefined,
      md5OfBody: '',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '',
        SenderId: '',
        ApproximateFirstReceiveTimestamp: '',
      },
      messageAttributes: {},
    });
    expect(read.skipped).toEqual([
      { index: 1, messageId: undefined, problem: 'it has no `MessageId`' },
      { index: 2, messageId: 'm', problem: 'it has no `ReceiptHandle`' },
    ]);
  });
});

describe('reading a receive answer', () => {
  const source = { arn: 'arn:aws:sqs:eu-west-1:123456789012:orders', region: 'eu-west-1' };
  const valid = { MessageId: 'm-1', ReceiptHandle: 'rh-1', Body: 'SECRET body' };

  it.each<[string, unknown, string]>([
    ['an array', [], 'the message is an array'],
    ['a string', 'SECRET body', 'the message is a string'],
    ['an empty MessageId', { ...valid, MessageId: '' }, 'it has no `MessageId`'],
    ['a numeric MD5OfBody', { ...valid, MD5OfBody: 5 }, '`MD5OfBody` is not a string'],
    [
      'a null MD5OfMessageAttributes',
      { ...valid, MD5OfMessageAttributes: null },
      '`MD5OfMessageAttributes` is not a string',
    ],
    ['Attributes that are a string', { ...valid, Attributes: 'x' }, '`Attributes` is not an object'],
    [
      'a numeric attribute',
      { ...valid, Attributes: { SentTimestamp: 1 } },
      '`Attributes.SentTimestamp` is not a string',
    ],
    [
      'MessageAttributes that are an array',
      { ...valid, MessageAttributes: [] },
      '`MessageAttributes` is not an object',
    ],
    [
      'a numeric DataType',
      { ...valid, MessageAttributes: { a: { DataType: 1 } } },
      '`MessageAttributes.a` is not an attribute',
    ],
    [
      'a string BinaryValue',
      { ...valid, MessageAttributes: { b: { DataType: 'Binary', BinaryValue: 'AQID' } } },
      '`MessageAttributes.b` is not an attribute',
    ],
    [
      'a list of numbers',
      { ...valid, MessageAttributes: { c: { DataType: 'String', StringListValues: [1] } } },
      '`MessageAttributes.c` is not an attribute',
    ],
    [
      'a binary list of strings',
      { ...valid, MessageAttributes: { d: { DataType: 'Binary', BinaryListValues: ['x'] } } },
      '`MessageAttributes.d` is not an attribute',
    ],
    [
      'a very long attribute name',
      { ...valid, MessageAttributes: { ['n'.repeat(100)]: null } },
      `\`MessageAttributes.${'n'.repeat(64)}…\` is not an attribute`,
    ],
  ])('skips a message that is %s, naming the field, never the body', (_label, message, problem) => {
    const read = readReceiveAnswer({ Messages: [message, valid] }, source);

    expect(read.records.map((record) => record.messageId)).toEqual(['m-1']);
    expect(read.skipped).toHaveLength(1);
    expect(read.skipped[0]?.problem).toBe(problem);
    expect(JSON.stringify(read.skipped)).not.toContain('SECRET');
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'SQS answered ReceiveMessage with null, not an object'],
    ['a string', 'Messages', 'SQS answered ReceiveMessage with a string, not an object'],
    ['Messages that are an object', { Messages: {} }, '`Messages` that is an object, not an array'],
    ['Messages that are null', { Messages: null }, '`Messages` that is null, not an array'],
  ])('refuses an answer that is %s', (_label, answer, message) => {
    expect(() => readReceiveAnswer(answer, source)).toThrow(message);
  });

  it('reads an answer without Messages as empty', () => {
    expect(readReceiveAnswer({}, source)).toEqual({ records: [], skipped: [] });
  });
});

describe('receive faults', () => {
  it('waits exponentially longer, with jitter, up to a cap', () => {
    expect(retryDelayMs(1, () => 0)).toBe(125);
    expect(retryDelayMs(1, () => 1)).toBe(250);
    expect(retryDelayMs(3, () => 0.5)).toBe(750);
    expect(retryDelayMs(20, () => 1)).toBe(10_000);
    expect(retryDelayMs(1000, () => 0)).toBe(5000);
  });

  it('tells fatal errors (missing queue, access denied, 403) from passing ones', () => {
    expect(fatalError(awsError('QueueDoesNotExist'), queueUrl)).toBeInstanceOf(ConsumerQueueError);
    expect(fatalError(awsError('AccessDenied'), queueUrl)?.message).toBe(
      `The consumer cannot use queue ${queueUrl}: AccessDenied: AccessDenied. Check that the queue exists in the client's region and that the consumer's role may call sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on it`,
    );
    expect(fatalError(awsError('Forbidden', 'no', 403), queueUrl)?.reason).toBe('Forbidden: no');
    expect(fatalError(awsError('ThrottlingException'), queueUrl)).toBeUndefined();
    expect(fatalError(new Error('socket hang up'), queueUrl)).toBeUndefined();
    expect(fatalError('weird', queueUrl)).toBeUndefined();
  });
});

describe('without @aws-sdk/client-sqs', () => {
  afterEach(() => {
    vi.doUnmock('@aws-sdk/client-sqs');
    vi.resetModules();
  });

  it('rejects start() with a message that says what to install', async () => {
    vi.resetModules();
    vi.doMock('@aws-sdk/client-sqs', () => {
      throw new Error("Cannot find package '@aws-sdk/client-sqs'");
    });
    const { createConsumer: create } = await import('../../src/consumer/index.js');
    const consumer = create(noop, { queueUrl, logger: false });

    await expect(consumer.start()).rejects.toThrow(/the consumer need @aws-sdk\/client-sqs/);
    expect(consumer.status().state).toBe('stopped');
  });
});
