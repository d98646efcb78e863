import type { Context } from 'aws-lambda';

/**
 * Where the batch loop reads the time and sets its deadline timer. The real
 * clock by default; a Lambda context may carry another one under
 * {@link CLOCK}, which is how the `sqs-partial-batch/testing` simulator runs
 * handlers on virtual time.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The context property under which a test harness hands the batch loop its clock. */
export const CLOCK: unique symbol = Symbol.for('sqs-partial-batch.clock');

/** The process's own clock: `Date.now` and the global timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The clock for an invocation: the context's, if it carries one, else the real one. */
export function clockOf(context: Context | undefined): Clock {
  const carried = (context as { [CLOCK]?: Clock } | undefined)?.[CLOCK];
  return carried ?? realClock;
}
