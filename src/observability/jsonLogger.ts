import type { Console } from 'node:console';
import type { BatchLogger } from '../types.js';
import { stdio } from './stdio.js';

/** Log levels in order; a line is written when its level is at or above the logger's. */
const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 } as const;
type Level = keyof typeof LEVELS;

/** The fields every line has, written by the logger itself. */
const OWN_FIELDS = ['timestamp', 'level', 'message'] as const;

/** The process's stdout and stderr, reached on the first line written: a handler that logs nothing never makes its console. */
const STDIO: Pick<Console, 'log' | 'error'> = {
  log: (line: string) => stdio().log(line),
  error: (line: string) => stdio().error(line),
};

/** Where an attribute goes whose name is already taken on the line: `attributes.<name>`. */
export const TAKEN_NAME_PREFIX = 'attributes.';

/**
 * The logger a handler uses when no `logger` option is given: one JSON
 * object per line, `{ timestamp, level, message, ...bindings, ...attributes }`,
 * which is what CloudWatch Logs Insights and Lambda's JSON log format read.
 * Errors are written as `{ name, code, message, stack }` (with their `cause`).
 *
 * The line's own fields (`timestamp`, `level`, `message`) and a child's
 * bindings (the `messageId` and `messageGroupId` of `ctx.logger`) are never
 * overwritten: a call's attribute with a name already taken is written as
 * `attributes.<name>` (`logger.error('charge failed', { message: err.message })`
 * gives `"message":"charge failed","attributes.message":"…"`). Writing never
 * throws, whatever the attributes hold.
 *
 * It writes to the process's stdout and stderr directly rather than through
 * the global `console`, so Lambda's JSON log format does not wrap each line in
 * another JSON object. The level comes from `AWS_LAMBDA_LOG_LEVEL` (set by
 * Lambda's advanced logging controls) or `LOG_LEVEL`, default `INFO`;
 * `LOG_LEVEL=silent` turns it off (test runs).
 */
export class JsonLogger implements BatchLogger {
  private readonly threshold: number;

  constructor(
    private readonly bindings: Readonly<Record<string, unknown>> = {},
    threshold?: number,
    private readonly out: Pick<Console, 'log' | 'error'> = STDIO,
  ) {
    this.threshold = threshold ?? levelFromEnv();
  }

  /** A logger that adds `bindings` to every line. */
  child(bindings: Readonly<Record<string, unknown>>): JsonLogger {
    let merged: Readonly<Record<string, unknown>>;
    try {
      merged = { ...this.bindings, ...bindings };
    } catch {
      merged = this.bindings; // bindings that cannot be read (a getter that throws): the parent's
    }
    return new JsonLogger(merged, this.threshold, this.out);
  }

  debug(message: string, ...attributes: Array<Record<string, unknown>>): void {
    this.write('DEBUG', message, attributes);
  }

  info(message: string, ...attributes: Array<Record<string, unknown>>): void {
    this.write('INFO', message, attributes);
  }

  warn(message: string, ...attributes: Array<Record<string, unknown>>): void {
    this.write('WARN', message, attributes);
  }

  error(message: string, ...attributes: Array<Record<string, unknown>>): void {
    this.write('ERROR', message, attributes);
  }

  private write(level: Level, message: string, attributes: ReadonlyArray<Record<string, unknown>>): void {
    if (LEVELS[level] < this.threshold) return;
    try {
      const line = toJson(this.entry(level, message, attributes));
      if (level === 'ERROR' || level === 'WARN') this.out.error(line);
      else this.out.log(line);
    } catch {
      // A stream that throws, or a message whose String() throws: the line is lost, the caller is not.
    }
  }

  /** The line as an object: own fields first, then bindings, then attributes, none overwriting an earlier layer. */
  private entry(
    level: Level,
    message: string,
    attributes: ReadonlyArray<Record<string, unknown>>,
  ): Record<string, unknown> {
    // No prototype: an attribute named `__proto__` is written as a field, not taken as one.
    const entry: Record<string, unknown> = Object.create(null);
    entry.timestamp = new Date().toISOString();
    entry.level = level;
    entry.message = textOf(message);
    const taken = new Set<string>(OWN_FIELDS);
    const add = (fields: unknown, guard: boolean): void => {
      if (typeof fields !== 'object' || fields === null) return;
      let keys: string[];
      try {
        keys = Object.keys(fields);
      } catch {
        return; // a revoked proxy
      }
      for (const key of keys) {
        let value: unknown;
        try {
          value = (fields as Record<string, unknown>)[key];
        } catch {
          continue; // a getter that throws: the field is left out
        }
        entry[guard && taken.has(key) ? `${TAKEN_NAME_PREFIX}${key}` : key] = value;
      }
    };
    add(this.bindings, true);
    for (const key of Object.keys(this.bindings)) taken.add(key);
    for (const more of attributes) add(more, true);
    return entry;
  }
}

/** `String(message)`, or a placeholder when even that throws. */
function textOf(message: unknown): string {
  try {
    return String(message);
  } catch {
    return '(a message that cannot be turned into text)';
  }
}

function levelFromEnv(): number {
  const name = (process.env.AWS_LAMBDA_LOG_LEVEL ?? process.env.LOG_LEVEL ?? '').toUpperCase();
  if (name === 'TRACE') return LEVELS.DEBUG;
  if (name === 'FATAL') return LEVELS.ERROR;
  if (name === 'SILENT' || name === 'OFF') return Number.POSITIVE_INFINITY;
  return LEVELS[name as Level] ?? LEVELS.INFO;
}

/** JSON of a log entry: errors as plain objects, bigints as strings, cycles cut, never a throw. */
function toJson(entry: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(entry, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value !== 'object' || value === null) return value;
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
      return value instanceof Error ? errorFields(value) : value;
    });
  } catch {
    return JSON.stringify({ timestamp: entry.timestamp, level: entry.level, message: entry.message });
  }
}

function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of ['name', 'code', 'message', 'stack', 'cause'] as const) {
    try {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (value !== undefined) fields[key] = value;
    } catch {
      // A getter that throws: leave the field out.
    }
  }
  return fields;
}
