import type {
  GetQueueAttributesCommandOutput,
  Message,
  ReceiveMessageCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SqsClientLike } from 'sqs-partial-batch';
import type { FailedEntry } from 'sqs-partial-batch/sqs';
import { describeError } from '../errors.js';
import { ConsumerQueueError } from './errors.js';
import type { RecordSource } from './records.js';

type SqsHelpers = typeof import('sqs-partial-batch/sqs');

/** What the consumer reads from the queue's attributes when it starts. */
export interface QueueInfo extends RecordSource {
  readonly url: string;
  /** The visibility timeout received messages get, in seconds. */
  readonly visibilityTimeoutSeconds: number;
  readonly fifo: boolean;
}

/**
 * The consumer's calls to its queue. `@aws-sdk/client-sqs` is reached
 * through `sqs-partial-batch/sqs`, which loads it on first use, so the core
 * never imports it.
 */
export class QueueCalls {
  private constructor(
    readonly client: SqsClientLike,
    readonly url: string,
    private readonly sqs: SqsHelpers,
    private readonly sdk: Awaited<ReturnType<SqsHelpers['loadSqsSdk']>>,
    /** Whether the consumer made the client (and destroys it when it stops). */
    readonly ownsClient: boolean,
  ) {}

  /** Loads the SDK and makes the client when none was given. */
  static async open(client: SqsClientLike | undefined, url: string): Promise<QueueCalls> {
    const sqs = await import('sqs-partial-batch/sqs');
    const sdk = await sqs.loadSqsSdk();
    return client === undefined
      ? new QueueCalls(new sdk.SQSClient({}), url, sqs, sdk, true)
      : new QueueCalls(client, url, sqs, sdk, false);
  }

  /** The queue's ARN, region, visibility timeout and type. */
  async describe(): Promise<QueueInfo> {
    const { Attributes = {} } = await this.send<GetQueueAttributesCommandOutput>(
      new this.sdk.GetQueueAttributesCommand({
        QueueUrl: this.url,
        AttributeNames: ['QueueArn', 'VisibilityTimeout', 'FifoQueue'],
      }),
    );
    const arn = Attributes.QueueArn ?? '';
    const visibility = Number(Attributes.VisibilityTimeout);
    return {
      url: this.url,
      arn,
      region: arn.split(':')[3] ?? '',
      visibilityTimeoutSeconds: Number.isFinite(visibility) && visibility >= 0 ? visibility : 30,
      fifo: Attributes.FifoQueue === 'true' || arn.endsWith('.fifo'),
    };
  }

  /**
   * One `ReceiveMessage` with every attribute Lambda's records carry. A
   * request that hangs well past its long poll is abandoned, so a dead
   * connection cannot hold the consumer's slots forever.
   */
  async receive(
    max: number,
    waitTimeSeconds: number,
    visibilityTimeoutSeconds: number | undefined,
  ): Promise<Message[]> {
    const { Messages = [] } = await this.send<ReceiveMessageCommandOutput>(
      new this.sdk.ReceiveMessageCommand({
        QueueUrl: this.url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitTimeSeconds,
        ...(visibilityTimeoutSeconds === undefined ? {} : { VisibilityTimeout: visibilityTimeoutSeconds }),
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: AbortSignal.timeout(waitTimeSeconds * 1000 + HUNG_RECEIVE_MS) },
    );
    return Messages;
  }

  /** `DeleteMessageBatch`, 10 per call; entries SQS refused are returned. */
  delete(receiptHandles: readonly string[]): Promise<FailedEntry[]> {
    return this.sqs.deleteMessages(this.client, this.url, receiptHandles);
  }

  /** `ChangeMessageVisibilityBatch`, 10 per call; entries SQS refused are returned. */
  changeVisibility(entries: ReadonlyArray<{ receiptHandle: string; seconds: number }>): Promise<FailedEntry[]> {
    return this.sqs.changeVisibility(this.client, this.url, entries);
  }

  /** Destroys the client if the consumer made it. */
  close(): void {
    if (this.ownsClient) (this.client as SQSClient).destroy();
  }

  private send<T>(command: { readonly input: unknown }, options?: { abortSignal: AbortSignal }): Promise<T> {
    return (this.client as unknown as { send(c: unknown, o?: unknown): Promise<T> }).send(command, options);
  }
}

/** How long past its long poll a receive may take before it counts as hung. */
const HUNG_RECEIVE_MS = 30_000;

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
