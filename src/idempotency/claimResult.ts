import { describeError } from '../errors.js';
import type { ClaimResult } from './store.js';

/**
 * A custom store's answers are checked before they are trusted: a result
 * that is not one of the four shapes of `ClaimResult` fails its record closed
 * (and its key is released), instead of crashing the invocation.
 */

/** A store's answer for one key, checked; a string says what is wrong with it. */
export function readClaimResult(answer: unknown): ClaimResult | string {
  if (typeof answer !== 'object' || answer === null) return describeKind(answer);
  let status: unknown;
  let payloadHash: unknown;
  let inProgressUntil: unknown;
  let error: unknown;
  try {
    ({ status, payloadHash, inProgressUntil, error } = answer as Record<string, unknown>);
  } catch (thrown) {
    return `an object whose fields throw (${describeError(thrown)})`;
  }
  if (payloadHash !== undefined && typeof payloadHash !== 'string')
    return `a payload hash of ${describeKind(payloadHash)}`;
  switch (status) {
    case 'claimed':
      return { status };
    case 'completed':
      return { status, payloadHash };
    case 'in-progress':
      if (
        typeof inProgressUntil !== 'number' ||
        !Number.isFinite(inProgressUntil) ||
        Math.abs(inProgressUntil) > 8.64e15
      ) {
        return `status 'in-progress' with \`inProgressUntil\` of ${describeKind(inProgressUntil)} (expected epoch milliseconds)`;
      }
      return { status, inProgressUntil, payloadHash };
    case 'error':
      return { status, error };
    default:
      return `an unknown status (${typeof status === 'string' ? JSON.stringify(status.slice(0, 40)) : describeKind(status)})`;
  }
}

export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
