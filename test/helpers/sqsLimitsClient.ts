/**
 * A stand-in SQSClient that holds batch requests to SQS's documented limits
 * the way the service does: a request of more than 10 entries, with
 * duplicate or malformed `Id`s, or of messages whose sizes (body and
 * attributes) add up past 1 MiB is refused as a whole; a well-formed one is
 * confirmed entry by entry. What it accepted is kept for the test to read.
 */
import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, MAX_VISIBILITY_SECONDS } from '../../src/sqsLimits.js';

export interface SentMessage {
  readonly Id: string;
  readonly MessageBody: string;
  readonly MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }>;
}

/** A message's size as SQS counts it: the body and each attribute's name, type and value, in bytes. */
export function sqsSize(message: SentMessage): number {
  let bytes = Buffer.byteLength(message.MessageBody, 'utf8');
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    bytes +=
      value.StringValue !== undefined ? Buffer.byteLength(value.StringValue) : (value.BinaryValue?.byteLength ?? 0);
  }
  return bytes;
}

/** An error shaped like the SDK's service exceptions. */
function refusal(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' });
}

/** Why SQS would refuse this batch request as a whole, or `undefined` when it takes it. */
export function batchRefusal(command: string, entries: ReadonlyArray<{ Id?: unknown }>): Error | undefined {
  if (entries.length === 0) return refusal('EmptyBatchRequest', 'There should be at least one entry in the request');
  if (entries.length > MAX_BATCH_ENTRIES) {
    return refusal('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}`);
  }
  const ids = entries.map((entry) => entry.Id);
  if (ids.some((id) => typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id))) {
    return refusal(
      'InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores',
    );
  }
  if (new Set(ids).size !== ids.length)
    return refusal('BatchEntryIdsNotDistinct', 'Two or more batch entries have the same Id');
  if (command === 'SendMessageBatchCommand') {
    const total = (entries as readonly SentMessage[]).reduce((sum, message) => sum + sqsSize(message), 0);
    if (total > MAX_BATCH_BYTES) {
      return refusal('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes`);
    }
  }
  if (command === 'ChangeMessageVisibilityBatchCommand') {
    for (const entry of entries as ReadonlyArray<{ VisibilityTimeout?: unknown }>) {
      const seconds = entry.VisibilityTimeout;
      if (!Number.isInteger(seconds) || (seconds as number) < 0 || (seconds as number) > MAX_VISIBILITY_SECONDS) {
        return refusal('InvalidParameterValue', `Value ${String(seconds)} for parameter VisibilityTimeout is invalid`);
      }
    }
  }
  return undefined;
}

/** A client that answers like SQS within its limits, and keeps every message it accepted. */
export function sqsLimitsClient() {
  const accepted: SentMessage[] = [];
  const requests: Array<{ command: string; entries: readonly SentMessage[] }> = [];
  return {
    accepted,
    requests,
    async send(command: { constructor: { name: string }; input: { Entries?: SentMessage[] } }) {
      const name = command.constructor.name;
      const entries = command.input.Entries ?? [];
      requests.push({ command: name, entries });
      const refused = batchRefusal(name, entries);
      if (refused !== undefined) throw refused;
      accepted.push(...entries);
      return { Successful: entries.map(({ Id }) => ({ Id, MessageId: `sent-${Id}` })), Failed: [] };
    },
  };
}
