import { type AttachedCircuit, CIRCUIT, type CircuitSource } from './contracts/circuit.js';
import type { Feature } from './contracts/hooks.js';
import { InvalidOptionsError } from './errors.js';
import {
  type BackoffOptions,
  type DeadLetterOptions,
  FAILURE_DEFAULTS,
  type PermanentFailureAction,
  type ResolvedFailurePolicy,
  resolveFailurePolicy,
  type SqsClientLike,
} from './failurePolicy/options.js';
import {
  IDEMPOTENCY_DEFAULTS,
  type IdempotencyOptions,
  type ResolvedIdempotency,
  resolveIdempotency,
} from './idempotency/options.js';
import type { LargePayloadOptions } from './largePayloads/options.js';
import { type LargePayloads, largePayloadsOption } from './largePayloads/registry.js';
import { resolveLogger } from './observability/logging.js';
import { type MetricsOption, metricsFeature } from './observability/metrics.js';
import { isTracer, type TracerLike, tracingFeature } from './observability/tracingOption.js';
import { describeValue, finiteAtLeast, integerIn, isLogger, rejectUnknownKeys } from './optionChecks.js';
import type { StandardSchemaV1 } from './standardSchema.js';
import type { BatchLogger, BodyOf, Envelope, FifoFailureMode } from './types.js';

/**
 * Options of {@link createBatchProcessor}; {@link createBatchHandler} takes
 * these and `throwOnFullBatchFailure`.
 *
 * @example
 * ```ts
 * import type { BatchProcessorOptions } from 'sqs-partial-batch';
 *
 * const options: BatchProcessorOptions = { concurrency: 4, fifoFailure: 'stop-group' };
 * ```
 */
export interface BatchProcessorOptions<
  Schema extends StandardSchemaV1 | undefined = undefined,
  Env extends Envelope | undefined = undefined,
> {
  /**
   * A Standard Schema (zod, valibot, arktype, …) for the body. When set, the
   * body is parsed as JSON (after unwrapping the envelope) and validated,
   * asynchronously if the schema is async; `record.body` is the schema's
   * output. A record that fails is reported as `invalid` and not processed.
   * @default undefined (the body is the raw string)
   */
  readonly schema?: Schema | undefined;
  /**
   * Unwrap an SNS notification (`'sns'`: the JSON inside `Message`) or an
   * EventBridge event (`'eventbridge'`: its `detail`) before validation.
   * @default undefined (the body is the payload)
   */
  readonly envelope?: Env | undefined;
  /**
   * How many records may run at once. `1` runs them one at a time in event
   * order. On FIFO queues a message group never has more than one record in
   * flight, whatever this is.
   * @default 1
   */
  readonly concurrency?: number | undefined;
  /**
   * On FIFO queues, what a failure stops: `'stop-batch'` starts no further
   * record; `'stop-group'` skips the rest of the failed record's group only.
   * Records not started are reported as failures, so order is kept.
   * @default 'stop-batch'
   */
  readonly fifoFailure?: FifoFailureMode | undefined;
  /**
   * When the Lambda context says fewer than this many milliseconds remain, no
   * record starts, `signal` aborts and the handler returns, reporting every
   * record that has not succeeded. Ignored without a context.
   * @default 1000
   */
  readonly timeoutMarginMs?: number | undefined;
  /**
   * Where records that did not succeed are logged: one line per record, by
   * its final outcome (`error` for failed and invalid records, `warn` for
   * records not run), with its `messageId`, never its body. Any object with
   * `debug`, `info`, `warn` and `error` fits: the Powertools Logger, pino,
   * `console`. `ctx.logger` is a child of it that adds the record's
   * `messageId` (and `messageGroupId`) to every line. `false` logs nothing.
   * @default a JSON logger on stdout and stderr (one object per line, level from `AWS_LAMBDA_LOG_LEVEL`)
   */
  readonly logger?: BatchLogger | false | undefined;
  /**
   * Run each record's work once per key, across redeliveries and duplicate
   * sends, with a pluggable store. See {@link IdempotencyOptions}.
   * @default undefined (no idempotency)
   */
  readonly idempotency?: IdempotencyOptions<BodyOf<Schema, Env>> | undefined;
  /**
   * Delay the next delivery of failed records exponentially with
   * `ChangeMessageVisibilityBatch`. See {@link BackoffOptions}.
   * @default undefined (failed records come back after the queue's visibility timeout)
   */
  readonly backoff?: BackoffOptions | undefined;
  /**
   * What to do with a record that can never succeed (a `PermanentError`, or
   * an invalid body): `'retry'`, `'dead-letter'` (needs `deadLetter`) or `'drop'`.
   * @default 'retry'
   */
  readonly onPermanentFailure?: PermanentFailureAction | undefined;
  /** Where `onPermanentFailure: 'dead-letter'` sends records. */
  readonly deadLetter?: DeadLetterOptions | undefined;
  /**
   * Per-invocation metrics: `RecordsSucceeded`, `RecordsFailed`,
   * `RecordsInvalid`, `RecordsNotRun`, `RecordsDuplicate`,
   * `RecordsDeadLettered`, `RecordsDropped` (they sum to `BatchSize`),
   * `BatchSize`, `BatchDuration` and `OldestRecordAge`, with the dimension
   * `QueueName`. `{ namespace, dimensions? }` writes one CloudWatch Embedded
   * Metric Format document per invocation to stdout; a Powertools `Metrics`
   * instance gets them added and published. See {@link MetricsOption}.
   * @default undefined (no metrics)
   */
  readonly metrics?: MetricsOption | undefined;
  /**
   * An OpenTelemetry `Tracer` (`trace.getTracer('orders')` from
   * `@opentelemetry/api`, which must then be installed). Each record that
   * runs gets a `CONSUMER` span `process <queue name>` with the messaging
   * semantic conventions' attributes and links to its producer; the span is
   * active while `processRecord` runs, so spans started inside are its
   * children. `@opentelemetry/api` is loaded only when this is set.
   * @default undefined (no spans, and no OpenTelemetry code loaded)
   */
  readonly tracer?: TracerLike | undefined;
  /**
   * Read bodies offloaded to S3 in the AWS extended-client format (Java,
   * Python, Powertools, `sendMessages`): `{ s3?, allowedBuckets,
   * deleteAfterSuccess?, maxBytes?, timeoutMs? }`. See {@link LargePayloadOptions}.
   * Its values are checked at creation; the reader is imported on demand
   * (the first invocation waits for it), and `@aws-sdk/client-s3` is loaded
   * on the first pointer.
   * @default undefined (a pointer body is parsed as it is)
   */
  readonly largePayloads?: LargePayloadOptions | undefined;
  /**
   * Stop running records while the downstream they call is failing: after
   * `failureThreshold` failures in a row (or a `failureRate`), records are
   * not run for `openSeconds` (doubling up to `maxOpenSeconds`), then a few
   * probe whether it is back. Records not run are reported (skipped, reason
   * `'circuit-open'`) and, with an SQS client, come back when the circuit
   * may close. A `new CircuitBreaker(options)` from
   * `sqs-partial-batch/circuit-breaker`; handlers given the same one share
   * its circuit. See docs/circuit-breaker.md.
   * @default undefined (no circuit breaker, and none of its code bundled)
   */
  readonly circuitBreaker?: CircuitSource | undefined;
}

/**
 * Options of {@link createBatchHandler}.
 *
 * @example
 * ```ts
 * import type { BatchHandlerOptions } from 'sqs-partial-batch';
 *
 * const options: BatchHandlerOptions = { concurrency: 8, throwOnFullBatchFailure: false };
 * ```
 */
export interface BatchHandlerOptions<
  Schema extends StandardSchemaV1 | undefined = undefined,
  Env extends Envelope | undefined = undefined,
> extends BatchProcessorOptions<Schema, Env> {
  /**
   * When every record of a non-empty batch fails, throw a
   * `FullBatchFailureError` instead of returning every id, so that Lambda
   * counts an error and its retry and scaling behaviour applies.
   * @default true
   */
  readonly throwOnFullBatchFailure?: boolean | undefined;
}

/**
 * The defaults of every option that has one.
 *
 * @example
 * ```ts
 * import { DEFAULTS } from 'sqs-partial-batch';
 *
 * console.log(DEFAULTS.timeoutMarginMs); // 1000
 * console.log(DEFAULTS.idempotency.ttlSeconds); // 86400
 * ```
 */
export const DEFAULTS = Object.freeze({
  concurrency: 1,
  fifoFailure: 'stop-batch',
  timeoutMarginMs: 1000,
  throwOnFullBatchFailure: true,
  idempotency: IDEMPOTENCY_DEFAULTS,
  onPermanentFailure: FAILURE_DEFAULTS.onPermanentFailure,
  backoff: FAILURE_DEFAULTS.backoff,
} as const);

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly schema: StandardSchemaV1 | undefined;
  readonly envelope: Envelope | undefined;
  readonly concurrency: number;
  readonly fifoFailure: FifoFailureMode;
  readonly timeoutMarginMs: number;
  /** The logger to write to; `undefined` for `logger: false`. */
  readonly logger: BatchLogger | undefined;
  readonly idempotency: ResolvedIdempotency | undefined;
  readonly failurePolicy: ResolvedFailurePolicy;
  readonly largePayloads: LargePayloads | undefined;
  /** What the observability options turned on (and the circuit breaker's loading). */
  readonly features: readonly Feature[];
  /** The circuit breaker, when `circuitBreaker` is set. */
  readonly circuit: AttachedCircuit | undefined;
  /** Handler only (the processor never throws for failed records). */
  readonly throwOnFullBatchFailure: boolean;
}

/** Keys `createBatchProcessor` accepts. */
export const PROCESSOR_KEYS = [
  'schema',
  'envelope',
  'concurrency',
  'fifoFailure',
  'timeoutMarginMs',
  'logger',
  'idempotency',
  'backoff',
  'onPermanentFailure',
  'deadLetter',
  'metrics',
  'tracer',
  'largePayloads',
  'circuitBreaker',
] as const;
/** Keys `createBatchHandler` accepts. */
export const HANDLER_KEYS = [...PROCESSOR_KEYS, 'throwOnFullBatchFailure'] as const;
/**
 * Keys that only mean something inside Lambda (a deadline to keep, an error
 * to throw to Lambda): hosts that run the engine elsewhere (the consumer)
 * take every other processor key, with the same meaning.
 */
export const LAMBDA_ONLY_KEYS = ['timeoutMarginMs', 'throwOnFullBatchFailure'] as const;

/**
 * Checks options and applies defaults. Throws `InvalidOptionsError` for an
 * unknown key or a bad value.
 */
export function resolveOptions(options: unknown, allowedKeys: readonly string[] = PROCESSOR_KEYS): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionsError(`Expected options to be an object, got ${describeValue(options)}`);
  }
  const input = options as Record<string, unknown>;
  rejectUnknownKeys(input, allowedKeys);
  const {
    schema,
    envelope,
    concurrency,
    fifoFailure,
    timeoutMarginMs,
    logger,
    throwOnFullBatchFailure,
    idempotency,
    tracer,
  } = input;
  if (schema !== undefined && !isStandardSchema(schema)) {
    throw new InvalidOptionsError(
      `Expected \`schema\` to be a Standard Schema (an object with a \`~standard.validate\` function, such as a zod, valibot or arktype schema), got ${describeValue(schema)}`,
    );
  }
  if (envelope !== undefined && envelope !== 'sns' && envelope !== 'eventbridge') {
    throw new InvalidOptionsError(
      `Expected \`envelope\` to be \`'sns'\` or \`'eventbridge'\`, got ${describeValue(envelope)}`,
    );
  }
  integerIn('concurrency', concurrency, 1, Number.MAX_SAFE_INTEGER);
  if (fifoFailure !== undefined && fifoFailure !== 'stop-batch' && fifoFailure !== 'stop-group') {
    throw new InvalidOptionsError(
      `Expected \`fifoFailure\` to be \`'stop-batch'\` or \`'stop-group'\`, got ${describeValue(fifoFailure)}`,
    );
  }
  finiteAtLeast('timeoutMarginMs', timeoutMarginMs, 0);
  if (logger !== undefined && logger !== false && !isLogger(logger)) {
    throw new InvalidOptionsError(
      `Expected \`logger\` to be an object with \`debug\`, \`info\`, \`warn\` and \`error\` methods, or \`false\`, got ${describeValue(logger)}`,
    );
  }
  if (tracer !== undefined && !isTracer(tracer)) {
    throw new InvalidOptionsError(
      `Expected \`tracer\` to be an OpenTelemetry Tracer (an object with \`startSpan\` and \`startActiveSpan\` methods, from \`trace.getTracer(name)\`), got ${describeValue(tracer)}`,
    );
  }
  if (throwOnFullBatchFailure !== undefined && typeof throwOnFullBatchFailure !== 'boolean') {
    throw new InvalidOptionsError(
      `Expected \`throwOnFullBatchFailure\` to be a boolean, got ${describeValue(throwOnFullBatchFailure)}`,
    );
  }
  const resolvedLogger = resolveLogger(logger as BatchLogger | false | undefined);
  const largePayloads = largePayloadsOption(input.largePayloads);
  const failurePolicy = resolveFailurePolicy(input);
  const circuit =
    input.circuitBreaker === undefined
      ? undefined
      : attachCircuit(input.circuitBreaker, allowedKeys, resolvedLogger, failurePolicy.backoff?.client);
  return {
    schema: schema as StandardSchemaV1 | undefined,
    envelope: envelope as Envelope | undefined,
    concurrency: (concurrency as number | undefined) ?? DEFAULTS.concurrency,
    fifoFailure: (fifoFailure as FifoFailureMode | undefined) ?? DEFAULTS.fifoFailure,
    timeoutMarginMs: (timeoutMarginMs as number | undefined) ?? DEFAULTS.timeoutMarginMs,
    logger: resolvedLogger,
    idempotency: resolveIdempotency(idempotency),
    failurePolicy,
    largePayloads,
    features: [
      metricsFeature(input.metrics),
      tracer === undefined ? undefined : tracingFeature(tracer, resolvedLogger),
      // The reader is imported on demand: the first invocation waits for it like a feature.
      largePayloads?.ready === undefined ? undefined : { ready: largePayloads.ready, start: () => undefined },
    ].filter((feature): feature is Feature => feature !== undefined),
    circuit,
    throwOnFullBatchFailure: (throwOnFullBatchFailure as boolean | undefined) ?? DEFAULTS.throwOnFullBatchFailure,
  };
}

/** The circuit of a `CircuitBreaker` (its code stays in its own entry), attached to this engine. */
function attachCircuit(
  value: unknown,
  allowedKeys: readonly string[],
  logger: BatchLogger | undefined,
  backoffClient: SqsClientLike | undefined,
): AttachedCircuit {
  const attach = typeof value === 'object' && value !== null ? (value as Partial<CircuitSource>)[CIRCUIT] : undefined;
  if (typeof attach !== 'function') {
    throw new InvalidOptionsError(
      `Expected \`circuitBreaker\` to be a CircuitBreaker (sqs-partial-batch/circuit-breaker), got ${describeValue(value)}`,
    );
  }
  return attach.call(value, allowedKeys, logger, backoffClient);
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: { validate?: unknown } })['~standard'];
  return typeof props === 'object' && props !== null && typeof props.validate === 'function';
}
