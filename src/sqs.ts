import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { SqsClientLike } from 'sqs-partial-batch';

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

/** SQS takes at most 10 entries per batch call. */
const SQS_BATCH = 10;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += SQS_BATCH) out.push(items.slice(i, i + SQS_BATCH));
  return out;
}

const urls = new WeakMap<object, Map<string, Promise<string>>>();

/**
 * The URL of the queue an event source ARN names, from `GetQueueUrl` with the
 * queue name and owner account (so it works against AWS and emulators, whose
 * URLs differ). Cached per client and ARN; a failed lookup is not cached.
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
    url = loadSqsSdk()
      .then(({ GetQueueUrlCommand }) =>
        (client as SQSClient).send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })),
      )
      .then(({ QueueUrl }) => {
        if (!QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${arn}`);
        return QueueUrl;
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

/**
 * The entries of a batch call (`Id`s `'0'` to `count - 1`) that SQS did not
 * confirm, with why: listed in `Failed`, or in neither list (a malformed or
 * incomplete reply). Only an entry listed in `Successful`, and not in
 * `Failed`, counts as done.
 */
function unconfirmedEntries(
  reply: unknown,
  count: number,
  call: string,
): Map<number, { error: string; senderFault: boolean }> {
  const { Successful, Failed } = (typeof reply === 'object' && reply !== null ? reply : {}) as {
    Successful?: unknown;
    Failed?: unknown;
  };
  const failures = new Map<number, { error: string; senderFault: boolean }>();
  for (const failure of Array.isArray(Failed) ? Failed : []) {
    const { Id, Code, Message, SenderFault } = (failure ?? {}) as {
      Id?: unknown;
      Code?: unknown;
      Message?: unknown;
      SenderFault?: unknown;
    };
    const index = entryIndex(Id, count);
    if (index !== undefined && !failures.has(index)) {
      failures.set(index, {
        error: `${typeof Code === 'string' ? Code : 'Failed'}: ${typeof Message === 'string' ? Message : 'no message'}`,
        senderFault: SenderFault === true,
      });
    }
  }
  const confirmed = new Set<number>();
  for (const success of Array.isArray(Successful) ? Successful : []) {
    const index = entryIndex((success as { Id?: unknown } | null)?.Id, count);
    if (index !== undefined) confirmed.add(index);
  }
  for (let i = 0; i < count; i++) {
    if (!failures.has(i) && !confirmed.has(i)) {
      failures.set(i, {
        error: Array.isArray(Successful)
          ? `SQS did not confirm this entry: ${call} listed it neither in Successful nor in Failed`
          : `SQS answered ${call} without a Successful list, so no entry counts as done`,
        senderFault: false,
      });
    }
  }
  return failures;
}

/** The position an entry `Id` of ours names, or `undefined` for an id we never sent. */
function entryIndex(id: unknown, count: number): number | undefined {
  if (typeof id !== 'string' || !/^\d+$/.test(id)) return undefined;
  const index = Number(id);
  return index < count ? index : undefined;
}

/** A record to send to a dead-letter queue, with why it failed. */
export interface DeadLetterEntry {
  readonly record: SQSRecord;
  readonly errorName: string;
  readonly errorMessage: string;
}

/** Message attributes a dead-lettered record carries, beside its own. */
export const DEAD_LETTER_ATTRIBUTES = ['ErrorName', 'ErrorMessage', 'OriginalMessageId', 'SourceQueueArn'] as const;

/** SQS's limit of message attributes per message. */
const MAX_ATTRIBUTES = 10;

/**
 * Sends records to a queue, 10 per `SendMessageBatch` call, all calls at
 * once: the body and message attributes of each, plus its error's name and
 * message, original message id and source queue ARN as attributes (the
 * record's own attributes are kept up to SQS's limit of 10). FIFO records
 * keep their group id and get their message id as deduplication id.
 *
 * @returns The message ids that were not sent, with why: every entry SQS did
 *   not list in `Successful` (refused in `Failed`, missing from the reply, or
 *   in a chunk whose call failed).
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
): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  await Promise.all(
    chunks(entries).map(async (chunk) => {
      try {
        const { SendMessageBatchCommand } = await loadSqsSdk();
        const reply = await (client as SQSClient).send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((entry, i) => toEntry(entry, i)),
          }),
        );
        for (const [i, { error }] of unconfirmedEntries(reply, chunk.length, 'SendMessageBatch')) {
          failed.set((chunk[i] as DeadLetterEntry).record.messageId, error);
        }
      } catch (error) {
        for (const entry of chunk)
          failed.set(entry.record.messageId, error instanceof Error ? error.message : String(error));
      }
    }),
  );
  return failed;
}

function toEntry({ record, errorName, errorMessage }: DeadLetterEntry, index: number) {
  const attributes: Record<string, MessageAttributeValue> = {
    ErrorName: { DataType: 'String', StringValue: errorName || 'Error' },
    ErrorMessage: { DataType: 'String', StringValue: (errorMessage || '(no message)').slice(0, 4096) },
    OriginalMessageId: { DataType: 'String', StringValue: record.messageId },
    SourceQueueArn: { DataType: 'String', StringValue: record.eventSourceARN || 'unknown' },
  };
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (Object.keys(attributes).length >= MAX_ATTRIBUTES) break;
    if (name in attributes) continue;
    attributes[name] = {
      DataType: value.dataType,
      ...(value.stringValue === undefined ? {} : { StringValue: value.stringValue }),
      ...(value.binaryValue === undefined ? {} : { BinaryValue: Buffer.from(value.binaryValue, 'base64') }),
    };
  }
  const group = record.attributes?.MessageGroupId;
  return {
    Id: String(index),
    MessageBody: record.body,
    MessageAttributes: attributes,
    ...(group === undefined ? {} : { MessageGroupId: group, MessageDeduplicationId: record.messageId }),
  };
}
