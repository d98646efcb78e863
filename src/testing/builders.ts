import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  bodyText,
  booleanOption,
  checkGroupId,
  describeValue,
  finiteAtLeast,
  invalid,
  optionsObject,
} from './checks.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const STANDARD_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders`;
const FIFO_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders.fifo`;

let receipts = 0;

const RECORD_KEYS = [
  'messageId',
  'receiptHandle',
  'attributes',
  'messageAttributes',
  'md5OfBody',
  'eventSource',
  'eventSourceARN',
  'awsRegion',
] as const;

/**
 * Builds one SQS record shaped like the ones Lambda delivers: a fresh
 * messageId and receipt handle, `md5OfBody`, the usual attributes and a
 * standard-queue ARN. Object bodies are JSON-encoded; strings are kept as is.
 *
 * @param body - The body: a string, or any value to JSON-encode.
 * @param overrides - Fields to replace (`attributes` replaces them all). The
 *   body is the first argument, not an override.
 * @returns An `SQSRecord`.
 * @throws InvalidOptionsError for a body JSON cannot encode, or an unknown
 *   or misplaced override key (such as `body`).
 * @example
 * ```ts
 * import { sqsRecord } from 'sqs-partial-batch/testing';
 *
 * const record = sqsRecord({ orderId: 'o-1' }, { messageId: 'm-1' });
 * ```
 */
export function sqsRecord(body: unknown, overrides: Partial<Omit<SQSRecord, 'body'>> = {}): SQSRecord {
  if (typeof overrides === 'object' && overrides !== null && 'body' in overrides) {
    invalid('Expected the body as the first argument of `sqsRecord`, not as the override `body`');
  }
  const fields = optionsObject(overrides, 'the overrides of `sqsRecord`', RECORD_KEYS);
  for (const key of ['attributes', 'messageAttributes'] as const) {
    const value = fields[key];
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      invalid(`Expected \`${key}\` to be an object, got ${describeValue(value)}`);
    }
  }
  const text = bodyText('body', body);
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
    ...(fields as Partial<SQSRecord>),
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
  /**
   * Build a FIFO event. Must agree with `queueArn` when both are given.
   * @default true when `queueArn` ends in `.fifo`, else false
   */
  readonly fifo?: boolean | undefined;
  /**
   * The queue ARN of every record (`arn:aws:sqs:<region>:<account>:<name>`);
   * records take their `awsRegion` from it.
   * @default `arn:aws:sqs:eu-west-1:123456789012:orders` (plus `.fifo`)
   */
  readonly queueArn?: string | undefined;
  /**
   * FIFO message group of every record (1 to 128 characters), or a function
   * of its position. Only for FIFO events; with an explicit `fifo: false` it
   * is ignored, so one call can build either kind.
   * @default 'group-1'
   */
  readonly groupId?: string | ((index: number) => string) | undefined;
}

const SQS_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/;

/**
 * Builds an SQS event from records or bodies. FIFO events give each record a
 * `MessageGroupId`, a `SequenceNumber` and a `MessageDeduplicationId`, unless
 * the record already has them.
 *
 * @param items - `SQSRecord`s, bodies, or both.
 * @param options - See {@link SqsEventOptions}.
 * @returns An `SQSEvent`.
 * @throws InvalidOptionsError for items that are not an array, a body JSON
 *   cannot encode, an unknown option or bad value, a `queueArn` that is not
 *   an SQS queue ARN, `fifo` contradicting `queueArn`, or a `groupId` for a
 *   standard-queue event.
 * @example
 * ```ts
 * import { sqsEvent } from 'sqs-partial-batch/testing';
 *
 * const event = sqsEvent([{ orderId: 'o-1' }, 'not json'], { fifo: true, groupId: 'customer-7' });
 * ```
 */
export function sqsEvent(items: readonly unknown[], options: SqsEventOptions = {}): SQSEvent {
  if (!Array.isArray(items)) {
    invalid(`Expected the items of \`sqsEvent\` to be an array of records or bodies, got ${describeValue(items)}`);
  }
  const input = optionsObject(options, 'the options of `sqsEvent`', ['fifo', 'queueArn', 'groupId']);
  const explicitFifo = booleanOption('fifo', input.fifo);
  const { queueArn, groupId } = input;
  let region = REGION;
  if (queueArn !== undefined) {
    const match = typeof queueArn === 'string' ? SQS_ARN.exec(queueArn) : null;
    if (match === null) {
      invalid(
        `Expected \`queueArn\` to be an SQS queue ARN (arn:aws:sqs:<region>:<12-digit account>:<queue name>), got ${describeValue(queueArn)}`,
      );
    }
    region = match[1] as string;
  }
  const arnIsFifo = typeof queueArn === 'string' ? queueArn.endsWith('.fifo') : undefined;
  if (explicitFifo !== undefined && arnIsFifo !== undefined && explicitFifo !== arnIsFifo) {
    invalid(
      explicitFifo
        ? `Expected \`queueArn\` to name a FIFO queue (ending in .fifo) with \`fifo: true\`, got ${describeValue(queueArn)}`
        : `Expected \`queueArn\` to name a standard queue with \`fifo: false\`, got ${describeValue(queueArn)}, a FIFO queue`,
    );
  }
  const fifo = explicitFifo ?? arnIsFifo ?? false;
  if (groupId !== undefined) {
    if (typeof groupId !== 'function') checkGroupId('groupId', groupId);
    if (!fifo && explicitFifo === undefined) {
      invalid(
        'Expected no `groupId` for a standard-queue event: message groups are for FIFO events (set `fifo: true`, or a `queueArn` ending in .fifo)',
      );
    }
  }
  const arn = (queueArn as string | undefined) ?? (fifo ? FIFO_ARN : STANDARD_ARN);
  const Records = items.map((item, index): SQSRecord => {
    const record = isRecord(item)
      ? { ...item, eventSourceARN: arn, awsRegion: region }
      : sqsRecord(item, { eventSourceARN: arn, awsRegion: region });
    if (!fifo) return record;
    const group =
      typeof groupId === 'function'
        ? checkGroupId(`groupId(${index})`, (groupId as (index: number) => unknown)(index))
        : ((groupId as string | undefined) ?? 'group-1');
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
 * Options of {@link lambdaContext}.
 *
 * @example
 * ```ts
 * import { lambdaContext, type LambdaContextOptions } from 'sqs-partial-batch/testing';
 *
 * const options: LambdaContextOptions = { remainingMs: 5000 };
 * const context = lambdaContext(options);
 * ```
 */
export interface LambdaContextOptions {
  /** Milliseconds left at creation, a finite number >= 0. @default 30000 */
  readonly remainingMs?: number | undefined;
}

/**
 * Builds a Lambda context whose `getRemainingTimeInMillis()` counts down in
 * real time (or with a faked `Date`) from `remainingMs`.
 *
 * @param options - See {@link LambdaContextOptions}.
 * @returns A Lambda `Context`.
 * @throws InvalidOptionsError for an unknown option or a `remainingMs` that
 *   is not a finite number >= 0.
 * @example
 * ```ts
 * import { lambdaContext, sqsEvent } from 'sqs-partial-batch/testing';
 *
 * const response = await handler(sqsEvent(['a']), lambdaContext({ remainingMs: 5000 }));
 * ```
 */
export function lambdaContext(options: LambdaContextOptions = {}): Context {
  const input = optionsObject(options, 'the options of `lambdaContext`', ['remainingMs']);
  const deadline = Date.now() + (finiteAtLeast('remainingMs', input.remainingMs, 0) ?? 30_000);
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
