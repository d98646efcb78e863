import type { RecordOutcome } from './types.js';

/**
 * Base class of every error this library throws or reports. Catch it to tell
 * our errors from your own; switch on `code` to tell them apart.
 *
 * @example
 * ```ts
 * import { SqsPartialBatchError } from 'sqs-partial-batch';
 *
 * try {
 *   await handler(event, context);
 * } catch (error) {
 *   if (error instanceof SqsPartialBatchError) console.error(error.code, error.message);
 * }
 * ```
 */
export abstract class SqsPartialBatchError extends Error {
  override readonly name: string = 'SqsPartialBatchError';
  /** A stable, machine-readable code, one per subclass. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * One problem found while validating a record body.
 *
 * @example
 * ```ts
 * import type { ValidationIssue } from 'sqs-partial-batch';
 *
 * const issue: ValidationIssue = { message: 'Expected number', path: ['lines', 0, 'quantity'] };
 * ```
 */
export interface ValidationIssue {
  /** What is wrong, as the schema (or JSON parser) said it. */
  readonly message: string;
  /** Where in the body it is wrong; empty for the body as a whole. */
  readonly path: readonly PropertyKey[];
}

/**
 * Which step of reading a body failed: `body` (not a string), `payload` (a
 * large-payload pointer that cannot be followed: malformed, a bucket not
 * allowed, an object missing or too large), `json`, `envelope` (not the
 * configured SNS or EventBridge shape) or `schema`.
 *
 * @example
 * ```ts
 * import { RecordValidationError } from 'sqs-partial-batch';
 *
 * const isBadJson = (error: unknown) => error instanceof RecordValidationError && error.stage === 'json';
 * ```
 */
export type ValidationStage = 'body' | 'payload' | 'json' | 'envelope' | 'schema';

/**
 * A record's body could not be read: it is not valid JSON, it is not the
 * envelope that was configured, or the schema rejected it. The record is
 * reported as a failure and `processRecord` is not called for it. Its
 * `stack` holds no frames (they would only name the library's parsing code).
 *
 * @example
 * ```ts
 * import { RecordValidationError } from 'sqs-partial-batch';
 *
 * for (const outcome of result.outcomes) {
 *   if (outcome.status === 'invalid' && outcome.error instanceof RecordValidationError) {
 *     console.log(outcome.error.messageId, outcome.error.issues);
 *   }
 * }
 * ```
 */
export class RecordValidationError extends SqsPartialBatchError {
  override readonly name = 'RecordValidationError' as const;
  readonly code = 'RECORD_VALIDATION' as const;
  /** The SQS messageId of the record. */
  readonly messageId: string;
  /** Every issue found, never empty. */
  readonly issues: readonly ValidationIssue[];
  /** The step that failed. */
  readonly stage: ValidationStage;

  readonly #unsafeCause: unknown;

  /**
   * @param issues - Copied into plain `{ message, path }` objects; whatever a
   *   schema returned (missing or throwing getters, `null` or object path
   *   segments) is read once, safely, so the constructor never throws.
   * @param options - `cause`, as for any error; `unsafeCause`, a value that
   *   may quote the body (what a schema threw), kept where only
   *   {@link RecordValidationError.unsafeCause} reads it.
   */
  constructor(
    messageId: string,
    stage: ValidationStage,
    issues: readonly ValidationIssue[],
    options?: { cause?: unknown; unsafeCause?: unknown },
  ) {
    const list = copyIssues(issues);
    const { unsafeCause, ...errorOptions } = options ?? {};
    // No stack frames: they would only name the library's parsing code, and capturing them was the
    // largest cost of an invalid body. `stage` and `issues` say what was wrong.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(
        `Record ${quote(messageId)} failed ${STAGE_LABEL[stage]}: ${list.map(formatIssue).join('; ')}`,
        options === undefined ? undefined : errorOptions,
      );
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.messageId = messageId;
    this.stage = stage;
    this.issues = list;
    this.#unsafeCause = unsafeCause;
  }

  /**
   * What the schema threw, as it threw it, when the schema threw (or
   * rejected) instead of answering; otherwise `undefined`. **It may quote the
   * body**: `JSON.parse` in a transform quotes the text it fails on, and a
   * refinement's own message may name a field's value. So it is not this
   * error's `cause`, and no message, log line or span of this library
   * contains any of its text. It is kept off the error's own properties, so
   * loggers and tracers that serialize errors whole never reach it: only code
   * that asks for it by name does. Reading it is the opt-in; send it only
   * where message bodies may go.
   *
   * @example
   * ```ts
   * import { RecordValidationError } from 'sqs-partial-batch';
   *
   * function debugSchema(error: unknown): void {
   *   if (error instanceof RecordValidationError && error.unsafeCause !== undefined) {
   *     // Only in a place that may hold message bodies (a local debugging session, not production logs).
   *     console.debug(error.unsafeCause);
   *   }
   * }
   * ```
   */
  get unsafeCause(): unknown {
    return this.#unsafeCause;
  }
}

const STAGE_LABEL: Record<ValidationStage, string> = {
  body: 'body checks',
  payload: 'large payload checks',
  json: 'JSON parsing',
  envelope: 'envelope checks',
  schema: 'schema validation',
};

/** Plain copies of a schema's issues, never empty; reading them never throws. */
function copyIssues(issues: unknown): ValidationIssue[] {
  const list: ValidationIssue[] = [];
  try {
    const count = Array.isArray(issues) ? issues.length : 0;
    for (let i = 0; i < count; i++) list.push(copyIssue((issues as readonly unknown[])[i]));
  } catch {
    list.push({ message: 'The schema returned issues that could not be read', path: [] });
  }
  if (list.length === 0) list.push({ message: 'Validation failed without issues', path: [] });
  return list;
}

function copyIssue(issue: unknown): ValidationIssue {
  const message = textOf(() => (issue as ValidationIssue).message, '(the issue message could not be read)');
  const path: PropertyKey[] = [];
  try {
    const segments = (issue as ValidationIssue).path as unknown;
    const count = Array.isArray(segments) ? segments.length : 0;
    for (let i = 0; i < count; i++) path.push(pathKey((segments as readonly unknown[])[i]));
  } catch {
    path.push('?');
  }
  return { message, path };
}

/** A path segment as a property key: Standard Schema's `{ key }` segments unwrapped, anything else as text. */
function pathKey(segment: unknown): PropertyKey {
  try {
    let key = segment;
    if (typeof key === 'object' && key !== null && 'key' in key) key = (key as { key: unknown }).key;
    if (typeof key === 'string' || typeof key === 'number' || typeof key === 'symbol') return key;
    return String(key);
  } catch {
    return '?';
  }
}

/** `read()` as text, or `fallback` when reading it or turning it into text throws. */
function textOf(read: () => unknown, fallback: string): string {
  try {
    const value = read();
    return typeof value === 'string' ? value : String(value);
  } catch {
    return fallback;
  }
}

/** A messageId quoted for a message. */
export function quote(messageId: string): string {
  return typeof messageId === 'string' ? JSON.stringify(messageId) : textOf(() => messageId, '?');
}

function formatIssue(issue: ValidationIssue): string {
  if (issue.path.length === 0) return issue.message;
  let path = '';
  for (const key of issue.path) {
    path += typeof key === 'number' ? `[${key}]` : `${path === '' ? '' : '.'}${String(key)}`;
  }
  return `${path}: ${issue.message}`;
}

/**
 * Every record of a non-empty batch failed, and `throwOnFullBatchFailure` is
 * on. Thrown by the handler so that Lambda counts an error and retries the
 * batch; `outcomes` tells what happened to each record.
 *
 * @example
 * ```ts
 * import { FullBatchFailureError } from 'sqs-partial-batch';
 *
 * try {
 *   await handler(event, context);
 * } catch (error) {
 *   if (error instanceof FullBatchFailureError) console.error(error.errors.map((e) => e.messageId));
 * }
 * ```
 */
export class FullBatchFailureError extends SqsPartialBatchError {
  override readonly name = 'FullBatchFailureError' as const;
  readonly code = 'FULL_BATCH_FAILURE' as const;
  /** What happened to each record, in event order. */
  readonly outcomes: readonly RecordOutcome[];
  /** Each record's error (for skipped records, the reason they were not run). */
  readonly errors: ReadonlyArray<{ readonly messageId: string; readonly error: unknown }>;

  constructor(outcomes: readonly RecordOutcome[]) {
    const errors = outcomes.map((outcome) => ({
      messageId: outcome.messageId,
      error:
        'error' in outcome
          ? outcome.error
          : `skipped (${outcome.status === 'skipped' ? outcome.reason : outcome.status})`,
    }));
    const first = errors[0];
    super(
      `All ${outcomes.length} records of the batch failed, so the whole batch is returned to the queue.` +
        (first ? ` First failure (${first.messageId}): ${describeError(first.error)}` : ''),
      { cause: first?.error },
    );
    this.outcomes = outcomes;
    this.errors = errors;
  }
}

/**
 * The event is not an SQS event this library can answer for: `Records` is
 * missing or not an array, or a record has no `messageId`. No partial
 * response could be trusted, so the handler throws.
 *
 * @example
 * ```ts
 * import { InvalidEventError } from 'sqs-partial-batch';
 *
 * await expect(handler({} as never)).rejects.toBeInstanceOf(InvalidEventError);
 * ```
 */
export class InvalidEventError extends SqsPartialBatchError {
  override readonly name = 'InvalidEventError' as const;
  readonly code = 'INVALID_EVENT' as const;
}

/**
 * An option passed to a factory is unknown or has a bad value. Thrown when the
 * factory is called (at cold start), never per invocation.
 *
 * @example
 * ```ts
 * import { createBatchHandler, InvalidOptionsError } from 'sqs-partial-batch';
 *
 * expect(() => createBatchHandler(() => {}, { concurrency: 0 })).toThrow(InvalidOptionsError);
 * ```
 */
export class InvalidOptionsError extends SqsPartialBatchError {
  override readonly name = 'InvalidOptionsError' as const;
  readonly code = 'INVALID_OPTIONS' as const;
}

/**
 * The invocation ran out of time (its remaining time fell below
 * `timeoutMarginMs`) before the record finished. It is the reason of the
 * `signal` handed to `processRecord`, and the error of records that were still
 * running when the handler returned.
 *
 * @example
 * ```ts
 * import { createBatchHandler, InvocationTimeoutError } from 'sqs-partial-batch';
 *
 * export const handler = createBatchHandler(async (record, { signal }) => {
 *   await fetch(url, { signal }); // rejects with InvocationTimeoutError as the reason
 * });
 * ```
 */
export class InvocationTimeoutError extends SqsPartialBatchError {
  override readonly name = 'InvocationTimeoutError' as const;
  readonly code = 'INVOCATION_TIMEOUT' as const;
}

/**
 * The circuit breaker was open when the invocation started, so no record
 * ran. A handler with `circuitBreaker: { whenOpen: 'error' }` (the default)
 * throws it, so that Lambda counts a function error and the event source
 * mapping slows its polling; the records return to the queue (when the
 * circuit may close, if the breaker could set their visibility).
 *
 * @example
 * ```ts
 * import { CircuitOpenError } from 'sqs-partial-batch';
 *
 * const isCircuitOpen = (error: unknown) => error instanceof CircuitOpenError && error.retryAfterSeconds > 0;
 * ```
 */
export class CircuitOpenError extends SqsPartialBatchError {
  override readonly name = 'CircuitOpenError' as const;
  readonly code = 'CIRCUIT_OPEN' as const;

  /**
   * @param retryAfterSeconds - Seconds until the circuit may let a record through again.
   */
  constructor(readonly retryAfterSeconds: number) {
    super(
      `The circuit breaker is open: no record of the batch ran, and they return to the queue (the circuit may close in ${retryAfterSeconds} s)`,
    );
  }
}

/**
 * `processRecord` returned a value that reads as "this record failed":
 * `false`, an `Error`, or a partial-batch response (`{ batchItemFailures }`,
 * as a hand-written loop returns). Returning never fails a record, and a
 * record counted as succeeded is deleted, so the library fails such a record
 * instead (it is retried) and says to throw. The returned `Error`, if any, is
 * this error's `cause`.
 *
 * @example
 * ```ts
 * import { createBatchHandler, ReturnedFailureError } from 'sqs-partial-batch';
 *
 * // Wrong: `return false` would read as success without this check. Throw instead:
 * export const handler = createBatchHandler(async (record) => {
 *   if (record.body === null) throw new Error('empty order');
 * });
 * const isReturnedFailure = (error: unknown) => error instanceof ReturnedFailureError;
 * ```
 */
export class ReturnedFailureError extends SqsPartialBatchError {
  override readonly name = 'ReturnedFailureError' as const;
  readonly code = 'RETURNED_FAILURE' as const;
  /** What `processRecord` returned: `false`, an `Error`, or a partial-batch response. */
  readonly returned: 'false' | 'error' | 'batch-response';

  constructor(messageId: string, returned: 'false' | 'error' | 'batch-response', cause?: Error) {
    super(
      `Record ${quote(messageId)}: processRecord returned ${RETURNED_LABEL[returned]}, which does not fail a record; ` +
        'throw an error instead. The record was failed so that it is retried, not deleted.',
      cause === undefined ? undefined : { cause },
    );
    this.returned = returned;
  }
}

const RETURNED_LABEL = {
  false: '`false`',
  error: 'an Error instead of throwing it',
  'batch-response': 'a partial-batch response (`{ batchItemFailures }`); the library builds that response itself',
} as const;

/**
 * What `processRecord` returned, when it reads as a failure: `false`, an
 * `Error`, or an object with a `batchItemFailures` array. Anything else
 * (`undefined`, `true`, any other value) is a success, as documented.
 */
export function returnedFailure(messageId: string, value: unknown): ReturnedFailureError | undefined {
  if (value === undefined || value === null || value === true) return undefined;
  if (value === false) return new ReturnedFailureError(messageId, 'false');
  if (typeof value !== 'object') return undefined;
  if (value instanceof Error) return new ReturnedFailureError(messageId, 'error', value);
  try {
    if (Array.isArray((value as { batchItemFailures?: unknown }).batchItemFailures)) {
      return new ReturnedFailureError(messageId, 'batch-response');
    }
  } catch {
    // A getter that throws: not a partial-batch response.
  }
  return undefined;
}

/**
 * A record's payload differs from the payload first seen with its
 * idempotency key (`validatePayload: true`): the same key was reused for a
 * different event. The record fails; its work does not run.
 *
 * @example
 * ```ts
 * import { IdempotencyPayloadMismatchError } from 'sqs-partial-batch';
 *
 * const mismatched = result.outcomes.filter((o) => o.status === 'failed' && o.error instanceof IdempotencyPayloadMismatchError);
 * ```
 */
export class IdempotencyPayloadMismatchError extends SqsPartialBatchError {
  override readonly name = 'IdempotencyPayloadMismatchError' as const;
  readonly code = 'IDEMPOTENCY_PAYLOAD_MISMATCH' as const;

  readonly #key: string;

  constructor(
    /** The record's messageId. */
    readonly messageId: string,
    key: string,
  ) {
    super(
      `Record ${quote(messageId)}: its idempotency key was first seen with a different payload; the record is not processed`,
    );
    this.#key = key;
  }

  /** The idempotency key. Kept off the error's own properties, so loggers that serialize errors whole never write it (keys often come from bodies). */
  get key(): string {
    return this.#key;
  }
}

/**
 * Another invocation (or an earlier record of this batch) holds the record's
 * idempotency key and has not finished. The record fails without running, so
 * SQS delivers it again later, when the outcome is known.
 *
 * @example
 * ```ts
 * import { IdempotencyInProgressError } from 'sqs-partial-batch';
 *
 * if (outcome.status === 'failed' && outcome.error instanceof IdempotencyInProgressError) retryLater(outcome.messageId);
 * ```
 */
export class IdempotencyInProgressError extends SqsPartialBatchError {
  override readonly name = 'IdempotencyInProgressError' as const;
  readonly code = 'IDEMPOTENCY_IN_PROGRESS' as const;

  readonly #key: string;

  constructor(
    /** The record's messageId. */
    readonly messageId: string,
    key: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Record ${quote(messageId)}: its idempotency key ${detail}`, options);
    this.#key = key;
  }

  /** The idempotency key. Kept off the error's own properties, so loggers that serialize errors whole never write it (keys often come from bodies). */
  get key(): string {
    return this.#key;
  }
}

/**
 * The idempotency store failed or did not answer in time. When claiming, the
 * affected records fail without running (fail closed); when completing or
 * releasing, the error is logged and the records keep their outcome.
 *
 * @example
 * ```ts
 * import { IdempotencyStoreError } from 'sqs-partial-batch';
 *
 * if (error instanceof IdempotencyStoreError) console.error(error.operation, error.cause);
 * ```
 */
export class IdempotencyStoreError extends SqsPartialBatchError {
  override readonly name = 'IdempotencyStoreError' as const;
  readonly code = 'IDEMPOTENCY_STORE' as const;

  constructor(
    /** What the store was asked to do. */
    readonly operation: 'claim' | 'complete' | 'release',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The `idempotency.key` function threw, or returned something other than a
 * non-empty string. The record fails without running.
 *
 * @example
 * ```ts
 * import { IdempotencyKeyError } from 'sqs-partial-batch';
 *
 * const badKeys = outcomes.filter((o) => o.status === 'failed' && o.error instanceof IdempotencyKeyError);
 * ```
 */
export class IdempotencyKeyError extends SqsPartialBatchError {
  override readonly name = 'IdempotencyKeyError' as const;
  readonly code = 'IDEMPOTENCY_KEY' as const;

  constructor(
    /** The record's messageId. */
    readonly messageId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Record ${quote(messageId)}: ${message}`, options);
  }
}

/**
 * With `validatePayload`, the record's payload could not be hashed: it
 * contains itself (a cycle, which a custom schema can output), or reading it
 * threw (a getter, a `toJSON` method, a Proxy). The record fails without
 * running. The message says what went wrong, never what the payload holds;
 * `cause` has the details.
 *
 * @example
 * ```ts
 * import { IdempotencyPayloadError } from 'sqs-partial-batch';
 *
 * const unhashable = outcomes.filter((o) => o.status === 'failed' && o.error instanceof IdempotencyPayloadError);
 * ```
 */
export class IdempotencyPayloadError extends SqsPartialBatchError {
  override readonly name = 'IdempotencyPayloadError' as const;
  readonly code = 'IDEMPOTENCY_PAYLOAD' as const;

  constructor(
    /** The record's messageId. */
    readonly messageId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Record ${quote(messageId)}: ${message}`, options);
  }
}

/**
 * Thrown by `processRecord` (directly or through a subclass) for a record
 * that can never succeed: retrying it is pointless. With
 * `onPermanentFailure: 'dead-letter'` or `'drop'` such a record leaves the
 * queue at once; with the default `'retry'` it is reported like any failure.
 *
 * @example
 * ```ts
 * import { createBatchHandler, PermanentError } from 'sqs-partial-batch';
 *
 * export const handler = createBatchHandler(async (record) => {
 *   if (!knownSkus.has(record.body)) throw new PermanentError(`unknown SKU ${record.body}`);
 * });
 * ```
 */
export class PermanentError extends SqsPartialBatchError {
  override readonly name: string = 'PermanentError';
  readonly code: string = 'PERMANENT_FAILURE';
}

/**
 * A one-line description of any thrown value (errors, strings, objects,
 * `undefined`), for messages and logs. It never throws, whatever it is given:
 * an error whose `name` or `message` getter throws, a revoked or hostile
 * Proxy, an object whose `toJSON` throws or that holds a bigint.
 *
 * @param error - Anything that was thrown.
 * @returns `Name: message` for errors, the string itself for strings, JSON and type otherwise.
 * @example
 * ```ts
 * import { describeError } from 'sqs-partial-batch';
 *
 * describeError(new TypeError('boom')); // 'TypeError: boom'
 * describeError({ code: 42 }); // '{"code":42} (object)'
 * ```
 */
export function describeError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (typeof error === 'bigint') return `${error}n (bigint)`;
  if (typeof error === 'symbol') return `${String(error)} (symbol)`;
  if (isError(error)) {
    return `${textOf(() => error.name, 'Error')}: ${textOf(() => error.message, '(the message could not be read)')}`;
  }
  try {
    return `${String(JSON.stringify(error, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)))} (${error === null ? 'null' : typeof error})`;
  } catch {
    return `an unreadable ${typeof error}`;
  }
}

/** `instanceof Error`, false where even asking throws (a revoked Proxy). */
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}
