import { isPromiseLike } from '../util.js';

/**
 * Calls a plug-in that must not cost a record (a logger, a metrics sink, a
 * span): a throw is swallowed, and so is the rejection of a promise it
 * returns, which is never awaited (an unhandled rejection would crash the
 * process on Lambda). Never throws.
 */
export function quietly(call: () => unknown): void {
  try {
    const returned = call();
    if (isPromiseLike(returned)) Promise.resolve(returned).catch(ignore);
  } catch {
    // A plug-in that throws: its own call is lost, nothing else.
  }
}

function ignore(): void {}
