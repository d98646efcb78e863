import { isLogger } from '../optionChecks.js';
import type { BatchLogger } from '../types.js';
import { JsonLogger } from './jsonLogger.js';
import { quietly } from './quietly.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/**
 * The logger a handler writes through: the user's, the default JSON logger
 * when the option is absent, or none for `logger: false`.
 */
export function resolveLogger(option: BatchLogger | false | undefined): BatchLogger | undefined {
  if (option === false) return undefined;
  return option ?? new JsonLogger();
}

/**
 * Logs without letting a broken logger fail the batch: a method that
 * throws, and a promise it returns that rejects, are both swallowed (an
 * unhandled rejection would crash the process on Lambda).
 */
export function log(
  logger: BatchLogger | undefined,
  level: Level,
  message: string,
  attributes: Record<string, unknown>,
): void {
  if (logger === undefined) return;
  quietly(() => logger[level](message, attributes));
}

function ignore(): void {}

/** A logger that writes nothing: `ctx.logger` under `logger: false`. */
export const SILENT: BatchLogger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });

/**
 * A logger whose every line carries `bindings` (a record's `messageId` and
 * group), made the way the logger knows best: `createChild` for the
 * Powertools Logger, `child(bindings)` for pino, winston, bunyan and our
 * default logger, and otherwise a wrapper that merges the bindings into each
 * call's attributes. Never throws: a logger that cannot make a child is
 * wrapped instead.
 */
export function childLogger(logger: BatchLogger | undefined, bindings: Record<string, unknown>): BatchLogger {
  if (logger === undefined) return SILENT;
  try {
    const withMethods = logger as BatchLogger & {
      createChild?: (options: { persistentKeys: Record<string, unknown> }) => BatchLogger;
      child?: (bindings: Record<string, unknown>) => BatchLogger;
    };
    if (typeof withMethods.createChild === 'function') {
      const child = withMethods.createChild({ persistentKeys: bindings });
      if (isLogger(child)) return child;
    } else if (typeof withMethods.child === 'function') {
      const child = withMethods.child(bindings);
      if (isLogger(child)) return child;
    }
  } catch {
    // Fall back to merging the bindings ourselves.
  }
  return mergingLogger(logger, bindings);
}

function mergingLogger(logger: BatchLogger, bindings: Record<string, unknown>): BatchLogger {
  const method =
    (level: Level) =>
    (message: string, ...attributes: Array<Record<string, unknown>>): void =>
      logger[level](message, Object.assign({}, bindings, ...attributes));
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}
