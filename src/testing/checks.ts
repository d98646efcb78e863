// Argument checks of the testing toolkit: the core's checks (optionChecks.ts)
// and the few only the toolkit needs, in the same message style.
import { InvalidOptionsError } from '../errors.js';
import { describeValue, unknownKeyMessage } from '../optionChecks.js';

export {
  booleanOption,
  describeValue,
  finiteAtLeast,
  functionOption,
  integerIn,
  numberIn,
} from '../optionChecks.js';

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
