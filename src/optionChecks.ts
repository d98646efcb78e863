import { InvalidOptionsError } from './errors.js';
import type { BatchLogger } from './types.js';

/**
 * Throws `InvalidOptionsError` for the first key of `input` that is not
 * allowed, suggesting the closest allowed key when it looks like a typo.
 */
export function rejectUnknownKeys(input: object, allowedKeys: readonly string[], prefix = ''): void {
  const message = unknownKeyMessage(input, allowedKeys, prefix);
  if (message !== undefined) throw new InvalidOptionsError(message);
}

/**
 * The message for the first key of `input` that is not allowed, with the
 * closest allowed key when it looks like a typo; `undefined` when every key
 * is allowed. Entry points bundled apart from the core (the testing toolkit)
 * throw it with the core's `InvalidOptionsError`.
 */
export function unknownKeyMessage(input: object, allowedKeys: readonly string[], prefix = ''): string | undefined {
  for (const key of Object.keys(input)) {
    if (allowedKeys.includes(key)) continue;
    const suggestion = closest(key, allowedKeys);
    return `Unknown option \`${prefix}${key}\`${suggestion ? ` (did you mean \`${prefix}${suggestion}\`?)` : ''}. Expected one of: ${allowedKeys
      .map((k) => `\`${prefix}${k}\``)
      .join(', ')}`;
  }
  return undefined;
}

/** Describes a value the way option errors quote it: `` `0` (number) ``. */
export function describeValue(value: unknown): string {
  if (value === null) return '`null` (null)';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `\`${JSON.stringify(value)}\` (string)`;
    case 'function':
      return 'a function';
    case 'object':
      return 'an object';
    case 'symbol':
      return `\`${String(value)}\` (symbol)`;
    default:
      return `\`${String(value)}\` (${typeof value})`;
  }
}

/** An integer from `min` to `max` (inclusive), or `undefined`. */
export function integerIn(name: string, value: unknown, min: number, max: number, where = ''): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    const range =
      max !== Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : min !== Number.MIN_SAFE_INTEGER ? ` >= ${min}` : '';
    throw new InvalidOptionsError(`Expected \`${name}\` to be an integer${range}${where}, got ${describeValue(value)}`);
  }
  return value as number;
}

/** A number from `min` to `max` (inclusive; `Infinity` only when `max` is), or `undefined`. */
export function numberIn(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    throw new InvalidOptionsError(`Expected \`${name}\` to be a number ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** A finite number >= `min`, or `undefined`. */
export function finiteAtLeast(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidOptionsError(`Expected \`${name}\` to be a finite number >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/** A boolean, or `undefined`. */
export function booleanOption(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw new InvalidOptionsError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  return value;
}

/** A function, or `undefined`. */
export function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function')
    throw new InvalidOptionsError(`Expected \`${name}\` to be a function, got ${describeValue(value)}`);
  return value as F;
}

/** True for an object with the four log methods the library calls. */
export function isLogger(value: unknown): value is BatchLogger {
  if (typeof value !== 'object' || value === null) return false;
  const logger = value as Record<string, unknown>;
  return LOG_METHODS.every((method) => typeof logger[method] === 'function');
}

const LOG_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** True for an object with a `send` method: an AWS SDK v3 client, or a fake of one. */
export function hasSend(value: unknown): value is { send: (...args: never[]) => unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { send?: unknown }).send === 'function';
}

/** The allowed key closest to a mistyped one, if it is close enough to be a typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  if (lower.length >= 3) {
    const extended = candidates.find((candidate) => candidate.toLowerCase().startsWith(lower));
    if (extended !== undefined) return extended;
  }
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
