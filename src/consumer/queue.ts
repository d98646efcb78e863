import type { SQSClient } from '@aws-sdk/client-sqs';
import { describeError } from '../errors.js';
import { MAX_VISIBILITY_SECONDS, type SqsClientLike } from '../failurePolicy/options.js';
import type { FailedEntry } from '../sqs.js';
import { settleWithin } from '../util.js';
import { ConsumerQueueError } from './errors.js';
import type { RecordSource } from './records.js';

type SqsHelpers = typeof import('../sqs.js');

/** What the consumer reads from the queue's attributes when it starts. */
export interface QueueInfo extends RecordSource {
  readonly url: string;
  /** The visibility timeout received messages get, in seconds. */
  readonly visibilityTimeoutSeconds: number;
  readonly fifo: boolean;
}

/** The reason a bounded SQS call failed: it did not answer in time (and was aborted). */
export class SqsCallTimeout extends Error {
  override readonly name = 'SqsCallTimeout';

  constructor(call: string, ms: number) {
    super(`SQS did not answer ${call} within ${ms} ms`);
  }
}

/**
 * The consumer's calls to its queue, each bounded: a call that does not
 * answer within its time rejects with `SqsCallTimeout`, and its request is
 * aborted. `@aws-sdk/client-sqs` is reached through `sqs-partial-batch/sqs`,
 * which loads it on first use, so the core never imports it.
 */
export class QueueCalls {
  private constructor(
    readonly client: SqsClientLike,
    readonly url: string,
    /** How long a call may take (a receive: on top of its long poll). */
    readonly callTimeoutMs: number,
    private readonly sqs: SqsHelpers,
    private readonly sdk: Awaited<ReturnType<SqsHelpers['loadSqsSdk']>>,
    /** Whether the consumer made the client (and destroys it when it stops). */
    readonly ownsClient: boolean,
  ) {}

  /** Loads the SDK and makes the client when none was given. */
  static async open(client: SqsClientLike | undefined, url: string, callTimeoutMs: number): Promise<QueueCalls> {
    const sqs = await import('../sqs.js');
    const sdk = await sqs.loadSqsSdk();
    return client === undefined
      ? new QueueCalls(new sdk.SQSClient({}), url, callTimeoutMs, sqs, sdk, true)
      : new QueueCalls(client, url, callTimeoutMs, sqs, sdk, false);
  }

  /** The queue's ARN, region, visibility timeout and type; SQS's defaults for attributes it does not send. */
  async describe(): Promise<QueueInfo> {
    const answer = await this.bounded('GetQueueAttributes', this.callTimeoutMs, (client) =>
      client.send(
        new this.sdk.GetQueueAttributesCommand({
          QueueUrl: this.url,
          AttributeNames: ['QueueArn', 'VisibilityTimeout', 'FifoQueue'],
        }) as never,
      ),
    );
    const attributes = (answer as { Attributes?: unknown } | null | undefined)?.Attributes ?? {};
    if (typeof answer !== 'object' || answer === null || typeof attributes !== 'object' || attributes === null) {
      throw new Error('SQS answered GetQueueAttributes without an `Attributes` object');
    }
    const { QueueArn, VisibilityTimeout, FifoQueue } = attributes as Record<string, unknown>;
    const arn = typeof QueueArn === 'string' ? QueueArn : '';
    const visibility = Number(VisibilityTimeout);
    return {
      url: this.url,
      arn,
      region: arn.split(':')[3] ?? '',
      visibilityTimeoutSeconds:
        Number.isSafeInteger(visibility) && visibility >= 0 && visibility <= MAX_VISIBILITY_SECONDS
          ? visibility
          : DEFAULT_VISIBILITY_SECONDS,
      fifo: FifoQueue === 'true' || arn.endsWith('.fifo'),
    };
  }

  /**
   * One `ReceiveMessage` with every attribute Lambda's records carry,
   * bounded by its long poll plus `callTimeoutMs`. Answers what SQS
   * answered, unread: see `readReceiveAnswer`.
   */
  receive(max: number, waitTimeSeconds: number, visibilityTimeoutSeconds: number | undefined): Promise<unknown> {
    return this.bounded('ReceiveMessage', waitTimeSeconds * 1000 + this.callTimeoutMs, (client) =>
      client.send(
        new this.sdk.ReceiveMessageCommand({
          QueueUrl: this.url,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitTimeSeconds,
          ...(visibilityTimeoutSeconds === undefined ? {} : { VisibilityTimeout: visibilityTimeoutSeconds }),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }) as never,
      ),
    );
  }

  /** `DeleteMessageBatch`, 10 per call, within `timeoutMs`; entries SQS did not confirm are returned. */
  delete(receiptHandles: readonly string[], timeoutMs: number): Promise<FailedEntry[]> {
    return this.bounded('DeleteMessageBatch', timeoutMs, (client) =>
      this.sqs.deleteMessages(client, this.url, receiptHandles),
    );
  }

  /** `ChangeMessageVisibilityBatch`, 10 per call, within `timeoutMs`; entries SQS did not confirm are returned. */
  changeVisibility(
    entries: ReadonlyArray<{ receiptHandle: string; seconds: number }>,
    timeoutMs: number,
  ): Promise<FailedEntry[]> {
    return this.bounded('ChangeMessageVisibilityBatch', timeoutMs, (client) =>
      this.sqs.changeVisibility(client, this.url, entries),
    );
  }

  /** Destroys the client if the consumer made it. */
  close(): void {
    if (this.ownsClient) (this.client as SQSClient).destroy();
  }

  /**
   * Settles like `call`, or rejects with `SqsCallTimeout` after `ms` and
   * aborts the requests `call` made (the AWS SDK takes an `abortSignal`).
   */
  private bounded<T>(name: string, ms: number, call: (client: SqsClientLike) => PromiseLike<T>): Promise<T> {
    const controller = new AbortController();
    const send = this.client.send.bind(this.client) as (command: unknown, options?: unknown) => Promise<unknown>;
    const client: SqsClientLike = {
      send: ((command: unknown, options?: object) =>
        send(command, { ...options, abortSignal: controller.signal })) as SqsClientLike['send'],
    };
    let started: PromiseLike<T>;
    try {
      started = call(client);
    } catch (error) {
      return Promise.reject(error);
    }
    return settleWithin(started, ms, () => {
      const timeout = new SqsCallTimeout(name, ms);
      controller.abort(timeout);
      return timeout;
    });
  }
}

/** SQS's default visibility timeout, for a queue whose attributes do not say. */
const DEFAULT_VISIBILITY_SECONDS = 30;

/** Errors SQS answers when retrying cannot help: the queue is missing, or the caller may not use it. */
const FATAL = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'InvalidAddress',
  'InvalidSecurity',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'KmsAccessDenied',
  'KmsDisabled',
  'KmsNotFound',
  'KmsInvalidKeyUsage',
  'KmsOptInRequired',
]);

/** A `ConsumerQueueError` when `error` means the queue cannot be used at all, else `undefined` (retry). */
export function fatalError(error: unknown, queueUrl: string): ConsumerQueueError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = $metadata?.httpStatusCode;
  if (!(typeof name === 'string' && FATAL.has(name)) && status !== 403) return undefined;
  return new ConsumerQueueError(queueUrl, describeError(error), { cause: error });
}

/** Receive retries: from `BASE_MS`, doubling, capped at `CAP_MS`. */
const RETRY_BASE_MS = 250;
const RETRY_CAP_MS = 10_000;

/**
 * How long to wait before the `attempt`-th retry of a failed receive:
 * exponential, capped, with "equal jitter" (half fixed, half random), so
 * consumers that failed together do not retry together, and no wait is near zero.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(attempt - 1, 30));
  return exponential / 2 + random() * (exponential / 2);
}
