import type { Feature, InvocationStart } from '../contracts/hooks.js';
import { InvalidOptionsError, RecordValidationError } from '../errors.js';
import { describeValue, rejectUnknownKeys } from '../optionChecks.js';
import { queueNameOf } from '../recordFields.js';
import type { BatchResult, RecordOutcome, RecordStatus } from '../types.js';
import {
  abbreviated,
  dimensionNameProblem,
  dimensionValueProblem,
  namespaceProblem,
  toDimensionValue,
} from './cloudWatchNames.js';
import { quietly } from './quietly.js';
import { stdio } from './stdio.js';

/**
 * Anything that collects metrics like the Powertools `Metrics` class:
 * `addMetric(name, unit, value)`, and, when present, `addDimension` and
 * `publishStoredMetrics`.
 *
 * @example
 * ```ts
 * import { Metrics } from '@aws-lambda-powertools/metrics';
 * import type { MetricsSink } from 'sqs-partial-batch';
 *
 * const metrics: MetricsSink = new Metrics({ namespace: 'Orders', serviceName: 'orders' });
 * ```
 */
export interface MetricsSink {
  addMetric(name: string, unit: never, value: number): void;
  addDimension?(name: string, value: string): void;
  publishStoredMetrics?(): void;
}

/**
 * The `metrics` option: where each invocation's counts go.
 * - `{ namespace, dimensions? }`: one CloudWatch Embedded Metric Format
 *   document per invocation, written to stdout (CloudWatch turns it into
 *   metrics; no dependency, no API call).
 * - a Powertools `Metrics` instance (any {@link MetricsSink}): the metrics are
 *   added to it and published at the end of the invocation, together with
 *   the ones your function added.
 *
 * @example
 * ```ts
 * import { createBatchHandler, type MetricsOption } from 'sqs-partial-batch';
 *
 * const metrics: MetricsOption = { namespace: 'Orders', dimensions: { Service: 'checkout' } };
 * export const handler = createBatchHandler(async () => {}, { metrics });
 * ```
 */
export type MetricsOption =
  | {
      /** The CloudWatch namespace, e.g. `'Orders'`. */
      readonly namespace: string;
      /** Dimensions added to every metric, beside `QueueName`. @default {} */
      readonly dimensions?: Readonly<Record<string, string>> | undefined;
    }
  | MetricsSink;

/**
 * The metrics written per invocation, with their units. The `Records*`
 * counts sort each record by its final outcome, so they sum to `BatchSize`.
 * `InvalidBodies` counts records whose body could not be read (bad JSON, the
 * wrong envelope, refused by the schema) whatever the failure policy then
 * did with them (reported, dead-lettered or dropped): alarm on it to see bad
 * producers even when invalid records are parked. `RecordsOffloaded`
 * (written only with `largePayloads`) counts records whose body was fetched
 * from S3; it is not one of the `Records*` counts that sum to `BatchSize`.
 *
 * @example
 * ```ts
 * import { METRIC_NAMES } from 'sqs-partial-batch';
 *
 * console.log(METRIC_NAMES.failed); // 'RecordsFailed'
 * ```
 */
export const METRIC_NAMES = Object.freeze({
  succeeded: 'RecordsSucceeded',
  failed: 'RecordsFailed',
  invalid: 'RecordsInvalid',
  skipped: 'RecordsNotRun',
  duplicate: 'RecordsDuplicate',
  'dead-lettered': 'RecordsDeadLettered',
  dropped: 'RecordsDropped',
  batchSize: 'BatchSize',
  duration: 'BatchDuration',
  oldestAge: 'OldestRecordAge',
  invalidBodies: 'InvalidBodies',
  offloaded: 'RecordsOffloaded',
  shortCircuited: 'RecordsShortCircuited',
  circuitOpen: 'CircuitOpen',
} as const satisfies Record<
  | RecordStatus
  | 'batchSize'
  | 'duration'
  | 'oldestAge'
  | 'invalidBodies'
  | 'offloaded'
  | 'shortCircuited'
  | 'circuitOpen',
  string
>);

/** The dimension every metric carries: the queue's name, from the event source ARN. */
export const QUEUE_NAME_DIMENSION = 'QueueName';

const STATUSES = ['succeeded', 'failed', 'invalid', 'skipped', 'duplicate', 'dead-lettered', 'dropped'] as const;

/** CloudWatch allows 30 dimensions per metric; `QueueName` takes one. */
const MAX_USER_DIMENSIONS = 29;

interface Measured {
  readonly queueName: string;
  readonly values: ReadonlyArray<readonly [name: string, unit: 'Count' | 'Milliseconds', value: number]>;
}

/** Checks the `metrics` option and returns the feature that writes them. */
export function metricsFeature(option: unknown): Feature | undefined {
  if (option === undefined) return undefined;
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new InvalidOptionsError(
      `Expected \`metrics\` to be \`{ namespace, dimensions? }\` or a Powertools Metrics instance, got ${describeValue(option)}`,
    );
  }
  if (isSink(option)) return sinkFeature(option);
  const input = option as Record<string, unknown>;
  rejectUnknownKeys(input, ['namespace', 'dimensions'], 'metrics.');
  const { namespace, dimensions = {} } = input;
  const badNamespace = namespaceProblem(namespace);
  if (badNamespace !== undefined) {
    throw new InvalidOptionsError(
      `Expected \`metrics.namespace\` to be a CloudWatch namespace (1 to 255 printable ASCII characters, not blank, not starting with \`AWS/\`), got ${describeText(namespace)}${typeof namespace === 'string' ? `: it is ${badNamespace}` : ''}`,
    );
  }
  if (typeof dimensions !== 'object' || dimensions === null || Array.isArray(dimensions)) {
    throw new InvalidOptionsError(
      `Expected \`metrics.dimensions\` to be an object of string values, got ${describeValue(dimensions)}`,
    );
  }
  const entries = Object.entries(dimensions);
  for (const [name, value] of entries) checkDimension(name, value);
  if (entries.length > MAX_USER_DIMENSIONS) {
    throw new InvalidOptionsError(
      `Expected at most ${MAX_USER_DIMENSIONS} \`metrics.dimensions\` (CloudWatch allows 30 per metric, one is \`${QUEUE_NAME_DIMENSION}\`), got ${entries.length}`,
    );
  }
  // The values as checked: read once (a getter could answer differently the second time).
  return emfFeature(namespace as string, Object.freeze(Object.fromEntries(entries) as Record<string, string>));
}

/** True for an object with an `addMetric` method; false (not a throw) when reading it throws. */
function isSink(option: object): option is MetricsSink {
  try {
    return typeof (option as { addMetric?: unknown }).addMetric === 'function';
  } catch {
    return false;
  }
}

/** Names a user dimension cannot take: the document's metadata, the handler's own dimension, its metrics. */
const RESERVED_NAMES: ReadonlyMap<string, string> = new Map<string, string>([
  ['_aws', 'the Embedded Metric Format metadata of the document'],
  [QUEUE_NAME_DIMENSION, 'set by the handler from the event source ARN'],
  ...Object.values(METRIC_NAMES).map((name) => [name, 'the name of a metric the handler writes'] as [string, string]),
]);

/** Checks one user dimension against CloudWatch's rules and the document's own names. */
function checkDimension(name: string, value: unknown): void {
  const reserved = RESERVED_NAMES.get(name);
  if (reserved !== undefined) {
    throw new InvalidOptionsError(`\`metrics.dimensions.${name}\` is ${reserved}; choose another name`);
  }
  const badName = dimensionNameProblem(name);
  if (badName !== undefined) {
    throw new InvalidOptionsError(
      `Expected each name in \`metrics.dimensions\` to be a CloudWatch dimension name (1 to 255 printable ASCII characters, not blank, not starting with \`:\`), got ${describeText(name)}: it is ${badName}`,
    );
  }
  const badValue = dimensionValueProblem(value);
  if (badValue !== undefined) {
    throw new InvalidOptionsError(
      `Expected \`metrics.dimensions.${name}\` to be a CloudWatch dimension value (1 to 1,024 printable ASCII characters, not blank), got ${describeText(value)}${typeof value === 'string' ? `: it is ${badValue}` : ''}`,
    );
  }
}

/** `describeValue`, with a long string cut to its start. */
function describeText(value: unknown): string {
  return describeValue(typeof value === 'string' ? abbreviated(value) : value);
}

/**
 * The environment variable that, set to `off`, stops the Embedded Metric
 * Format documents (for test runs; a Powertools `Metrics` sink is not
 * affected).
 */
const METRICS_SWITCH = 'SQS_PARTIAL_BATCH_METRICS';

/** Writes one Embedded Metric Format document per invocation to stdout. */
function emfFeature(namespace: string, dimensions: Readonly<Record<string, string>>): Feature {
  const names = [QUEUE_NAME_DIMENSION, ...Object.keys(dimensions)];
  return {
    start: (invocation) => ({
      answered(result) {
        const { queueName, values } = measure(invocation, result);
        const document: Record<string, unknown> = {
          _aws: {
            Timestamp: invocation.now(),
            CloudWatchMetrics: [
              {
                Namespace: namespace,
                Dimensions: [names],
                Metrics: values.map(([name, unit]) => ({ Name: name, Unit: unit })),
              },
            ],
          },
          ...dimensions,
          [QUEUE_NAME_DIMENSION]: queueName,
        };
        for (const [name, , value] of values) document[name] = value;
        // Tests turn the documents off (LOG_LEVEL does not concern them); read per invocation, so a test may set it late.
        if (process.env[METRICS_SWITCH] === 'off') return;
        stdio().log(JSON.stringify(document));
      },
    }),
  };
}

/**
 * Adds the metrics to a Powertools-style `Metrics` instance and publishes
 * them. Each call is made on its own, so one that throws costs only itself;
 * a promise one returns is never awaited, and its rejection is swallowed.
 */
function sinkFeature(sink: MetricsSink): Feature {
  return {
    start: (invocation) => ({
      answered(result) {
        const { queueName, values } = measure(invocation, result);
        quietly(() => sink.addDimension?.(QUEUE_NAME_DIMENSION, queueName));
        for (const [name, unit, value] of values) quietly(() => sink.addMetric(name, unit as never, value));
        quietly(() => sink.publishStoredMetrics?.());
      },
    }),
  };
}

/** Every metric of one invocation, zeros included. */
function measure(invocation: InvocationStart, result: BatchResult): Measured {
  const counts: Record<RecordStatus, number> = {
    succeeded: 0,
    failed: 0,
    invalid: 0,
    skipped: 0,
    duplicate: 0,
    'dead-lettered': 0,
    dropped: 0,
  };
  let invalidBodies = 0;
  for (const outcome of result.outcomes) {
    counts[outcome.status]++;
    if (isInvalidBody(outcome)) invalidBodies++;
  }
  const now = invocation.now();
  const values: Array<readonly [string, 'Count' | 'Milliseconds', number]> = STATUSES.map(
    (status) => [METRIC_NAMES[status], 'Count', counts[status]] as const,
  );
  values.push([METRIC_NAMES.batchSize, 'Count', result.outcomes.length]);
  values.push([METRIC_NAMES.invalidBodies, 'Count', invalidBodies]);
  if (invocation.offloaded !== undefined) values.push([METRIC_NAMES.offloaded, 'Count', invocation.offloaded()]);
  values.push([METRIC_NAMES.duration, 'Milliseconds', Math.max(0, now - invocation.startedAt)]);
  const circuit = invocation.circuit?.measure(result.outcomes, now);
  if (circuit !== undefined) {
    values.push([METRIC_NAMES.shortCircuited, 'Count', circuit[0]], [METRIC_NAMES.circuitOpen, 'Count', circuit[1]]);
  }
  const oldest = oldestSentAt(invocation);
  if (oldest !== undefined) values.push([METRIC_NAMES.oldestAge, 'Milliseconds', Math.max(0, now - oldest)]);
  // The name spans give the queue too, made a value CloudWatch accepts; `unknown` when the event source is not an SQS queue ARN.
  return { queueName: toDimensionValue(queueNameOf(invocation.records[0]?.eventSourceARN)), values };
}

/**
 * A record whose body could not be read: `invalid`, or parked (dead-lettered,
 * dropped) because of a validation error rather than a `PermanentError`.
 */
function isInvalidBody(outcome: RecordOutcome): boolean {
  if (outcome.status === 'invalid') return true;
  if (outcome.status !== 'dead-lettered' && outcome.status !== 'dropped') return false;
  return outcome.error instanceof RecordValidationError;
}

/** The earliest `SentTimestamp` of the batch, if any record has one. */
function oldestSentAt(invocation: InvocationStart): number | undefined {
  let oldest: number | undefined;
  for (const record of invocation.records) {
    const sent = Number(record.attributes?.SentTimestamp);
    if (Number.isFinite(sent) && sent > 0 && (oldest === undefined || sent < oldest)) oldest = sent;
  }
  return oldest;
}
