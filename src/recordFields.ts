import type { SQSRecord } from 'aws-lambda';

/**
 * Fields of an SQS record, read the same way by the engine, the consumer and
 * the span code loaded on demand. This module imports nothing at run time.
 */

/** `ApproximateReceiveCount` as a number; 1 when the attribute is missing or not a positive integer. */
export function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isSafeInteger(count) && count > 0 ? count : 1;
}

/** The message group id (FIFO queues, and fair queues), if the record has one. */
export function messageGroupIdOf(record: SQSRecord): string | undefined {
  const id = record.attributes?.MessageGroupId;
  return typeof id === 'string' ? id : undefined;
}

/** The queue's name from an event source ARN (`arn:aws:sqs:eu-west-1:123456789012:orders` gives `orders`), if it is one. */
export function queueNameOf(arn: unknown): string | undefined {
  if (typeof arn !== 'string') return undefined;
  const parts = arn.split(':');
  const name = parts[5];
  return parts.length === 6 && parts[0] === 'arn' && parts[2] === 'sqs' && name !== '' ? name : undefined;
}
