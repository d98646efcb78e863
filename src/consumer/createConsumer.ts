import { checkProcessRecord, createEngine } from '../engine.js';
import type { SqsClientLike } from '../failurePolicy/options.js';
import { registerReader } from '../largePayloads/register.js';
import type { StandardSchemaV1 } from '../standardSchema.js';
import type { BodyOf, Envelope, ProcessRecord } from '../types.js';
import { type ConsumerOptions, resolveConsumerOptions, SHARED_KEYS } from './options.js';
import { Poller } from './poller.js';
import type { ConsumerStatus } from './status.js';

/**
 * A running SQS consumer, made by {@link createConsumer}.
 *
 * @example
 * ```ts
 * import { createConsumer, type Consumer } from 'sqs-partial-batch/consumer';
 *
 * const consumer: Consumer = createConsumer(async (record) => console.log(record.messageId), {
 *   queueUrl: process.env.QUEUE_URL!,
 * });
 * process.once('SIGTERM', () => void consumer.stop());
 * await consumer.start();
 * ```
 */
export interface Consumer {
  /**
   * Starts receiving. Resolves once the consumer has stopped (by `stop()`
   * or its `signal`) and drained, as `stop()` does; calling it again returns
   * the same promise. Rejects, after draining, when the consumer cannot go
   * on: with `ConsumerQueueError` when the queue cannot be used (it does not
   * exist, access is denied), with the error that says
   * `@aws-sdk/client-sqs` is missing, or with whatever else stopped it
   * (`status().error` tells the same). A failing, hanging or garbled SQS
   * call does not stop it: it is retried.
   */
  start(): Promise<void>;
  /**
   * Stops: no new receive and no new record; running records get
   * `shutdownTimeoutMs` to finish (then their signals abort and they count
   * as failed); records received but not run, and whatever receives in flight
   * return, are released (visibility 0). Resolves when drained: nothing
   * running, every deletion and release answered; and at the latest
   * `max(shutdownTimeoutMs, waitTimeSeconds × 1000 + sqsCallTimeoutMs) + sqsCallTimeoutMs`
   * after it was called, whatever SQS does (what is still unanswered then is
   * given up: those messages come back). Safe to call more than once, and
   * before `start()`.
   */
  stop(): Promise<void>;
  /** Counts and the time of the last successful receive, for a liveness probe. */
  status(): ConsumerStatus;
}

/**
 * Creates a consumer that polls an SQS queue itself and runs `processRecord`
 * for each message, the same function (and options) a Lambda handler from
 * `createBatchHandler` takes, for containers (ECS, EKS, EC2) and other
 * long-running processes. Each `ReceiveMessage` result runs through the same
 * engine as a Lambda batch: schema validation, FIFO order, idempotency, the
 * failure policy and logging behave the same. Records that succeed (or are
 * duplicates, dead-lettered or dropped) are deleted with `DeleteMessageBatch`;
 * failures are left to come back (or delayed by `backoff`).
 *
 * @param processRecord - Called once per valid record with the typed record and
 *   `{ signal, logger }` (`context` is `undefined`: there is no Lambda context).
 *   Return to succeed; throw anything to fail the record.
 * @param options - See {@link ConsumerOptions}; `queueUrl` is required. Checked now.
 * @returns The consumer: `start()`, `stop()` and `status()`.
 * @throws `InvalidOptionsError` when an option is unknown, has a bad value, or
 *   belongs to the Lambda handler only (`timeoutMarginMs`, `throwOnFullBatchFailure`).
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { createConsumer } from 'sqs-partial-batch/consumer';
 * import { z } from 'zod';
 *
 * const Order = z.object({ orderId: z.string() });
 * const consumer = createConsumer(async (record, { signal }) => {
 *   await fetch(`https://example.com/orders/${record.body.orderId}`, { method: 'POST', signal });
 * }, { queueUrl: process.env.QUEUE_URL!, client: new SQSClient({}), schema: Order, concurrency: 50 });
 *
 * process.once('SIGTERM', () => void consumer.stop());
 * await consumer.start();
 * ```
 */
export function createConsumer<
  Schema extends StandardSchemaV1 | undefined = undefined,
  Env extends Envelope | undefined = undefined,
>(processRecord: ProcessRecord<BodyOf<Schema, Env>>, options: ConsumerOptions<Schema, Env>): Consumer {
  checkProcessRecord(processRecord);
  // A container has no bundle size to keep: `largePayloads` works without importing its entry.
  if ((options as { largePayloads?: unknown } | undefined)?.largePayloads !== undefined) registerReader();
  let poller: Poller | undefined;
  // `backoff` and `deadLetter` without a client of their own use the consumer's, made when it starts.
  const consumerClient: SqsClientLike = {
    send: (command, sendOptions) => (poller as Poller).client.send(command, sendOptions),
  };
  const { own, shared } = resolveConsumerOptions(options, consumerClient);
  poller = new Poller(createEngine(processRecord, shared, { allowedKeys: SHARED_KEYS, keepsSuccesses: true }), own);
  const running = poller;
  return Object.freeze({
    start: () => running.start(),
    stop: () => running.stop(),
    status: () => running.status(),
  });
}
