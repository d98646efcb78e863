import type { SQSRecord } from 'aws-lambda';
import { describeError, RecordValidationError, type ValidationIssue, type ValidationStage } from './errors.js';
import type { StandardSchemaV1 } from './standardSchema.js';
import type { Envelope } from './types.js';
import { isPromiseLike } from './util.js';

/** A body read successfully, or the reason it could not be. */
export type ParsedBody =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly error: RecordValidationError };

/**
 * Reads a record's body: the raw string when there is neither schema nor
 * envelope; otherwise JSON, then the envelope's payload, then the schema.
 * Synchronous unless the schema validates asynchronously.
 */
export function parseBody(
  record: SQSRecord,
  schema: StandardSchemaV1 | undefined,
  envelope: Envelope | undefined,
): ParsedBody | Promise<ParsedBody> {
  const { messageId, body } = record;
  if (typeof body !== 'string') {
    return invalid(messageId, 'body', `Expected the body to be a string, got ${body === null ? 'null' : typeof body}`);
  }
  if (schema === undefined && envelope === undefined) return { ok: true, body };

  let payload: unknown;
  if (envelope === 'sns') {
    const notification = parseJson(messageId, body);
    if (!notification.ok) return notification;
    const message = isObject(notification.body) ? notification.body.Message : undefined;
    if (typeof message !== 'string') {
      return invalid(messageId, 'envelope', 'Expected an SNS notification with a string `Message`', ['Message']);
    }
    if (schema === undefined) return { ok: true, body: message };
    const inner = parseJson(messageId, message, ['Message']);
    if (!inner.ok) return inner;
    payload = inner.body;
  } else {
    const parsed = parseJson(messageId, body);
    if (!parsed.ok) return parsed;
    payload = parsed.body;
    if (envelope === 'eventbridge') {
      if (!isObject(payload) || !('detail' in payload)) {
        return invalid(messageId, 'envelope', 'Expected an EventBridge event with a `detail` field', ['detail']);
      }
      payload = payload.detail;
      if (schema === undefined) return { ok: true, body: payload };
    }
  }
  return validate(messageId, schema as StandardSchemaV1, payload);
}

function validate(messageId: string, schema: StandardSchemaV1, payload: unknown): ParsedBody | Promise<ParsedBody> {
  const threw = (error: unknown): ParsedBody =>
    invalid(messageId, 'schema', `The schema threw: ${describeError(error)}`, [], error);
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schema['~standard'].validate(payload);
  } catch (error) {
    return threw(error);
  }
  if (isPromiseLike(result)) return Promise.resolve(result).then((settled) => toParsed(messageId, settled), threw);
  return toParsed(messageId, result);
}

function toParsed(messageId: string, result: StandardSchemaV1.Result<unknown>): ParsedBody {
  if (result.issues === undefined) return { ok: true, body: result.value };
  const issues: ValidationIssue[] = result.issues.map((issue) => ({
    message: issue.message,
    path: (issue.path ?? []).map((segment) => (typeof segment === 'object' ? segment.key : segment)),
  }));
  return { ok: false, error: new RecordValidationError(messageId, 'schema', issues) };
}

function parseJson(messageId: string, text: string, path: PropertyKey[] = []): ParsedBody {
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return invalid(messageId, 'json', `Expected valid JSON (${reason})`, path, error);
  }
}

function invalid(
  messageId: string,
  stage: ValidationStage,
  message: string,
  path: PropertyKey[] = [],
  cause?: unknown,
): ParsedBody {
  return {
    ok: false,
    error: new RecordValidationError(
      messageId,
      stage,
      [{ message, path }],
      cause === undefined ? undefined : { cause },
    ),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
