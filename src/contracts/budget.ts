import type { Clock } from '../clock.js';
import type { Deadline } from '../deadline.js';
import { settleWithin } from '../util.js';

/**
 * The time every awaited call after the run shares (failure-policy sends,
 * backoff, idempotency completions and releases). With a Lambda deadline it
 * ends where the timeout margin begins, so the handler answers with at least
 * `timeoutMarginMs` to spare, whatever a store or SQS does. Each call is also
 * held to its own timeout.
 *
 * When such calls follow the run, the run itself stops a little before the
 * margin (see `RESULTS_RESERVE_MS`): a run cut off by a record that hangs
 * would otherwise leave no time to complete the claims of the records that
 * succeeded, and their duplicates would run again.
 */
export class Budget {
  private constructor(
    private readonly endsAt: number | undefined,
    private readonly clock: Clock,
  ) {}

  /**
   * Time kept free between the end of the run and the margin when calls
   * follow the run: a quarter of the margin, at most 250 ms (a store or SQS
   * answers a batch call in a few tens of milliseconds).
   */
  static reserveFor(marginMs: number): number {
    return Math.min(250, marginMs / 4);
  }

  /** The budget left by `deadline` (none: only per-call timeouts apply), measured on the invocation's `clock`. */
  static after(deadline: Deadline | undefined, clock: Clock): Budget {
    const remaining = deadline?.remainingMs();
    if (deadline === undefined || remaining === undefined) return new Budget(undefined, clock);
    return new Budget(clock.now() + remaining - deadline.marginMs, clock);
  }

  /** Milliseconds left; `Infinity` without a deadline. */
  left(): number {
    return this.endsAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.endsAt - this.clock.now());
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
    return settleWithin(started, ms, () => onTimeout(ms, ms < timeoutMs), undefined, this.clock);
  }
}
