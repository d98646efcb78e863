import { SqsPartialBatchError } from '../errors.js';

/**
 * The consumer cannot use its queue: it does not exist, access to it (or to
 * its KMS key) is denied, or the credentials are refused. Retrying cannot
 * help, so `start()` rejects with this error after the consumer has stopped
 * and released what it held. `cause` is the error SQS answered with.
 *
 * @example
 * ```ts
 * import { ConsumerQueueError, createConsumer } from 'sqs-partial-batch/consumer';
 *
 * try {
 *   await createConsumer(async () => {}, { queueUrl: process.env.QUEUE_URL! }).start();
 * } catch (error) {
 *   if (error instanceof ConsumerQueueError) console.error(`cannot use ${error.queueUrl}: ${error.reason}`);
 *   process.exitCode = 1;
 * }
 * ```
 */
export class ConsumerQueueError extends SqsPartialBatchError {
  override readonly name = 'ConsumerQueueError' as const;
  readonly code = 'CONSUMER_QUEUE' as const;

  constructor(
    /** The queue the consumer was given. */
    readonly queueUrl: string,
    /** What SQS said, e.g. `QueueDoesNotExist` or `AccessDenied`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The consumer cannot use queue ${queueUrl}: ${reason.replace(/\.+$/, '')}. Check that the queue exists in the client's region and that the consumer's role may call sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on it`,
      options,
    );
  }
}

/**
 * The reason a record's `signal` aborts when the consumer was stopped and
 * the record was still running after `shutdownTimeoutMs`. The record is then
 * reported as failed and its message comes back after its visibility timeout.
 *
 * @example
 * ```ts
 * import { createConsumer, ShutdownTimeoutError } from 'sqs-partial-batch/consumer';
 *
 * const consumer = createConsumer(async (record, { signal }) => {
 *   await fetch('https://example.com/slow', { signal }).catch((error) => {
 *     if (signal.reason instanceof ShutdownTimeoutError) console.warn('stopped mid-record');
 *     throw error;
 *   });
 * }, { queueUrl: process.env.QUEUE_URL! });
 * ```
 */
export class ShutdownTimeoutError extends SqsPartialBatchError {
  override readonly name = 'ShutdownTimeoutError' as const;
  readonly code = 'SHUTDOWN_TIMEOUT' as const;
}

/**
 * The reason a record's `signal` aborts when the consumer could not extend
 * the record's visibility timeout (or its idempotency claim) before it ran
 * out: SQS may deliver the message to another consumer while this one still
 * runs it, so the record should stop.
 *
 * @example
 * ```ts
 * import { createConsumer, VisibilityLostError } from 'sqs-partial-batch/consumer';
 *
 * const consumer = createConsumer(async (record, { signal }) => {
 *   signal.addEventListener('abort', () => {
 *     if (signal.reason instanceof VisibilityLostError) console.warn(signal.reason.message);
 *   });
 * }, { queueUrl: process.env.QUEUE_URL! });
 * ```
 */
export class VisibilityLostError extends SqsPartialBatchError {
  override readonly name = 'VisibilityLostError' as const;
  readonly code = 'VISIBILITY_LOST' as const;

  constructor(
    /** The record's messageId. */
    readonly messageId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Record ${JSON.stringify(messageId)}: ${detail}; another consumer may receive it, so it should stop`,
      options,
    );
  }
}
