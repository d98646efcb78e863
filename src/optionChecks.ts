import { InvalidOptionsError } from './errors.js';

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
