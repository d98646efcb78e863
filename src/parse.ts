import type { SQSRecord } from 'aws-lambda';
import {
  RecordValidationError,
  type SqsPartialBatchError,
  type ValidationIssue,
  type ValidationStage,
} from './errors.js';
import { describeJsonError } from './jsonError.js';
import { scrubIssues } from './scrub.js';
import type { StandardSchemaV1 } from './standardSchema.js';
import type { Envelope } from './types.js';
import { isInstance, isPromiseLike } from './util.js';

/**
 * A body that could not be read. `permanent` tells the two kinds apart: the
 * body is wrong (not a string, not JSON, not the envelope, issues from the
 * schema, a large-payload pointer that cannot be followed), so no retry can
 * help; or the schema itself broke (it threw, or answered something that is
 * not a Standard Schema result), which may be a bug or a passing fault in an
 * async refinement, or S3 did not hand over an offloaded body
 * (a `LargePayloadError`), so the record is retried. A permanent failure always
 * carries a `RecordValidationError`. `missing`: the offloaded object does not
 * exist, which idempotency may yet explain (a duplicate whose first run
 * deleted it).
 */
export class ParseFailure {
  constructor(
    readonly error: RecordValidationError | SqsPartialBatchError,
    readonly permanent: boolean,
    readonly missing = false,
  ) {}
}

/** A body whose schema validates asynchronously. */
export class PendingParse {
  /** @param promise Resolves to the body or a `ParseFailure`; never rejects. */
  constructor(readonly promise: Promise<unknown>) {}
}

/**
 * Reads a record's body: the raw string when there is neither schema nor
 * envelope; otherwise JSON, then the envelope's payload, then the schema.
 * Returns the body itself, a `ParseFailure`, or a `PendingParse` when the
 * schema validates asynchronously. Only failures and async schemas allocate
 * a wrapper. Never throws, and no message it writes quotes the body.
 */
export function parseBody(
  record: SQSRecord,
  messageId: string,
  schema: StandardSchemaV1 | undefined,
  envelope: Envelope | undefined,
): unknown {
  const { body } = record;
  if (typeof body !== 'string') {
    return invalid(messageId, 'body', `Expected the body to be a string, got ${body === null ? 'null' : typeof body}`);
  }
  if (schema === undefined && envelope === undefined) return body;

  let payload: unknown;
  if (envelope === 'sns') {
    const notification = parseJson(messageId, body);
    if (notification instanceof ParseFailure) return notification;
    const message = isObject(notification) ? notification.Message : undefined;
    if (typeof message !== 'string') {
      return invalid(messageId, 'envelope', 'Expected an SNS notification with a string `Message`', ['Message']);
    }
    if (schema === undefined) return message;
    payload = parseJson(messageId, message, ['Message']);
  } else {
    payload = parseJson(messageId, body);
    if (envelope === 'eventbridge' && !(payload instanceof ParseFailure)) {
      if (!isObject(payload) || !('detail' in payload)) {
        return invalid(messageId, 'envelope', 'Expected an EventBridge event with a `detail` field', ['detail']);
      }
      payload = payload.detail;
      if (schema === undefined) return payload;
    }
  }
  if (payload instanceof ParseFailure) return payload;
  return validate(messageId, schema as StandardSchemaV1, payload);
}

function validate(messageId: string, schema: StandardSchemaV1, payload: unknown): unknown {
  let result: unknown;
  try {
    result = schema['~standard'].validate(payload);
    if (isPromiseLike(result)) {
      return new PendingParse(
        Promise.resolve(result).then(
          (settled) => outputOf(messageId, settled, payload),
          (error: unknown) => schemaBroke(messageId, 'threw', error),
        ),
      );
    }
  } catch (error) {
    return schemaBroke(messageId, 'threw', error);
  }
  return outputOf(messageId, result, payload);
}

/**
 * The schema threw or answered garbage: a failure of the schema, not of the
 * body, so it is retried. What a schema throws is free text about its input
 * (`JSON.parse` in a transform quotes the body; a refinement may name a
 * value), so none of it is written: the message names the kind of value
 * thrown, from a fixed list, and the value itself is kept as the error's
 * `unsafeCause`, not its `cause`.
 */
function schemaBroke(messageId: string, how: 'threw' | 'answered', detail: unknown): ParseFailure {
  const message =
    how === 'threw'
      ? `The schema threw ${kindOfThrown(detail)}; its text is not shown, as it may quote the body (the error's \`unsafeCause\` holds it)`
      : `The schema answered ${String(detail)}, not a Standard Schema result ({ value } or { issues: [...] })`;
  return new ParseFailure(
    validationError(
      messageId,
      'schema',
      [{ message, path: [] }],
      how === 'threw' ? { unsafeCause: detail } : undefined,
    ),
    false,
  );
}

/** JavaScript's own error classes, most specific first: their names are ours to print, not the thrower's. */
const BUILT_IN_ERRORS: ReadonlyArray<readonly [new (...args: never[]) => Error, string]> = [
  [SyntaxError, 'a SyntaxError'],
  [TypeError, 'a TypeError'],
  [RangeError, 'a RangeError'],
  [ReferenceError, 'a ReferenceError'],
  [URIError, 'a URIError'],
  [EvalError, 'an EvalError'],
  [AggregateError, 'an AggregateError'],
];

/** What kind of value was thrown, told in words of ours: nothing read from the value is printed. */
function kindOfThrown(detail: unknown): string {
  for (const [type, words] of BUILT_IN_ERRORS) if (isInstance(detail, type)) return words;
  if (isInstance(detail, Error)) return 'an error';
  if (detail === null) return 'null';
  return typeof detail === 'object' ? 'an object that is not an error' : `a value of type ${typeof detail}`;
}

function outputOf(messageId: string, result: unknown, payload: unknown): unknown {
  try {
    if (typeof result !== 'object' || result === null) return schemaBroke(messageId, 'answered', kindOf(result));
    const { issues } = result as { issues?: unknown };
    if (issues === undefined) {
      if (!('value' in result)) return schemaBroke(messageId, 'answered', 'an object without `value` or `issues`');
      return (result as { value: unknown }).value;
    }
    if (!Array.isArray(issues)) return schemaBroke(messageId, 'answered', `\`issues\` of ${kindOf(issues)}`);
    const read: ValidationIssue[] = [];
    for (const issue of issues) read.push(readIssue(issue));
    return new ParseFailure(validationError(messageId, 'schema', scrubIssues(read, payload)), true);
  } catch (error) {
    // A getter on the result that throws: the schema broke.
    return schemaBroke(messageId, 'threw', error);
  }
}

/** One issue as a schema reported it, with every odd part made safe to print. */
function readIssue(issue: unknown): ValidationIssue {
  if (typeof issue !== 'object' || issue === null) return { message: `(an issue of ${kindOf(issue)})`, path: [] };
  const { message, path } = issue as { message?: unknown; path?: unknown };
  const segments: PropertyKey[] = [];
  if (Array.isArray(path)) {
    for (const segment of path) {
      const key = typeof segment === 'object' && segment !== null ? (segment as { key?: unknown }).key : segment;
      segments.push(
        typeof key === 'string' || typeof key === 'number' || typeof key === 'symbol' ? key : `(${kindOf(key)})`,
      );
    }
  }
  return { message: typeof message === 'string' ? message : `(a message of ${kindOf(message)})`, path: segments };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `type ${typeof value}`;
}

/**
 * `JSON.parse`, with its failure turned into a `ParseFailure`. V8's
 * `SyntaxError` quotes the text, so it is thrown away: the message says where
 * the text broke instead, and no stack trace is captured for it (a trace
 * taken this deep in the loop costs more than the rest of a failed record).
 */
function parseJson(messageId: string, text: string, path?: PropertyKey[]): unknown {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return JSON.parse(text);
  } catch {
    return invalid(messageId, 'json', `Expected valid JSON: ${describeJsonError(text)}`, path ?? []);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A permanent failure with one issue. */
export function invalid(
  messageId: string,
  stage: ValidationStage,
  message: string,
  path: PropertyKey[] = [],
  missing = false,
): ParseFailure {
  return new ParseFailure(validationError(messageId, stage, [{ message, path }]), true, missing);
}

/**
 * A `RecordValidationError` without a stack trace: it describes a body, not
 * code, and a trace would only point into this file. Capturing one costs more
 * than everything else a failed record does.
 */
function validationError(
  messageId: string,
  stage: ValidationStage,
  issues: readonly ValidationIssue[],
  options?: { unsafeCause?: unknown },
): RecordValidationError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new RecordValidationError(messageId, stage, issues, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
