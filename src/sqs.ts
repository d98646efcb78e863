import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { SqsClientLike } from './failurePolicy/options.js';
import { type AttributeValue, chunks, messageBytes, packBySize, unconfirmedEntries } from './sqsBatches.js';
import { MAX_MESSAGE_ATTRIBUTES, MAX_MESSAGE_BYTES } from './sqsLimits.js';
import { settleWithin } from './util.js';

type SqsSdk = typeof import('@aws-sdk/client-sqs');
let sdk: Promise<SqsSdk> | undefined;

/**
 * `@aws-sdk/client-sqs`, loaded on first use. The import is dynamic (and
 * handles its own failure), so a bundle whose handler uses no SQS call never
 * loads the SQS client at start-up, and bundles even when the package is not
 * installed.
 *
 * @returns The `@aws-sdk/client-sqs` module.
 * @throws An `Error` that says what to install when the package cannot be loaded.
 * @example
 * ```ts
 * import { loadSqsSdk } from 'sqs-partial-batch/sqs';
 *
 * const { SQSClient } = await loadSqsSdk();
 * const client = new SQSClient({});
 * ```
 */
export function loadSqsSdk(): Promise<SqsSdk> {
  sdk ??= import('@aws-sdk/client-sqs').catch((error: unknown) => {
    sdk = undefined;
    throw new Error(
      `sqs-partial-batch: backoff, dead-letter queues and the consumer need @aws-sdk/client-sqs (npm install @aws-sdk/client-sqs): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  return sdk;
}

const urls = new WeakMap<object, Map<string, Promise<string>>>();

/** How long a `GetQueueUrl` lookup may take before it is given up (and forgotten, so the next call asks again). */
const LOOKUP_TIMEOUT_MS = 5000;

/**
 * The URL of the queue an event source ARN names, from `GetQueueUrl` with the
 * queue name and owner account (so it works against AWS and emulators, whose
 * URLs differ). Cached per client and ARN; a lookup that fails, answers
 * something other than a URL, or does not answer within 5 seconds is not
 * cached.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { queueUrlOf } from 'sqs-partial-batch/sqs';
 *
 * const url = await queueUrlOf(new SQSClient({}), 'arn:aws:sqs:eu-west-1:123456789012:orders');
 * ```
 */
export function queueUrlOf(client: SqsClientLike, arn: string): Promise<string> {
  let cache = urls.get(client);
  if (cache === undefined) {
    cache = new Map();
    urls.set(client, cache);
  }
  let url = cache.get(arn);
  if (url === undefined) {
    const [, , service, , account, name] = arn.split(':');
    if (service !== 'sqs' || !account || !name) return Promise.reject(new Error(`Not an SQS queue ARN: ${arn}`));
    const lookup = loadSqsSdk().then(({ GetQueueUrlCommand }) =>
      (client as SQSClient).send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })),
    );
    url = settleWithin(
      lookup,
      LOOKUP_TIMEOUT_MS,
      () => new Error(`GetQueueUrl did not answer within ${LOOKUP_TIMEOUT_MS} ms for ${arn}`),
    ).then((reply: unknown) => {
      const found =
        typeof reply === 'object' && reply !== null ? (reply as { QueueUrl?: unknown }).QueueUrl : undefined;
      if (typeof found !== 'string' || found === '') throw new Error(`GetQueueUrl returned no URL for ${arn}`);
      return found;
    });
    cache.set(arn, url);
    url.catch(() => cache?.delete(arn));
  }
  return url;
}

/** An entry of a batch call that SQS did not carry out (or did not confirm). */
export interface FailedEntry {
  readonly receiptHandle: string;
  /** `Code: Message` from SQS, or why the reply did not confirm the entry. */
  readonly error: string;
  /** True when retrying cannot help (SQS blames the request: a stale receipt handle, a message no longer in flight). */
  readonly senderFault: boolean;
}

/**
 * Sets the visibility timeout of received messages, 10 per
 * `ChangeMessageVisibilityBatch` call, all calls at once.
 *
 * @returns The receipt handles that could not be changed, with why: every
 *   entry SQS did not list in `Successful`.
 * @throws Error when `@aws-sdk/client-sqs` cannot be loaded, or a call fails.
 * @example
 * ```ts
 * import { changeVisibility } from 'sqs-partial-batch/sqs';
 *
 * const failed = await changeVisibility(client, queueUrl, [{ receiptHandle, seconds: 30 }]);
 * ```
 */
export async function changeVisibility(
  client: SqsClientLike,
  queueUrl: string,
  entries: ReadonlyArray<{ readonly receiptHandle: string; readonly seconds: number }>,
): Promise<FailedEntry[]> {
  const { ChangeMessageVisibilityBatchCommand } = await loadSqsSdk();
  const failed: FailedEntry[] = [];
  await Promise.all(
    chunks(entries).map(async (chunk) => {
      const reply = await (client as SQSClient).send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((entry, i) => ({
            Id: String(i),
            ReceiptHandle: entry.receiptHandle,
            VisibilityTimeout: entry.seconds,
          })),
        }),
      );
      const unconfirmed = unconfirmedEntries(reply, chunk.length, 'ChangeMessageVisibilityBatch');
      for (const [i, why] of unconfirmed) {
        failed.push({ receiptHandle: (chunk[i] as (typeof chunk)[number]).receiptHandle, ...why });
      }
    }),
  );
  return failed;
}

/**
 * Deletes received messages, 10 per `DeleteMessageBatch` call, all calls at
 * once, checking each entry's result.
 *
 * @returns The receipt handles that were not deleted, with why (an entry SQS
 *   did not confirm counts as not deleted). A call that fails as a whole rejects.
 * @example
 * ```ts
 * import { deleteMessages } from 'sqs-partial-batch/sqs';
 *
 * const failed = await deleteMessages(client, queueUrl, [receiptHandle]);
 * ```
 */
export async function deleteMessages(
  client: SqsClientLike,
  queueUrl: string,
  receiptHandles: readonly string[],
): Promise<FailedEntry[]> {
  const { DeleteMessageBatchCommand } = await loadSqsSdk();
  const failed: FailedEntry[] = [];
  await Promise.all(
    chunks(receiptHandles).map(async (chunk) => {
      const reply = await (client as SQSClient).send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((receiptHandle, i) => ({ Id: String(i), ReceiptHandle: receiptHandle })),
        }),
      );
      for (const [i, why] of unconfirmedEntries(reply, chunk.length, 'DeleteMessageBatch')) {
        failed.push({ receiptHandle: chunk[i] as string, ...why });
      }
    }),
  );
  return failed;
}

/** A record to send to a dead-letter queue, with why it failed. */
export interface DeadLetterEntry {
  readonly record: SQSRecord;
  readonly errorName: string;
  readonly errorMessage: string;
}

/** Message attributes a dead-lettered record carries, beside its own. */
export const DEAD_LETTER_ATTRIBUTES = ['ErrorName', 'ErrorMessage', 'OriginalMessageId', 'SourceQueueArn'] as const;

/** How long one `SendMessageBatch` call of {@link sendToQueue} may take by default, in milliseconds. */
const SEND_TIMEOUT_MS = 5000;

/**
 * Sends records to a queue: the body and message attributes of each, plus
 * its error's name and message, original message id and source queue ARN as
 * attributes (the record's own attributes are kept up to SQS's limit of 10,
 * a large-payload size attribute first, so a pointer message stays whole).
 * FIFO records keep their group id and get their message id as
 * deduplication id. Records go in `SendMessageBatch` calls of at most 10
 * messages and 1 MiB (body and attributes, as SQS counts them), all calls at
 * once, each given up after `timeoutMs`. A record that no call can carry (a
 * body that is not a non-empty string, or a message past SQS's 1 MiB) is not
 * sent, and reported with why.
 *
 * @param options - `timeoutMs`: how long each call may take before its
 *   records are reported as not sent. @default { timeoutMs: 5000 }
 * @returns The message ids that were not sent, with why: every entry SQS did
 *   not list in `Successful` under its exact `Id` (refused in `Failed`,
 *   missing from the reply, in a reply of the wrong shape, or in a call that
 *   failed or timed out), and every record no call could carry.
 * @example
 * ```ts
 * import { sendToQueue } from 'sqs-partial-batch/sqs';
 *
 * const failed = await sendToQueue(client, dlqUrl, [{ record, errorName: 'PermanentError', errorMessage: 'unknown sku' }]);
 * ```
 */
export async function sendToQueue(
  client: SqsClientLike,
  queueUrl: string,
  entries: readonly DeadLetterEntry[],
  options: { readonly timeoutMs?: number | undefined } = {},
): Promise<Map<string, string>> {
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const failed = new Map<string, string>();
  const messages: Message[] = [];
  for (const entry of entries) {
    const message = toMessage(entry);
    if (typeof message === 'string') failed.set(entry.record.messageId, message);
    else messages.push(message);
  }
  const { batches, tooLarge } = packBySize(messages, (message) => message.bytes);
  for (const { entry, bytes } of tooLarge) {
    failed.set(
      entry.messageId,
      `Not sent: the message would be ${bytes} bytes (body and message attributes, as SQS counts them), past SQS's limit of ${MAX_MESSAGE_BYTES} bytes`,
    );
  }
  await Promise.all(
    batches.map(async (batch) => {
      try {
        const reply = await settleWithin(
          sendBatch(client, queueUrl, batch),
          timeoutMs,
          () => new Error(`SendMessageBatch did not answer within ${timeoutMs} ms`),
        );
        for (const [i, { error }] of unconfirmedEntries(reply, batch.length, 'SendMessageBatch')) {
          failed.set((batch[i] as Message).messageId, error);
        }
      } catch (error) {
        const reason = describeFailure(error);
        for (const message of batch) failed.set(message.messageId, reason);
      }
    }),
  );
  return failed;
}

/** One `SendMessageBatch` entry, without its `Id`. */
export interface BatchEntry {
  readonly body: string;
  readonly attributes: Record<string, AttributeValue>;
  readonly group?: string | undefined;
  readonly deduplicationId?: string | undefined;
  readonly delaySeconds?: number | undefined;
}

/** One record as a `SendMessageBatch` entry, with its size. */
interface Message extends BatchEntry {
  readonly messageId: string;
  readonly bytes: number;
}

/** One `SendMessageBatch` call for `batch`, entry `Id`s `'0'` to `batch.length - 1`. */
export async function sendBatch(
  client: SqsClientLike,
  queueUrl: string,
  batch: readonly BatchEntry[],
): Promise<unknown> {
  const { SendMessageBatchCommand } = await loadSqsSdk();
  return (client as SQSClient).send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: batch.map((entry, i) => ({
        Id: String(i),
        MessageBody: entry.body,
        MessageAttributes: entry.attributes as Record<string, MessageAttributeValue>,
        MessageGroupId: entry.group,
        MessageDeduplicationId: entry.deduplicationId,
        DelaySeconds: entry.delaySeconds,
      })),
    }),
  );
}

/** The record as a message, or why SQS could not take it. */
function toMessage({ record, errorName, errorMessage }: DeadLetterEntry): Message | string {
  const { body, messageId } = record;
  if (typeof body !== 'string' || body === '') {
    return 'Not sent: SQS carries only a body that is a non-empty string';
  }
  const attributes: Record<string, AttributeValue> = {
    ErrorName: { DataType: 'String', StringValue: errorName || 'Error' },
    ErrorMessage: { DataType: 'String', StringValue: (errorMessage || '(no message)').slice(0, 4096) },
    OriginalMessageId: { DataType: 'String', StringValue: messageId },
    SourceQueueArn: {
      DataType: 'String',
      StringValue:
        typeof record.eventSourceARN === 'string' && record.eventSourceARN !== '' ? record.eventSourceARN : 'unknown',
    },
  };
  let count = DEAD_LETTER_ATTRIBUTES.length;
  // A large-payload pointer's size attribute first (`ExtendedPayloadSize`): the parked message stays one the extended clients read.
  const own = ownAttributes(record).sort(
    ([a], [b]) => Number(b.endsWith('PayloadSize')) - Number(a.endsWith('PayloadSize')),
  );
  for (const [name, value] of own) {
    if (count >= MAX_MESSAGE_ATTRIBUTES) break;
    if (Object.hasOwn(attributes, name)) continue;
    attributes[name] = value;
    count++;
  }
  const group = record.attributes?.MessageGroupId;
  return {
    messageId,
    body,
    attributes,
    ...(typeof group === 'string' ? { group, deduplicationId: messageId } : {}),
    bytes: messageBytes(body, attributes),
  };
}

/** The record's own message attributes that SQS can take back, read once and safely. */
function ownAttributes(record: SQSRecord): Array<[string, AttributeValue]> {
  const out: Array<[string, AttributeValue]> = [];
  try {
    const attributes: unknown = record.messageAttributes;
    if (typeof attributes !== 'object' || attributes === null) return out;
    for (const name of Object.keys(attributes)) {
      const { dataType, stringValue, binaryValue } = ((attributes as Record<string, unknown>)[name] ?? {}) as {
        dataType?: unknown;
        stringValue?: unknown;
        binaryValue?: unknown;
      };
      if (typeof dataType !== 'string' || dataType === '') continue;
      if (typeof stringValue === 'string') out.push([name, { DataType: dataType, StringValue: stringValue }]);
      else if (typeof binaryValue === 'string') {
        out.push([name, { DataType: dataType, BinaryValue: Buffer.from(binaryValue, 'base64') }]);
      }
    }
  } catch {
    // An attribute that cannot be read is left out; the record is still sent.
  }
  return out;
}

/** Why a call failed, as a line of text; never throws. */
export function describeFailure(error: unknown): string {
  try {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return 'The call failed with a value that cannot be described';
  }
}
