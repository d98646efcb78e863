import { InvalidOptionsError } from '../errors.js';
import type { BackoffOptions, DeadLetterOptions, SqsClientLike } from '../failurePolicy/options.js';
import { MAX_VISIBILITY_SECONDS } from '../failurePolicy/options.js';
import { describeValue, finiteAtLeast, hasSend, integerIn, rejectUnknownKeys } from '../optionChecks.js';
import type { BatchProcessorOptions } from '../options.js';
import { LAMBDA_ONLY_KEYS, PROCESSOR_KEYS } from '../options.js';
import type { StandardSchemaV1 } from '../standardSchema.js';
import type { Envelope, FifoFailureMode } from '../types.js';

/**
 * Options of {@link createConsumer}: the consumer's own (`queueUrl`,
 * `client`, `concurrency`, `batchSize`, `prefetch`, `waitTimeSeconds`,
 * `visibilityTimeoutSeconds`, `heartbeat`, `shutdownTimeoutMs`,
 * `sqsCallTimeoutMs`, `signal`),
 * and every option of `createBatchHandler` that means something outside
 * Lambda, with the same meaning: `schema`, `envelope`, `fifoFailure`,
 * `logger`, `idempotency`, `backoff`, `onPermanentFailure`, `deadLetter`.
 * The Lambda-only `timeoutMarginMs` and `throwOnFullBatchFailure` are refused.
 *
 * @example
 * ```ts
 * import type { ConsumerOptions } from 'sqs-partial-batch/consumer';
 *
 * const options: ConsumerOptions = { queueUrl: process.env.QUEUE_URL!, concurrency: 50, shutdownTimeoutMs: 20_000 };
 * ```
 */
export interface ConsumerOptions<
  Schema extends StandardSchemaV1 | undefined = undefined,
  Env extends Envelope | undefined = undefined,
> extends Omit<
    BatchProcessorOptions<Schema, Env>,
    'schema' | 'envelope' | 'concurrency' | 'fifoFailure' | 'timeoutMarginMs' | 'backoff' | 'deadLetter'
  > {
  /** The queue to consume, as `GetQueueUrl` or the console gives it. */
  readonly queueUrl: string;
  /**
   * An `SQSClient` of `@aws-sdk/client-sqs` (v3), for its region,
   * credentials and retry settings. The consumer needs
   * `sqs:ReceiveMessage`, `sqs:DeleteMessage`, `sqs:ChangeMessageVisibility`
   * and `sqs:GetQueueAttributes` on the queue.
   * @default new SQSClient({}) (region and credentials from the environment), destroyed when the consumer stops
   */
  readonly client?: SqsClientLike | undefined;
  /** See `createBatchHandler`'s `schema`: the body is parsed and validated before `processRecord` sees it. */
  readonly schema?: Schema | undefined;
  /** See `createBatchHandler`'s `envelope`: unwrap an SNS or EventBridge envelope first. */
  readonly envelope?: Env | undefined;
  /**
   * How many records may run at once across the whole consumer, whatever
   * each receive returns. The consumer receives into free slots, with
   * several receives in flight when the free slots allow, and one receive
   * ahead (`prefetch`) while every slot is busy. On
   * FIFO queues a message group never has more than one record running.
   * @default 10
   */
  readonly concurrency?: number | undefined;
  /**
   * On FIFO queues, what a failure stops (see `createBatchHandler`'s
   * `fifoFailure`): `'stop-group'` releases the failed record's group's
   * later records of the same receive; `'stop-batch'` releases every record
   * of the receive not started yet. A receive's batch is an accident of
   * timing here, so the default stops the group only. Every release counts
   * as a receive towards the queue's `maxReceiveCount`.
   * @default 'stop-group'
   */
  readonly fifoFailure?: FifoFailureMode | undefined;
  /**
   * Most messages one `ReceiveMessage` asks for (SQS's limit is 10).
   * @default 10
   */
  readonly batchSize?: number | undefined;
  /**
   * How many messages to receive ahead while every slot is busy, so the next
   * records start the moment slots free instead of after a receive's round
   * trip. Messages received ahead wait here, invisible (the heartbeat
   * extends them like any held message), start in the order they came, and
   * are given back without running on `stop()`. `0` receives only into free
   * slots. A message waiting here is one another consumer of the queue
   * cannot take: keep it small when records are slow.
   * @default `batchSize` (one receive ahead)
   */
  readonly prefetch?: number | undefined;
  /**
   * Long polling: how long a `ReceiveMessage` waits for messages, in seconds
   * (0 to 20). `stop()` waits for receives in flight (and gives back what
   * they return), so this also bounds how long stopping can take (see
   * `shutdownTimeoutMs`).
   * @default 20
   */
  readonly waitTimeSeconds?: number | undefined;
  /**
   * The visibility timeout received messages get, in seconds (1 to 43,200),
   * which the heartbeat extends while a record runs. Idempotency claims last
   * as long.
   * @default the queue's VisibilityTimeout attribute
   */
  readonly visibilityTimeoutSeconds?: number | undefined;
  /**
   * Extend the visibility timeout of records still held when about two
   * thirds of it is spent (one `ChangeMessageVisibilityBatch` call per
   * received batch), so a long record is never delivered to a second
   * consumer while it runs. A record whose extension SQS refuses, or whose
   * extensions keep failing (or not answering within `sqsCallTimeoutMs`)
   * until its visibility runs out, has its `signal` aborted with a
   * `VisibilityLostError`. Whatever the heartbeat does, a message received
   * again while it is still held here is never run beside the first run.
   * @default true
   */
  readonly heartbeat?: boolean | undefined;
  /**
   * After `stop()`, how long running records may take to finish before
   * their `signal` aborts (with a `ShutdownTimeoutError`) and they are
   * reported as failed. `stop()` settles at most
   * `max(shutdownTimeoutMs, waitTimeSeconds × 1000 + sqsCallTimeoutMs) + sqsCallTimeoutMs`
   * after it is called, whatever SQS does (30 s with the defaults): what is
   * still unanswered then (a deletion, a release) is given up, and its
   * message comes back after its visibility timeout.
   * @default 20000
   */
  readonly shutdownTimeoutMs?: number | undefined;
  /**
   * How long each SQS call the consumer makes may take, in milliseconds (1
   * to 300,000): `GetQueueAttributes`, `DeleteMessageBatch`,
   * `ChangeMessageVisibilityBatch` (heartbeat and releases), and a
   * `ReceiveMessage` on top of its long poll (`waitTimeSeconds`). A call
   * that does not answer in time counts as failed (and is aborted): it is
   * retried while that can help, a deletion or extension only while the
   * message's visibility lasts. The AWS SDK has no request timeout of its
   * own by default, and a connection dropped silently never answers. The
   * calls `backoff` and `deadLetter` make have their own bound.
   * @default 5000
   */
  readonly sqsCallTimeoutMs?: number | undefined;
  /** Stops the consumer when it aborts, like `stop()`. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Delay the next delivery of failed records exponentially (see
   * `createBatchHandler`'s `backoff`). `client` defaults to the consumer's,
   * and the queue is the consumer's.
   * @default undefined (failed records come back after the visibility timeout)
   */
  readonly backoff?: (Omit<BackoffOptions, 'client' | 'queueUrl'> & { readonly client?: SqsClientLike }) | undefined;
  /**
   * Where `onPermanentFailure: 'dead-letter'` sends records (see
   * `createBatchHandler`'s `deadLetter`). `client` defaults to the consumer's.
   */
  readonly deadLetter?: (Omit<DeadLetterOptions, 'client'> & { readonly client?: SqsClientLike }) | undefined;
}

/**
 * The defaults of the consumer's own options.
 *
 * @example
 * ```ts
 * import { CONSUMER_DEFAULTS } from 'sqs-partial-batch/consumer';
 *
 * console.log(CONSUMER_DEFAULTS.concurrency); // 10
 * ```
 */
export const CONSUMER_DEFAULTS = Object.freeze({
  concurrency: 10,
  fifoFailure: 'stop-group',
  batchSize: 10,
  waitTimeSeconds: 20,
  heartbeat: true,
  shutdownTimeoutMs: 20_000,
  sqsCallTimeoutMs: 5000,
} as const);

/** The most messages received ahead: more than a few receives' worth only hides them from other consumers. */
const MAX_PREFETCH = 1000;

/** The longest `sqsCallTimeoutMs`: a call that takes five minutes has failed. */
const MAX_SQS_CALL_TIMEOUT_MS = 300_000;

/** The consumer's own options, checked, with defaults applied. */
export interface ResolvedConsumerOptions {
  readonly queueUrl: string;
  readonly client: SqsClientLike | undefined;
  readonly batchSize: number;
  /** `undefined`: one receive ahead (the batch size the consumer uses). */
  readonly prefetch: number | undefined;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number | undefined;
  readonly heartbeat: boolean;
  readonly shutdownTimeoutMs: number;
  readonly sqsCallTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

const OWN_KEYS = [
  'queueUrl',
  'client',
  'batchSize',
  'prefetch',
  'waitTimeSeconds',
  'visibilityTimeoutSeconds',
  'heartbeat',
  'shutdownTimeoutMs',
  'sqsCallTimeoutMs',
  'signal',
] as const;

/** The handler's options a consumer takes, with their meaning: all but the Lambda-only ones. */
export const SHARED_KEYS: readonly string[] = PROCESSOR_KEYS.filter(
  (key) => !(LAMBDA_ONLY_KEYS as readonly string[]).includes(key),
);

const WHY_LAMBDA_ONLY: Record<(typeof LAMBDA_ONLY_KEYS)[number], string> = {
  timeoutMarginMs:
    'keeps a Lambda invocation within its deadline, and a consumer has none: use `shutdownTimeoutMs` for how long `stop()` lets running records finish',
  throwOnFullBatchFailure:
    'signals a failed batch to Lambda, and a consumer has no Lambda to tell: failed records come back after their visibility timeout',
};

/**
 * Checks the consumer's options. Answers its own, checked, and the options
 * to hand to the engine (every shared key, with the consumer's defaults and
 * its client and queue filled into `backoff` and `deadLetter`), which the
 * engine checks with the handler's rules.
 *
 * @param client - What `backoff` and `deadLetter` use when they name no client of their own.
 */
export function resolveConsumerOptions(
  options: unknown,
  client: SqsClientLike,
): { own: ResolvedConsumerOptions; shared: Record<string, unknown> } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionsError(
      `Expected options to be an object with at least a \`queueUrl\`, got ${describeValue(options)}`,
    );
  }
  const input = options as Record<string, unknown>;
  for (const key of LAMBDA_ONLY_KEYS) {
    if (key in input) {
      throw new InvalidOptionsError(`\`${key}\` is an option of createBatchHandler only: it ${WHY_LAMBDA_ONLY[key]}`);
    }
  }
  rejectUnknownKeys(input, [...OWN_KEYS, ...SHARED_KEYS]);
  const own = checkOwn(input);
  // The engine checks these with the handler's rules; the consumer's defaults differ.
  const shared: Record<string, unknown> = {
    concurrency: CONSUMER_DEFAULTS.concurrency,
    fifoFailure: CONSUMER_DEFAULTS.fifoFailure,
  };
  for (const key of SHARED_KEYS) if (input[key] !== undefined) shared[key] = input[key];
  if (shared.backoff !== undefined) shared.backoff = withClient('backoff', shared.backoff, own.client ?? client, own);
  if (shared.deadLetter !== undefined)
    shared.deadLetter = withClient('deadLetter', shared.deadLetter, own.client ?? client);
  return { own, shared };
}

function checkOwn(input: Record<string, unknown>): ResolvedConsumerOptions {
  const { queueUrl, client, batchSize, prefetch, waitTimeSeconds, visibilityTimeoutSeconds, heartbeat } = input;
  const { shutdownTimeoutMs, sqsCallTimeoutMs, signal } = input;
  if (typeof queueUrl !== 'string' || queueUrl === '') {
    throw new InvalidOptionsError(`Expected \`queueUrl\` to be a queue URL, got ${describeValue(queueUrl)}`);
  }
  if (client !== undefined && !hasSend(client)) {
    throw new InvalidOptionsError(
      `Expected \`client\` to be an SQSClient from @aws-sdk/client-sqs (an object with \`send\`), got ${describeValue(client)}`,
    );
  }
  integerIn('batchSize', batchSize, 1, 10);
  integerIn('prefetch', prefetch, 0, MAX_PREFETCH);
  integerIn('waitTimeSeconds', waitTimeSeconds, 0, 20);
  integerIn('visibilityTimeoutSeconds', visibilityTimeoutSeconds, 1, MAX_VISIBILITY_SECONDS);
  integerIn('sqsCallTimeoutMs', sqsCallTimeoutMs, 1, MAX_SQS_CALL_TIMEOUT_MS);
  if (heartbeat !== undefined && typeof heartbeat !== 'boolean') {
    throw new InvalidOptionsError(`Expected \`heartbeat\` to be a boolean, got ${describeValue(heartbeat)}`);
  }
  finiteAtLeast('shutdownTimeoutMs', shutdownTimeoutMs, 0);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionsError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`);
  }
  return {
    queueUrl,
    client: client as SqsClientLike | undefined,
    batchSize: (batchSize as number | undefined) ?? CONSUMER_DEFAULTS.batchSize,
    prefetch: prefetch as number | undefined,
    waitTimeSeconds: (waitTimeSeconds as number | undefined) ?? CONSUMER_DEFAULTS.waitTimeSeconds,
    visibilityTimeoutSeconds: visibilityTimeoutSeconds as number | undefined,
    heartbeat: (heartbeat as boolean | undefined) ?? CONSUMER_DEFAULTS.heartbeat,
    shutdownTimeoutMs: (shutdownTimeoutMs as number | undefined) ?? CONSUMER_DEFAULTS.shutdownTimeoutMs,
    sqsCallTimeoutMs: (sqsCallTimeoutMs as number | undefined) ?? CONSUMER_DEFAULTS.sqsCallTimeoutMs,
    signal: signal as AbortSignal | undefined,
  };
}

/** `backoff` or `deadLetter` with the consumer's client (and, for `backoff`, queue) filled in. */
function withClient(
  name: 'backoff' | 'deadLetter',
  value: unknown,
  client: SqsClientLike,
  own?: ResolvedConsumerOptions,
): unknown {
  // Anything but an object is left for the engine's checks to refuse, with their message.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const option = value as Record<string, unknown>;
  if (own !== undefined && option.queueUrl !== undefined) {
    throw new InvalidOptionsError(
      `\`${name}.queueUrl\` is not an option of the consumer: it delays messages of its own queue, \`queueUrl\``,
    );
  }
  return {
    ...option,
    client: option.client ?? client,
    ...(own === undefined ? {} : { queueUrl: own.queueUrl }),
  };
}
