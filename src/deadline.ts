import type { Context } from 'aws-lambda';
import type { Clock } from './clock.js';
import { InvocationTimeoutError } from './errors.js';

/**
 * The invocation's time budget. Aborts `signal` when the Lambda context's
 * remaining time falls below the margin, either at the timer set from the
 * remaining time or when `hasTime()` finds it low first.
 */
export class Deadline {
  readonly signal: AbortSignal;
  /** Resolves when time is up. */
  readonly expired: Promise<void>;
  private readonly controller = new AbortController();
  private timer: unknown;
  private onExpire: (() => void) | undefined;

  /**
   * The deadline of an invocation, or `undefined` when there is none to keep:
   * no context, or a context that cannot tell its remaining time.
   */
  static of(context: Context | undefined, clock: Clock, marginMs: number): Deadline | undefined {
    const getRemaining = context?.getRemainingTimeInMillis;
    if (typeof getRemaining !== 'function') return undefined;
    const remaining = () => getRemaining.call(context);
    if (Number.isNaN(remaining())) return undefined;
    return new Deadline(remaining, clock, marginMs);
  }

  private constructor(
    private readonly remaining: () => number,
    private readonly clock: Clock,
    /** Below this many milliseconds left, no record starts. */
    readonly marginMs: number,
  ) {
    this.signal = this.controller.signal;
    this.expired = new Promise<void>((resolve) => {
      this.onExpire = resolve;
    });
    this.arm();
  }

  /** Whether a record may start now; aborts the signal the first time the answer is no. */
  hasTime(): boolean {
    if (this.signal.aborted) return false;
    const left = this.remaining();
    if (!(left < this.marginMs)) return true; // NaN from a broken context: no deadline
    this.expire(left);
    return false;
  }

  /** Milliseconds until Lambda ends the invocation. */
  remainingMs(): number | undefined {
    const left = this.remaining();
    return Number.isNaN(left) ? undefined : left;
  }

  /** Clears the timer; call once the batch is answered. */
  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sets the timer for the time left before the margin; the timer re-arms if it fires early. */
  private arm(): void {
    this.timer = undefined;
    if (this.signal.aborted) return;
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
