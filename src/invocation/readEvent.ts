import type { SQSRecord } from 'aws-lambda';
import { InvalidEventError } from '../errors.js';
import { describeValue } from '../optionChecks.js';
import { messageGroupIdOf } from '../recordFields.js';

/**
 * Phase 1, read the event. What the rest of the invocation relies on, taken
 * once at the start: the records, their message ids and (on FIFO queues)
 * their message groups. The response is built from these ids, never re-read
 * from the records, which the user's function can reach and change.
 */
export interface ReadEvent {
  readonly records: readonly SQSRecord[];
  /** `records[i].messageId` as it was on entry. */
  readonly ids: readonly string[];
  /** Per-record FIFO message group, or `undefined` for a standard queue. */
  readonly groups: ReadonlyArray<string | undefined> | undefined;
}

/**
 * Reads an SQS event after checking the shape the response depends on: a
 * `Records` array of objects, each with a non-empty string `messageId`.
 * Anything else throws `InvalidEventError`, because a partial response built
 * from it could not be trusted.
 */
export function readEvent(event: unknown): ReadEvent {
  if (typeof event !== 'object' || event === null) {
    throw new InvalidEventError(`Expected an SQS event object with a \`Records\` array, got ${describeValue(event)}`);
  }
  const records = (event as { Records?: unknown }).Records;
  if (!Array.isArray(records)) {
    throw new InvalidEventError(
      `Expected the event to have a \`Records\` array, got ${describeValue(records)}. Is the function attached to an SQS event source mapping?`,
    );
  }
  const count = records.length;
  const ids: string[] = new Array(count);
  let fifo = false;
  for (let i = 0; i < count; i++) {
    const record: unknown = records[i];
    if (typeof record !== 'object' || record === null) {
      throw new InvalidEventError(
        `Expected \`Records[${i}]\` to be an SQS record object, got ${describeValue(record)}`,
      );
    }
    const { messageId, eventSourceARN } = record as { messageId?: unknown; eventSourceARN?: unknown };
    if (typeof messageId !== 'string' || messageId === '') {
      throw new InvalidEventError(
        `Expected \`Records[${i}].messageId\` to be a non-empty string, got ${describeValue(messageId)}; without it no partial batch response can name the record`,
      );
    }
    ids[i] = messageId;
    if (!fifo && typeof eventSourceARN === 'string' && eventSourceARN.endsWith('.fifo')) fifo = true;
  }
  return {
    records: records as SQSRecord[],
    ids,
    groups: fifo ? (records as SQSRecord[]).map(messageGroupIdOf) : undefined,
  };
}
