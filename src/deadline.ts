import type { Context } from 'aws-lambda';
import { type Clock, clockOf } from './clock.js';
import { InvocationTimeoutError } from './errors.js';

/**
 * The invocation's time budget. Aborts `signal` when the Lambda context's
 * remaining time falls below the margin, either at the timer set from the
 * remaining time at start or when `hasTime()` finds it low first.
 */
export class Deadline {
  readonly signal: AbortSignal;
  /** Resolves when time is up; never resolves without a context. */
  readonly expired: Promise<void>;
  private readonly controller = new AbortController();
  private readonly remaining: (() => number) | undefined;
  private timer: unknown;
  private readonly clock: Clock;
  private onExpire: (() => void) | undefined;

  constructor(
    context: Context | undefined,
    private readonly marginMs: number,
  ) {
    this.signal = this.controller.signal;
    this.clock = clockOf(context);
    const getRemaining = context?.getRemainingTimeInMillis;
    this.remaining = typeof getRemaining === 'function' ? () => getRemaining.call(context) : undefined;
    this.expired = new Promise<void>((resolve) => {
      this.onExpire = resolve;
    });
    this.arm();
  }

  /** Whether a record may start now; aborts the signal the first time the answer is no. */
  hasTime(): boolean {
    if (this.signal.aborted) return false;
    if (this.remaining === undefined) return true;
    const left = this.remaining();
    if (!(left < this.marginMs)) return true; // NaN from a broken context: no deadline
    this.expire(left);
    return false;
  }

  /** Milliseconds until Lambda ends the invocation, if the context can tell. */
  remainingMs(): number | undefined {
    const left = this.remaining?.();
    return left === undefined || Number.isNaN(left) ? undefined : left;
  }

  /** Clears the timer; call once the batch is answered. */
  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sets the timer for the time left before the margin; the timer re-arms if it fires early. */
  private arm(): void {
    this.timer = undefined;
    if (this.remaining === undefined || this.signal.aborted) return;
    const budget = this.remaining() - this.marginMs;
    if (Number.isNaN(budget)) return;
    if (budget <= 0) this.expire(budget + this.marginMs);
    else this.timer = this.clock.setTimeout(() => this.arm(), budget);
  }

  private expire(left: number): void {
    this.dispose();
    this.controller.abort(
      new InvocationTimeoutError(
        `The invocation has ${Math.max(0, Math.round(left))} ms left, below the timeout margin of ${this.marginMs} ms: no further record starts and records still running are reported as failures`,
      ),
    );
    this.onExpire?.();
  }
}
