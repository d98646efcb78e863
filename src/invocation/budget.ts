import type { Deadline } from '../deadline.js';
import { settleWithin } from '../util.js';

/**
 * The time every awaited call after the run shares (failure-policy sends,
 * backoff, idempotency completions and releases). With a Lambda deadline it
 * ends when half the timeout margin is left: records stop starting at the
 * margin, the calls that record their results may use the first half of it,
 * and the handler answers with at least the other half to spare, whatever a
 * store or SQS does. Each call is also held to its own timeout.
 *
 * Completions need that slice: a run that ends at the margin (a record that
 * hangs) would otherwise leave every success of the batch uncompleted, and
 * their duplicates would run again.
 */
export class Budget {
  private constructor(
    private readonly endsAt: number | undefined,
    private readonly now: () => number,
  ) {}

  /** The budget left by `deadline` (none: only per-call timeouts apply). */
  static after(deadline: Deadline | undefined, now: () => number): Budget {
    const remaining = deadline?.remainingMs();
    if (deadline === undefined || remaining === undefined) return new Budget(undefined, now);
    return new Budget(now() + remaining - deadline.marginMs / 2, now);
  }

  /** Milliseconds left; `Infinity` without a deadline. */
  left(): number {
    return this.endsAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.endsAt - this.now());
  }

  /**
   * Settles like `call()`, or rejects with `onTimeout(ms)` after the smaller
   * of `timeoutMs` and what is left. When nothing is left, `call` is not made.
   */
  within<T>(
    call: () => PromiseLike<T>,
    timeoutMs: number,
    onTimeout: (ms: number, spent: boolean) => Error,
  ): Promise<T> {
    const left = this.left();
    if (left <= 0) return Promise.reject(onTimeout(0, true));
    const ms = Math.min(timeoutMs, left);
    let started: PromiseLike<T>;
    try {
      started = call();
    } catch (error) {
      return Promise.reject(error);
    }
    return settleWithin(started, ms, () => onTimeout(ms, ms < timeoutMs));
  }
}
