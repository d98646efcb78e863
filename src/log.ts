import type { BatchLogger } from './types.js';

/** Logs without letting a broken logger fail the batch. */
export function log(
  logger: BatchLogger | undefined,
  level: 'warn' | 'error',
  message: string,
  attributes: Record<string, unknown>,
): void {
  if (logger === undefined) return;
  try {
    logger[level](message, attributes);
  } catch {
    // A logger that throws must not turn into lost records.
  }
}
