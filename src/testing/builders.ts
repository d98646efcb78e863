import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const STANDARD_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders`;
const FIFO_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders.fifo`;

let receipts = 0;

/**
 * Builds one SQS record shaped like the ones Lambda delivers: a fresh
 * messageId and receipt handle, `md5OfBody`, the usual attributes and a
 * standard-queue ARN. Object bodies are JSON-encoded; strings are kept as is.
 *
 * @param body - The body: a string, or any value to JSON-encode.
 * @param overrides - Fields to replace (`attributes` replaces them all).
 * @returns An `SQSRecord`.
 * @example
 * ```ts
 * import { sqsRecord } from 'sqs-partial-batch/testing';
 *
 * const record = sqsRecord({ orderId: 'o-1' }, { messageId: 'm-1' });
 * ```
 */
export function sqsRecord(body: unknown, overrides: Partial<SQSRecord> = {}): SQSRecord {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const now = String(Date.now());
  receipts++;
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${Buffer.from(`${randomUUID()}#${receipts}`).toString('base64')}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(text).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: STANDARD_ARN,
    awsRegion: REGION,
    ...overrides,
  };
}

/**
 * Options of {@link sqsEvent}.
 *
 * @example
 * ```ts
 * import { sqsEvent, type SqsEventOptions } from 'sqs-partial-batch/testing';
 *
 * const options: SqsEventOptions = { fifo: true, groupId: (i) => `customer-${i % 3}` };
 * const event = sqsEvent(['a', 'b', 'c'], options);
 * ```
 */
export interface SqsEventOptions {
  /** Build a FIFO event (default: true when `queueArn` ends in `.fifo`). */
  readonly fifo?: boolean;
  /** The queue ARN of every record. */
  readonly queueArn?: string;
  /** FIFO message group of every record, or a function of its position. @default 'group-1' */
  readonly groupId?: string | ((index: number) => string);
}

/**
 * Builds an SQS event from records or bodies. FIFO events give each record a
 * `MessageGroupId`, a `SequenceNumber` and a `MessageDeduplicationId`, unless
 * the record already has them.
 *
 * @param items - `SQSRecord`s, bodies, or both.
 * @param options - See {@link SqsEventOptions}.
 * @returns An `SQSEvent`.
 * @example
 * ```ts
 * import { sqsEvent } from 'sqs-partial-batch/testing';
 *
 * const event = sqsEvent([{ orderId: 'o-1' }, 'not json'], { fifo: true, groupId: 'customer-7' });
 * ```
 */
export function sqsEvent(items: readonly unknown[], options: SqsEventOptions = {}): SQSEvent {
  const fifo = options.fifo ?? options.queueArn?.endsWith('.fifo') ?? false;
  const arn = options.queueArn ?? (fifo ? FIFO_ARN : STANDARD_ARN);
  const Records = items.map((item, index): SQSRecord => {
    const record = isRecord(item) ? { ...item, eventSourceARN: arn } : sqsRecord(item, { eventSourceARN: arn });
    if (!fifo) return record;
    const group = typeof options.groupId === 'function' ? options.groupId(index) : (options.groupId ?? 'group-1');
    return {
      ...record,
      attributes: {
        ...record.attributes,
        MessageGroupId: record.attributes.MessageGroupId ?? group,
        MessageDeduplicationId: record.attributes.MessageDeduplicationId ?? record.md5OfBody,
        SequenceNumber: record.attributes.SequenceNumber ?? (18_849_496_460_467_696_128n + BigInt(index)).toString(),
      },
    };
  });
  return { Records };
}

function isRecord(item: unknown): item is SQSRecord {
  return typeof item === 'object' && item !== null && 'messageId' in item && 'receiptHandle' in item;
}

/**
 * Builds a Lambda context whose `getRemainingTimeInMillis()` counts down in
 * real time (or with a faked `Date`) from `remainingMs`.
 *
 * @param options - `remainingMs`: time left at creation. @default 30000
 * @returns A Lambda `Context`.
 * @example
 * ```ts
 * import { lambdaContext, sqsEvent } from 'sqs-partial-batch/testing';
 *
 * const response = await handler(sqsEvent(['a']), lambdaContext({ remainingMs: 5000 }));
 * ```
 */
export function lambdaContext(options: { readonly remainingMs?: number } = {}): Context {
  const deadline = Date.now() + (options.remainingMs ?? 30_000);
  const functionName = 'sqs-consumer';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
