import type { SQSRecord } from 'aws-lambda';
import { describeError, RecordValidationError, type ValidationIssue, type ValidationStage } from './errors.js';
import type { StandardSchemaV1 } from './standardSchema.js';
import type { Envelope } from './types.js';
import { isPromiseLike } from './util.js';

/** A body that could not be read. */
export class ParseFailure {
  constructor(readonly error: RecordValidationError) {}
}

/** A body whose schema validates asynchronously. */
export class PendingParse {
  constructor(readonly promise: Promise<unknown>) {}
}

/**
 * Reads a record's body: the raw string when there is neither schema nor
 * envelope; otherwise JSON, then the envelope's payload, then the schema.
 * Returns the body itself, a `ParseFailure`, or a `PendingParse` when the
 * schema validates asynchronously (whose promise resolves to a body or a
 * `ParseFailure`). Only failures and async schemas allocate a wrapper.
 */
export function parseBody(
  record: SQSRecord,
  schema: StandardSchemaV1 | undefined,
  envelope: Envelope | undefined,
): unknown {
  const { messageId, body } = record;
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
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schema['~standard'].validate(payload);
  } catch (error) {
    return schemaThrew(messageId, error);
  }
  if (isPromiseLike(result)) {
    return new PendingParse(
      Promise.resolve(result).then(
        (settled) => outputOf(messageId, settled),
        (error: unknown) => schemaThrew(messageId, error),
      ),
    );
  }
  return outputOf(messageId, result);
}

function schemaThrew(messageId: string, error: unknown): ParseFailure {
  return invalid(messageId, 'schema', `The schema threw: ${describeError(error)}`, [], error);
}

function outputOf(messageId: string, result: StandardSchemaV1.Result<unknown>): unknown {
  if (result.issues === undefined) return result.value;
  const issues: ValidationIssue[] = result.issues.map((issue) => ({
    message: issue.message,
    path: (issue.path ?? []).map((segment) => (typeof segment === 'object' ? segment.key : segment)),
  }));
  return new ParseFailure(new RecordValidationError(messageId, 'schema', issues));
}

function parseJson(messageId: string, text: string, path?: PropertyKey[]): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return invalid(messageId, 'json', `Expected valid JSON (${reason})`, path ?? [], error);
  }
}

function invalid(
  messageId: string,
  stage: ValidationStage,
  message: string,
  path: PropertyKey[] = [],
  cause?: unknown,
): ParseFailure {
  return new ParseFailure(
    new RecordValidationError(messageId, stage, [{ message, path }], cause === undefined ? undefined : { cause }),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
