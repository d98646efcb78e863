import type { Console } from 'node:console';
import { consoleClass } from '../builtins.js';

let shared: Console | undefined;

/**
 * A console over the process's own stdout and stderr, made on first use.
 * The default logger and the EMF writer write through it rather than the
 * global `console`, which Lambda's JSON log format replaces: a line that is
 * already JSON would be wrapped in another JSON object.
 */
export function stdio(): Console {
  shared ??= new (consoleClass())({ stdout: process.stdout, stderr: process.stderr });
  return shared;
}
