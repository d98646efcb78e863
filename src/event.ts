import type { SQSRecord } from 'aws-lambda';
import { InvalidEventError } from './errors.js';
import { describeValue } from './optionChecks.js';

/**
 * Returns the event's records after checking the shape the response depends
 * on: a `Records` array of objects, each with a non-empty string `messageId`.
 * Anything else throws `InvalidEventError`, because a partial response built
 * from it could not be trusted.
 */
export function readRecords(event: unknown): readonly SQSRecord[] {
  if (typeof event !== 'object' || event === null) {
    throw new InvalidEventError(`Expected an SQS event object with a \`Records\` array, got ${describeValue(event)}`);
  }
  const records = (event as { Records?: unknown }).Records;
  if (!Array.isArray(records)) {
    throw new InvalidEventError(
      `Expected the event to have a \`Records\` array, got ${describeValue(records)}. Is the function attached to an SQS event source mapping?`,
    );
  }
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i];
    if (typeof record !== 'object' || record === null) {
      throw new InvalidEventError(
        `Expected \`Records[${i}]\` to be an SQS record object, got ${describeValue(record)}`,
      );
    }
    const messageId = (record as { messageId?: unknown }).messageId;
    if (typeof messageId !== 'string' || messageId === '') {
      throw new InvalidEventError(
        `Expected \`Records[${i}].messageId\` to be a non-empty string, got ${describeValue(messageId)}; without it no partial batch response can name the record`,
      );
    }
  }
  return records as SQSRecord[];
}

/** True when the records come from a FIFO queue (event source ARN ending in `.fifo`). */
export function isFifoEvent(records: readonly SQSRecord[]): boolean {
  for (const record of records) {
    if (typeof record.eventSourceARN === 'string' && record.eventSourceARN.endsWith('.fifo')) return true;
  }
  return false;
}

/** `ApproximateReceiveCount` as a number; 1 when the attribute is missing or not a positive integer. */
export function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isSafeInteger(count) && count > 0 ? count : 1;
}

/** The FIFO message group id, if the record has one. */
export function messageGroupIdOf(record: SQSRecord): string | undefined {
  const id = record.attributes?.MessageGroupId;
  return typeof id === 'string' ? id : undefined;
}
