import type { Console } from 'node:console';
import type { BatchLogger } from '../types.js';
import { stdio } from './stdio.js';

/** Log levels in order; a line is written when its level is at or above the logger's. */
const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 } as const;
type Level = keyof typeof LEVELS;

/**
 * The logger a handler uses when no `logger` option is given: one JSON
 * object per line, `{ timestamp, level, message, ...attributes }`, which is
 * what CloudWatch Logs Insights and Lambda's JSON log format read. Errors are
 * written as `{ name, code, message, stack }` (with their `cause`).
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
    private readonly out: Pick<Console, 'log' | 'error'> = stdio(),
  ) {
    this.threshold = threshold ?? levelFromEnv();
  }

  /** A logger that adds `bindings` to every line. */
  child(bindings: Readonly<Record<string, unknown>>): JsonLogger {
    return new JsonLogger({ ...this.bindings, ...bindings }, this.threshold, this.out);
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
    const entry: Record<string, unknown> = { timestamp: new Date().toISOString(), level, message: String(message) };
    Object.assign(entry, this.bindings);
    for (const more of attributes) if (typeof more === 'object' && more !== null) Object.assign(entry, more);
    const line = toJson(entry);
    if (level === 'ERROR' || level === 'WARN') this.out.error(line);
    else this.out.log(line);
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
    return JSON.stringify({ timestamp: entry.timestamp, level: entry.level, message: String(entry.message) });
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
