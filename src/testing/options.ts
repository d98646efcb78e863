import {
  booleanOption,
  checkGroupId,
  describeValue,
  functionOption,
  integerIn,
  invalid,
  numberIn,
  optionsObject,
} from './checks.js';
import type { SimulationResult } from './result.js';

/**
 * Options of {@link QueueSimulator}; every one has a default. They are
 * checked like the event source mapping and queue settings AWS accepts: a
 * setting that SQS or Lambda would refuse throws `InvalidOptionsError`.
 *
 * @example
 * ```ts
 * import { QueueSimulator, type QueueSimulatorOptions } from 'sqs-partial-batch/testing';
 *
 * const options: QueueSimulatorOptions = { seed: 7, fifo: true, maxReceiveCount: 3, batchSize: 10, maxConcurrency: 5 };
 * const sim = new QueueSimulator(options);
 * ```
 */
export interface QueueSimulatorOptions {
  /** Seed of every random choice (ids, duplicates, faults): an integer. @default 1 */
  readonly seed?: number | undefined;
  /**
   * A FIFO queue; every message then needs a group id.
   * @default true when `queueName` ends in `.fifo`, else false
   */
  readonly fifo?: boolean | undefined;
  /**
   * Queue name: up to 80 letters, digits, `-` and `_`, plus `.fifo` for a
   * FIFO queue (added when `fifo` is true and the name lacks it).
   * @default 'simulated'
   */
  readonly queueName?: string | undefined;
  /**
   * Visibility timeout of the queue, whole seconds up to 43,200. At least
   * `functionTimeoutSeconds`, as Lambda requires of an event source mapping
   * (AWS recommends 6 times the function timeout).
   * @default 30
   */
  readonly visibilityTimeoutSeconds?: number | undefined;
  /**
   * Redrive policy: deliveries (1 to 1,000) before the next receive moves a
   * message to the DLQ.
   * @default undefined (no DLQ)
   */
  readonly maxReceiveCount?: number | undefined;
  /**
   * Event source mapping batch size: 1 to 10,000 on a standard queue (above
   * 10 only with a `batchWindowSeconds` of at least 1), 1 to 10 on a FIFO queue.
   * @default 10
   */
  readonly batchSize?: number | undefined;
  /**
   * Event source mapping batching window, whole seconds up to 300: wait this
   * long for a full batch. Standard queues only.
   * @default 0
   */
  readonly batchWindowSeconds?: number | undefined;
  /** Invocations at once (the event source mapping's maximum concurrency, or reserved concurrency): 1 to 1,000. @default 5 */
  readonly maxConcurrency?: number | undefined;
  /** Function timeout, whole seconds from 1 to 900; a handler still running then has timed out. @default 30 */
  readonly functionTimeoutSeconds?: number | undefined;
  /**
   * Standard queues: share of receives (0 to 1) after which a copy of the
   * message is delivered again: at once (often to a concurrent invocation) or
   * later within the visibility timeout, with its own receive count. FIFO
   * queues deliver no duplicates, so it must stay 0 there.
   * @default 0
   */
  readonly duplicateRate?: number | undefined;
  /**
   * Share of invocations (0 to 1) whose execution environment dies at a
   * random moment before replying (out of memory, a crashed runtime): the
   * reply is lost and the whole batch comes back after the visibility timeout.
   * @default 0
   */
  readonly crashRate?: number | undefined;
  /** Simulated start time (epoch ms, an integer >= 0). @default 1_767_225_600_000 (2026-01-01) */
  readonly startTime?: number | undefined;
}

/**
 * Options of {@link QueueSimulator.run}.
 *
 * @example
 * ```ts
 * import type { RunOptions } from 'sqs-partial-batch/testing';
 *
 * const options: RunOptions = { maxSimulatedMs: 3_600_000, progressEvery: 100, onProgress: (r) => console.log(r.deletions) };
 * ```
 */
export interface RunOptions {
  /** Stop after this much simulated time (ms, >= 0), even if messages remain. @default no limit */
  readonly maxSimulatedMs?: number | undefined;
  /** Called with the results so far every `progressEvery` invocations, and once more at the end. */
  readonly onProgress?: ((result: SimulationResult) => void) | undefined;
  /** Invocations between two `onProgress` calls: an integer >= 1. @default 500 */
  readonly progressEvery?: number | undefined;
  /**
   * Real milliseconds (>= 1) an invocation may wait on something other than
   * the simulated clock (real I/O) before the run fails as stalled.
   * @default 10000
   */
  readonly stallMs?: number | undefined;
}

/**
 * Options of {@link QueueSimulator.send}.
 *
 * @example
 * ```ts
 * import { QueueSimulator, type SendOptions } from 'sqs-partial-batch/testing';
 *
 * const sim = new QueueSimulator({ fifo: true });
 * const options: SendOptions = { groupId: 'customer-7' };
 * sim.send({ orderId: 'o-1' }, options);
 * ```
 */
export interface SendOptions {
  /** FIFO queues: the message group id (1 to 128 characters), required there. */
  readonly groupId?: string | undefined;
}

/** Simulator options with every default applied and every rule checked. */
export interface ResolvedSimulatorOptions {
  readonly seed: number;
  readonly fifo: boolean;
  readonly queueName: string;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number | undefined;
  readonly batchSize: number;
  readonly batchWindowSeconds: number;
  readonly maxConcurrency: number;
  readonly functionTimeoutSeconds: number;
  readonly duplicateRate: number;
  readonly crashRate: number;
  readonly startTime: number;
}

const SIMULATOR_KEYS = [
  'seed',
  'fifo',
  'queueName',
  'visibilityTimeoutSeconds',
  'maxReceiveCount',
  'batchSize',
  'batchWindowSeconds',
  'maxConcurrency',
  'functionTimeoutSeconds',
  'duplicateRate',
  'crashRate',
  'startTime',
] as const;

const QUEUE_NAME = /^[A-Za-z0-9_-]+(\.fifo)?$/;

/** Checks `QueueSimulator` options and applies defaults; throws `InvalidOptionsError`. */
export function resolveSimulatorOptions(options: unknown): ResolvedSimulatorOptions {
  const input = optionsObject(options, 'QueueSimulator options', SIMULATOR_KEYS);
  const seed = integerIn('seed', input.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? 1;
  const name = input.queueName ?? 'simulated';
  if (typeof name !== 'string' || !QUEUE_NAME.test(name) || name.length > 80) {
    invalid(
      `Expected \`queueName\` to be 1 to 80 letters, digits, \`-\` or \`_\` (plus \`.fifo\` for a FIFO queue), got ${describeValue(name)}`,
    );
  }
  const fifo = booleanOption('fifo', input.fifo) ?? name.endsWith('.fifo');
  if (!fifo && name.endsWith('.fifo')) {
    invalid(
      `Expected \`queueName\` of a standard queue (\`fifo: false\`) not to end in .fifo, got ${describeValue(name)}`,
    );
  }
  const queueName = fifo && !name.endsWith('.fifo') ? `${name}.fifo` : name;
  if (queueName.length > 80) {
    invalid(`Expected \`queueName\` to be at most 80 characters with its .fifo suffix, got ${describeValue(name)}`);
  }
  const functionTimeoutSeconds = integerIn('functionTimeoutSeconds', input.functionTimeoutSeconds, 1, 900) ?? 30;
  const visibilityTimeoutSeconds =
    integerIn('visibilityTimeoutSeconds', input.visibilityTimeoutSeconds, 0, 43_200) ?? 30;
  if (visibilityTimeoutSeconds < functionTimeoutSeconds) {
    invalid(
      `Expected \`visibilityTimeoutSeconds\` to be at least \`functionTimeoutSeconds\` (${functionTimeoutSeconds}${input.functionTimeoutSeconds === undefined ? ', the default' : ''}), got ${describeValue(visibilityTimeoutSeconds)}: Lambda refuses an event source mapping whose queue's visibility timeout is shorter than the function timeout`,
    );
  }
  const batchSize =
    integerIn('batchSize', input.batchSize, 1, fifo ? 10 : 10_000, fifo ? ' on a FIFO queue' : '') ?? 10;
  const batchWindowSeconds = integerIn('batchWindowSeconds', input.batchWindowSeconds, 0, 300) ?? 0;
  if (fifo && batchWindowSeconds > 0) {
    invalid(
      `Expected \`batchWindowSeconds\` to be 0 on a FIFO queue (Lambda supports no batching window there), got ${describeValue(batchWindowSeconds)}`,
    );
  }
  if (batchSize > 10 && batchWindowSeconds < 1) {
    invalid(
      `Expected \`batchWindowSeconds\` to be at least 1 with a \`batchSize\` above 10 (${batchSize}), got ${describeValue(batchWindowSeconds)}: Lambda requires a batching window for batches larger than 10`,
    );
  }
  const duplicateRate = numberIn('duplicateRate', input.duplicateRate, 0, 1) ?? 0;
  if (fifo && duplicateRate > 0) {
    invalid(
      `Expected \`duplicateRate\` to be 0 on a FIFO queue (FIFO queues deliver no duplicates), got ${describeValue(duplicateRate)}`,
    );
  }
  return {
    seed,
    fifo,
    queueName,
    visibilityTimeoutSeconds,
    maxReceiveCount: integerIn('maxReceiveCount', input.maxReceiveCount, 1, 1000),
    batchSize,
    batchWindowSeconds,
    maxConcurrency: integerIn('maxConcurrency', input.maxConcurrency, 1, 1000) ?? 5,
    functionTimeoutSeconds,
    duplicateRate,
    crashRate: numberIn('crashRate', input.crashRate, 0, 1) ?? 0,
    startTime: integerIn('startTime', input.startTime, 0, Number.MAX_SAFE_INTEGER) ?? 1_767_225_600_000,
  };
}

/** {@link RunOptions} with defaults applied. */
export interface ResolvedRunOptions {
  readonly maxSimulatedMs: number;
  readonly onProgress: ((result: SimulationResult) => void) | undefined;
  readonly progressEvery: number;
  readonly stallMs: number;
}

/** Checks the handler and options of `QueueSimulator.run`; throws `InvalidOptionsError`. */
export function resolveRunOptions(handler: unknown, options: unknown): ResolvedRunOptions {
  if (typeof handler !== 'function') {
    invalid(`Expected \`handler\` to be a Lambda handler function, got ${describeValue(handler)}`);
  }
  const input = optionsObject(options, 'run options', ['maxSimulatedMs', 'onProgress', 'progressEvery', 'stallMs']);
  return {
    maxSimulatedMs:
      numberIn('maxSimulatedMs', input.maxSimulatedMs, 0, Number.POSITIVE_INFINITY) ?? Number.POSITIVE_INFINITY,
    onProgress: functionOption('onProgress', input.onProgress),
    progressEvery: integerIn('progressEvery', input.progressEvery, 1, Number.MAX_SAFE_INTEGER) ?? 500,
    stallMs: numberIn('stallMs', input.stallMs, 1, Number.POSITIVE_INFINITY) ?? 10_000,
  };
}

/** Checks the options of `QueueSimulator.send`; returns the group id. */
export function resolveSendOptions(options: unknown, fifo: boolean): string | undefined {
  const input = optionsObject(options, 'send options', ['groupId']);
  if (input.groupId === undefined) {
    if (fifo) invalid('A FIFO queue needs a group id for every message: pass `{ groupId }` to `send`');
    return undefined;
  }
  if (!fifo) {
    invalid('Expected no `groupId` on a standard queue: message groups are for FIFO queues (set `fifo: true`)');
  }
  return checkGroupId('groupId', input.groupId);
}
