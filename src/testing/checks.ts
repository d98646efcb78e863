// Argument checks of the testing toolkit, in the core's message style. The
// error class comes from the core's entry point (not from ../errors.js), so
// that the built `sqs-partial-batch/testing` throws the same
// `InvalidOptionsError` class that users import from `sqs-partial-batch`.
import { InvalidOptionsError } from '../errors.js';
import { describeValue, unknownKeyMessage } from '../optionChecks.js';

export { describeValue };

/** Throws `InvalidOptionsError` with `message`. */
export function invalid(message: string): never {
  throw new InvalidOptionsError(message);
}

/**
 * `value` as an options object (`{}` when `undefined`); throws for anything
 * else and for a key not in `allowedKeys` (with a did-you-mean hint).
 */
export function optionsObject(
  value: unknown,
  what: string,
  allowedKeys: readonly string[],
  prefix = '',
): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(`Expected ${what} to be an object, got ${describeValue(value)}`);
  }
  const message = unknownKeyMessage(value, allowedKeys, prefix);
  if (message !== undefined) invalid(message);
  return value as Record<string, unknown>;
}

/** An integer from `min` to `max` (inclusive), or `undefined`. */
export function integerIn(name: string, value: unknown, min: number, max: number, where = ''): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    const range =
      max !== Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : min !== Number.MIN_SAFE_INTEGER ? ` >= ${min}` : '';
    invalid(`Expected \`${name}\` to be an integer${range}${where}, got ${describeValue(value)}`);
  }
  return value as number;
}

/** A number from `min` to `max` (inclusive; `Infinity` only when `max` is), or `undefined`. */
export function numberIn(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    invalid(`Expected \`${name}\` to be a number ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** A finite number >= `min`, or `undefined`. */
export function finiteAtLeast(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    invalid(`Expected \`${name}\` to be a finite number >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** A boolean, or `undefined`. */
export function booleanOption(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') invalid(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  return value;
}

/** A function, or `undefined`. */
export function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') invalid(`Expected \`${name}\` to be a function, got ${describeValue(value)}`);
  return value as F;
}

/** An SQS message group id: 1 to 128 characters. */
export function checkGroupId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
    invalid(`Expected \`${name}\` to be a string of 1 to 128 characters, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * A message body as the builders take it: a string as is, anything else
 * JSON-encoded. Throws for a value JSON cannot encode (`undefined`, a
 * function, a symbol, a BigInt, a cycle); the message names its type only,
 * never its content.
 */
export function bodyText(name: string, body: unknown): string {
  if (typeof body === 'string') return body;
  let text: string | undefined;
  let cause: unknown;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    cause = error;
  }
  if (text === undefined) {
    const kind = typeof body;
    const type =
      body === undefined
        ? '`undefined`'
        : `${kind === 'object' ? 'an' : 'a'} ${kind}${cause === undefined ? '' : ' that JSON cannot encode'}`;
    throw new InvalidOptionsError(`Expected \`${name}\` to be a string or a value JSON can encode, got ${type}`, {
      cause,
    });
  }
  return text;
}
