import { nodeCrypto } from './builtins.js';
import type { SqsClientLike } from './failurePolicy/options.js';
import type { S3ClientLike } from './largePayloads/options.js';
import { pointerBody, SIZE_ATTRIBUTE } from './largePayloads/pointer.js';
import { GivenUp, loadS3Sdk } from './largePayloads/s3.js';
import { type BatchEntry, describeFailure, sendBatch } from './sqs.js';
import { type AttributeValue, messageBytes, unconfirmedEntries } from './sqsBatches.js';
import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, MAX_MESSAGE_ATTRIBUTES, MAX_MESSAGE_BYTES } from './sqsLimits.js';
import { settleWithin } from './util.js';

/**
 * One message for {@link sendMessages}.
 *
 * @example
 * ```ts
 * import type { MessageToSend } from 'sqs-partial-batch/sqs';
 *
 * const message: MessageToSend = { body: JSON.stringify({ orderId: 'o-1' }), messageGroupId: 'customer-7' };
 * ```
 */
export interface MessageToSend {
  readonly body: string;
  /** As `SendMessageBatch` takes them: `{ DataType, StringValue }` or `{ DataType, BinaryValue }`. */
  readonly messageAttributes?: Readonly<Record<string, AttributeValue>> | undefined;
  /** FIFO queues (and fair queues): the message group. */
  readonly messageGroupId?: string | undefined;
  /** FIFO queues without content-based deduplication: the deduplication id (it also makes a retried send safe). */
  readonly messageDeduplicationId?: string | undefined;
  readonly delaySeconds?: number | undefined;
}

/**
 * What became of one message of {@link sendMessages}, by its position.
 *
 * @example
 * ```ts
 * import type { SendOutcome } from 'sqs-partial-batch/sqs';
 *
 * const failures = (outcomes: SendOutcome[]) => outcomes.filter((o) => o.status === 'failed').map((o) => o.index);
 * ```
 */
export type SendOutcome =
  | {
      readonly status: 'sent';
      readonly index: number;
      /** The `MessageId` SQS gave it. */
      readonly messageId: string;
      /** Whether its body went to S3 (the message carries the pointer). */
      readonly offloaded: boolean;
    }
  | { readonly status: 'failed'; readonly index: number; readonly error: string };

/**
 * The `largePayloads` option of {@link sendMessages}: bodies over the
 * threshold go to S3, and the message carries a pointer in the AWS
 * extended-client format, which the Java and Python extended clients, and
 * our `largePayloads` reader, follow.
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 * import type { SendLargePayloadOptions } from 'sqs-partial-batch/sqs';
 *
 * const largePayloads: SendLargePayloadOptions = { s3: new S3Client({}), bucket: 'orders-payloads' };
 * ```
 */
export interface SendLargePayloadOptions {
  /** An `S3Client`; the sender needs `s3:PutObject` on the bucket. */
  readonly s3: S3ClientLike;
  readonly bucket: string;
  /** A message larger than this (body and attributes, as SQS counts) is offloaded. @default 262144 (as the AWS libraries) */
  readonly thresholdBytes?: number | undefined;
  /** Offload every body, whatever its size. @default false */
  readonly alwaysThroughS3?: boolean | undefined;
}

/**
 * Options of {@link sendMessages}.
 *
 * @example
 * ```ts
 * import type { SendMessagesOptions } from 'sqs-partial-batch/sqs';
 *
 * const options: SendMessagesOptions = { attempts: 5, timeoutMs: 2000 };
 * ```
 */
export interface SendMessagesOptions {
  /** Largest message SQS takes, in bytes (body and attributes). @default 1048576 */
  readonly maxMessageBytes?: number | undefined;
  /** Largest `SendMessageBatch` request, in bytes. @default 1048576 */
  readonly maxBatchBytes?: number | undefined;
  /** Sends per message at most: entries SQS lists as failed (not by the sender's fault) and calls that fail are retried. @default 3 */
  readonly attempts?: number | undefined;
  /** Delay before the first retry, doubled for each further one (full jitter). @default 100 */
  readonly retryDelayMs?: number | undefined;
  /** How long one SQS or S3 call may take. @default 5000 */
  readonly timeoutMs?: number | undefined;
  /** Offload large bodies to S3. @default undefined (a message past `maxMessageBytes` fails) */
  readonly largePayloads?: SendLargePayloadOptions | undefined;
}

/** Defaults of {@link SendMessagesOptions}. */
const SEND_DEFAULTS = {
  attempts: 3,
  retryDelayMs: 100,
  timeoutMs: 5000,
  thresholdBytes: 262_144,
} as const;

/** A message on its way: the entry as sent, its size, and where its outcome goes. */
interface Outgoing extends BatchEntry {
  readonly index: number;
  readonly bytes: number;
  readonly offloaded: boolean;
}

/**
 * Sends messages to a queue, for producers: in `SendMessageBatch` calls of
 * at most 10 entries and `maxBatchBytes`, in order; entries SQS lists as
 * failed (not by the sender's fault) and calls that fail or time out are
 * retried with backoff, up to `attempts` sends. With `largePayloads`, a body
 * over the threshold is put in S3 under a fresh UUID key and the message
 * carries the extended-client pointer and `ExtendedPayloadSize`. When an
 * OpenTelemetry span is active and `@opentelemetry/api` is installed, each
 * message gets a `traceparent` attribute (unless it has one, or has no room).
 *
 * On a FIFO queue, calls go one at a time, in order; a retried entry may
 * then follow messages of its group sent after it.
 *
 * @param client - An `SQSClient` (`sqs:SendMessage`).
 * @returns One outcome per message, by position: `sent` with its `MessageId`, or `failed` with why. Never rejects
 *   for a message SQS or S3 refused; rejects only when `@aws-sdk/client-sqs` cannot be loaded.
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { sendMessages } from 'sqs-partial-batch/sqs';
 *
 * const outcomes = await sendMessages(new SQSClient({}), process.env.QUEUE_URL!, [{ body: bigJson }], {
 *   largePayloads: { s3: new S3Client({}), bucket: 'orders-payloads' },
 * });
 * ```
 */
export async function sendMessages(
  client: SqsClientLike,
  queueUrl: string,
  messages: readonly MessageToSend[],
  options: SendMessagesOptions = {},
): Promise<SendOutcome[]> {
  const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const maxBatchBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES;
  const attempts = Math.max(1, options.attempts ?? SEND_DEFAULTS.attempts);
  const timeoutMs = options.timeoutMs ?? SEND_DEFAULTS.timeoutMs;
  const outcomes: SendOutcome[] = new Array(messages.length);
  const fail = (index: number, error: string) => {
    outcomes[index] = { status: 'failed', index, error };
  };
  const traceparent = await activeTraceparent();
  const prepared = await Promise.all(
    messages.map((message, index) => prepare(message, index, options.largePayloads, traceparent, timeoutMs)),
  );
  let pending: Outgoing[] = [];
  for (const [index, entry] of prepared.entries()) {
    if (typeof entry === 'string') fail(index, entry);
    else if (entry.bytes > maxMessageBytes) {
      fail(index, `Not sent: the message is ${entry.bytes} bytes, past the limit of ${maxMessageBytes}`);
    } else pending.push(entry);
  }
  const fifo = messages.some((m) => m.messageGroupId !== undefined);
  for (let attempt = 1; pending.length > 0; attempt++) {
    const last = attempt >= attempts;
    const retry: Outgoing[] = [];
    const sendOne = async (batch: Outgoing[]) => {
      let reply: unknown;
      try {
        reply = await settleWithin(
          sendBatch(client, queueUrl, batch),
          timeoutMs,
          () => new Error(`SendMessageBatch did not answer within ${timeoutMs} ms`),
        );
      } catch (error) {
        const why = describe(error);
        for (const entry of batch) {
          if (last) fail(entry.index, why);
          else retry.push(entry);
        }
        return;
      }
      const unconfirmed = unconfirmedEntries(reply, batch.length, 'SendMessageBatch');
      const ids = messageIds(reply);
      for (const [i, entry] of batch.entries()) {
        const failure = unconfirmed.get(i);
        const messageId = ids.get(String(i));
        if (failure === undefined && messageId !== undefined) {
          outcomes[entry.index] = { status: 'sent', index: entry.index, messageId, offloaded: entry.offloaded };
        } else if (failure === undefined) {
          fail(entry.index, 'SQS confirmed the entry without a MessageId');
        } else if (failure.senderFault || last) {
          fail(entry.index, failure.error);
        } else {
          retry.push(entry);
        }
      }
    };
    const batches = pack(pending, maxBatchBytes);
    if (fifo) for (const batch of batches) await sendOne(batch);
    else await Promise.all(batches.map(sendOne));
    if (retry.length > 0) {
      const delay = (options.retryDelayMs ?? SEND_DEFAULTS.retryDelayMs) * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * delay));
    }
    pending = retry.sort((a, b) => a.index - b.index);
  }
  return outcomes;
}

/** The message as it will be sent (its body offloaded when it must be), or why it cannot be. */
async function prepare(
  message: MessageToSend,
  index: number,
  large: SendLargePayloadOptions | undefined,
  traceparent: string | undefined,
  timeoutMs: number,
): Promise<Outgoing | string> {
  const { body } = message;
  if (typeof body !== 'string' || body === '') return 'Not sent: SQS carries only a body that is a non-empty string';
  const attributes: Record<string, AttributeValue> = { ...message.messageAttributes };
  const room = () => Object.keys(attributes).length < MAX_MESSAGE_ATTRIBUTES;
  if (traceparent !== undefined && !('traceparent' in attributes) && room()) {
    attributes.traceparent = { DataType: 'String', StringValue: traceparent };
  }
  const bytes = messageBytes(body, attributes);
  const threshold = large?.thresholdBytes ?? SEND_DEFAULTS.thresholdBytes;
  if (large === undefined || !(large.alwaysThroughS3 === true || bytes > threshold)) {
    return { index, body, attributes, ...fields(message), bytes, offloaded: false };
  }
  if (!room() && !(SIZE_ATTRIBUTE in attributes)) {
    return `Not sent: the body must go to S3, and the pointer needs one of the ${MAX_MESSAGE_ATTRIBUTES} message attributes`;
  }
  attributes[SIZE_ATTRIBUTE] = { DataType: 'Number', StringValue: String(Buffer.byteLength(body, 'utf8')) };
  const pointer = { bucket: large.bucket, key: nodeCrypto().randomUUID() };
  try {
    const { PutObjectCommand } = await loadS3Sdk();
    await settleWithin(
      large.s3.send(new PutObjectCommand({ Bucket: pointer.bucket, Key: pointer.key, Body: body }) as never),
      timeoutMs,
      () => new GivenUp(`S3 did not answer PutObject within ${timeoutMs} ms`),
    );
  } catch (error) {
    return `Not sent: its body could not be put in S3 bucket ${JSON.stringify(large.bucket)}: ${describe(error)}`;
  }
  const pointerText = pointerBody(pointer);
  return {
    index,
    body: pointerText,
    attributes,
    ...fields(message),
    bytes: messageBytes(pointerText, attributes),
    offloaded: true,
  };
}

/** The message's own entry fields. */
function fields(message: MessageToSend): Omit<BatchEntry, 'body' | 'attributes'> {
  return {
    group: message.messageGroupId,
    deduplicationId: message.messageDeduplicationId,
    delaySeconds: message.delaySeconds,
  };
}

/** Entries in order, in requests of at most 10 entries and `maxBatchBytes` (next fit: order is kept). */
function pack(entries: readonly Outgoing[], maxBatchBytes: number): Outgoing[][] {
  const batches: Outgoing[][] = [];
  let current: Outgoing[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + entry.bytes > maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** `MessageId` by entry `Id`, from a reply `unconfirmedEntries` has read. */
function messageIds(reply: unknown): Map<string, string> {
  const ids = new Map<string, string>();
  try {
    for (const item of (reply as { Successful?: unknown[] }).Successful ?? []) {
      const { Id, MessageId } = item as { Id?: unknown; MessageId?: unknown };
      if (typeof Id === 'string' && typeof MessageId === 'string' && MessageId !== '') ids.set(Id, MessageId);
    }
  } catch {
    // A reply that cannot be read gives no ids: its entries are not confirmed.
  }
  return ids;
}

/** The `traceparent` of the active OpenTelemetry span, when there is one and `@opentelemetry/api` is installed. */
async function activeTraceparent(): Promise<string | undefined> {
  try {
    const { context, propagation, trace } = await import('@opentelemetry/api').catch(() => ({}) as never);
    if (trace?.getSpan(context.active()) === undefined) return undefined;
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return carrier.traceparent;
  } catch {
    return undefined;
  }
}

/** Why a call failed, in one line. */
function describe(error: unknown): string {
  return error instanceof GivenUp ? error.message : describeFailure(error);
}
