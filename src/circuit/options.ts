import type { SQSRecord } from 'aws-lambda';
import type { CircuitHost } from '../contracts/circuit.js';
import { InvalidOptionsError } from '../errors.js';
import type { SqsClientLike } from '../failurePolicy/options.js';
import { describeValue, rejectUnknownKeys } from '../optionChecks.js';
import type { CircuitStateStore } from './store.js';

/**
 * Options of a `CircuitBreaker`: when the downstream `processRecord` calls
 * is failing, stop calling it for a while instead of failing every record
 * (and moving the backlog towards the dead-letter queue). Every one has a
 * default. See docs/circuit-breaker.md for how to set them against the
 * queue's visibility timeout and `maxReceiveCount`.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import type { CircuitBreakerOptions } from 'sqs-partial-batch/circuit-breaker';
 *
 * const options: CircuitBreakerOptions = { client: new SQSClient({}), failureThreshold: 10, openSeconds: 60 };
 * ```
 */
export interface CircuitBreakerOptions {
  /** Opens after this many counted failures in a row. @default 5 */
  readonly failureThreshold?: number | undefined;
  /** Opens when this share (0 to 1] of the records of the last `windowSeconds` failed, once there are `minimumRecords`. @default 0.5 */
  readonly failureRate?: number | undefined;
  /** Records the window needs before `failureRate` applies. @default 20 */
  readonly minimumRecords?: number | undefined;
  /** The window `failureRate` looks at, in seconds. @default 60 */
  readonly windowSeconds?: number | undefined;
  /** How long it stays open the first time, in seconds; doubled each time a probe fails. @default 120 */
  readonly openSeconds?: number | undefined;
  /** The longest it stays open, in seconds (at most 43,200, SQS's longest visibility timeout). @default 900 */
  readonly maxOpenSeconds?: number | undefined;
  /** Records let through to probe once the open period is over: they all succeed, it closes; one fails, it opens again. @default 1 */
  readonly halfOpenRecords?: number | undefined;
  /**
   * Which failures count, for a record `processRecord` failed (threw,
   * rejected, returned a failure, or, in Lambda, ran out of time). Invalid
   * bodies, duplicates and records that did not run never count. A
   * predicate that throws counts nothing.
   * @default every error but a `PermanentError`
   */
  readonly countsAs?: ((error: unknown, record: SQSRecord) => boolean) | undefined;
  /**
   * Lambda only (`createBatchHandler`): when the circuit is open before any
   * record of the invocation ran, `'error'` throws a `CircuitOpenError`, so
   * the event source mapping slows its polling and fewer receives are spent;
   * `'report'` returns every record in `batchItemFailures` instead (no
   * function error, polling at full rate).
   * @default 'error'
   */
  readonly whenOpen?: 'error' | 'report' | undefined;
  /**
   * Lambda only: an `SQSClient` to set the visibility of records not run, so
   * they come back when the circuit may close rather than after the queue's
   * visibility timeout (needs `sqs:ChangeMessageVisibility`). Without it
   * (and without `backoff`), each open period spends a receive per visibility timeout.
   * @default `backoff.client` when `backoff` is set
   */
  readonly client?: SqsClientLike | undefined;
  /**
   * Share the circuit between instances (every Lambda execution
   * environment, every container) through Redis or DynamoDB, so that they
   * open together: `RedisCircuitStateStore` or `DynamoDBCircuitStateStore`.
   * @default undefined (each process keeps its own circuit)
   */
  readonly store?: CircuitStateStore | undefined;
  /** The circuit's name in the store: handlers that call the same downstream may share one. @default 'default' */
  readonly name?: string | undefined;
  /** Longest a store call may take, in ms; a store that fails or is late lets records run. @default 200 */
  readonly storeTimeoutMs?: number | undefined;
}

/**
 * The defaults of {@link CircuitBreakerOptions}.
 *
 * @example
 * ```ts
 * import { CIRCUIT_BREAKER_DEFAULTS } from 'sqs-partial-batch/circuit-breaker';
 *
 * console.log(CIRCUIT_BREAKER_DEFAULTS.openSeconds); // 120
 * ```
 */
export const CIRCUIT_BREAKER_DEFAULTS = Object.freeze({
  failureThreshold: 5,
  failureRate: 0.5,
  minimumRecords: 20,
  windowSeconds: 60,
  openSeconds: 120,
  maxOpenSeconds: 900,
  halfOpenRecords: 1,
  whenOpen: 'error',
  name: 'default',
  storeTimeoutMs: 200,
} as const);

/** {@link CircuitBreakerOptions} checked, with every default applied. */
export interface ResolvedCircuitBreaker {
  readonly failureThreshold: number;
  readonly failureRate: number;
  readonly minimumRecords: number;
  readonly windowSeconds: number;
  readonly openSeconds: number;
  readonly maxOpenSeconds: number;
  readonly halfOpenRecords: number;
  readonly countsAs: ((error: unknown, record: SQSRecord) => boolean) | undefined;
  /** `undefined` when not given (the default, `'error'`, applies to handlers). */
  readonly whenOpen: 'error' | 'report' | undefined;
  readonly client: SqsClientLike | undefined;
  readonly store: CircuitStateStore | undefined;
  readonly name: string;
  readonly storeTimeoutMs: number;
}

/** Settings only some hosts take, and why the others refuse them. */
const HOST_KEYS: Record<'whenOpen' | 'client', { readonly hosts: readonly CircuitHost[]; readonly why: string }> = {
  whenOpen: { hosts: ['handler'], why: 'of createBatchHandler only: the processor and the consumer never throw' },
  client: {
    hosts: ['handler', 'processor'],
    why: 'not taken by the consumer: it releases records not run with its own client',
  },
};

/** [key, minimum, maximum, integer] of each numeric setting. */
const NUMBERS: ReadonlyArray<readonly [keyof typeof CIRCUIT_BREAKER_DEFAULTS, number, number, boolean]> = [
  ['failureThreshold', 1, 1e6, true],
  ['failureRate', Number.MIN_VALUE, 1, false],
  ['minimumRecords', 1, 1e9, true],
  ['windowSeconds', 1, 86_400, false],
  ['openSeconds', 1, 43_200, false],
  ['maxOpenSeconds', 1, 43_200, false],
  ['halfOpenRecords', 1, 1e4, true],
  ['storeTimeoutMs', 1, 60_000, false],
];

/**
 * Checks the options of a `CircuitBreaker` and applies defaults. `whenOpen`
 * and `client` stay `undefined` when not given: the host decides (see {@link checkHost}).
 */
export function resolveCircuitBreaker(option: unknown): ResolvedCircuitBreaker {
  const input = (option ?? {}) as Record<string, unknown>;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidOptionsError(`Expected the CircuitBreaker options to be an object, got ${describeValue(option)}`);
  }
  rejectUnknownKeys(
    input,
    [...NUMBERS.map(([key]) => key), 'countsAs', 'store', 'name', ...Object.keys(HOST_KEYS)],
    '',
  );
  const resolved: Record<string, unknown> = { ...CIRCUIT_BREAKER_DEFAULTS };
  for (const [key, min, max, integer] of NUMBERS) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
      throw new InvalidOptionsError(
        `Expected \`${key}\` to be ${integer ? 'an integer' : 'a number'} ${min === Number.MIN_VALUE ? 'above 0' : `from ${min}`} to ${max}, got ${describeValue(value)}`,
      );
    }
    resolved[key] = value;
  }
  const { countsAs, whenOpen, client, store, name } = input;
  check(countsAs === undefined || typeof countsAs === 'function', 'countsAs', 'a function', countsAs);
  check(
    whenOpen === undefined || whenOpen === 'error' || whenOpen === 'report',
    'whenOpen',
    "`'error'` or `'report'`",
    whenOpen,
  );
  check(client === undefined || hasMethods(client, ['send']), 'client', 'an SQSClient (an object with `send`)', client);
  check(
    store === undefined || hasMethods(store, ['read', 'write']),
    'store',
    'a circuit state store (with `read` and `write`)',
    store,
  );
  check(
    name === undefined || (typeof name === 'string' && name !== '' && name.length <= 256),
    'name',
    'a string of 1 to 256 characters',
    name,
  );
  if ((resolved.maxOpenSeconds as number) < (resolved.openSeconds as number)) {
    throw new InvalidOptionsError(
      `Expected \`maxOpenSeconds\` (${resolved.maxOpenSeconds}) to be at least \`openSeconds\` (${resolved.openSeconds})`,
    );
  }
  return {
    ...(resolved as unknown as ResolvedCircuitBreaker),
    countsAs: countsAs as ResolvedCircuitBreaker['countsAs'],
    whenOpen: whenOpen as 'error' | 'report' | undefined,
    client: client as SqsClientLike | undefined,
    store: store as CircuitStateStore | undefined,
    name: (name as string | undefined) ?? CIRCUIT_BREAKER_DEFAULTS.name,
  };
}

function check(ok: boolean, key: string, expected: string, value: unknown): void {
  if (!ok) throw new InvalidOptionsError(`Expected \`${key}\` to be ${expected}, got ${describeValue(value)}`);
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  );
}

/** Throws `InvalidOptionsError` when the breaker has a setting `host` does not take. */
export function checkHost(settings: ResolvedCircuitBreaker, host: CircuitHost): void {
  for (const key of ['whenOpen', 'client'] as const) {
    const { hosts, why } = HOST_KEYS[key];
    if (settings[key] !== undefined && !hosts.includes(host)) {
      throw new InvalidOptionsError(`\`circuitBreaker\` has \`${key}\`, which is ${why}`);
    }
  }
}
