import type { Context } from 'aws-lambda';
import type { Clock } from './clock.js';
import { InvocationTimeoutError } from './errors.js';

/**
 * The invocation's time budget, from the Lambda context. It costs close to
 * nothing until it is needed: a record start reads the remaining time (as a
 * hand-written loop would), and the rest is made on demand: the
 * `AbortController` when someone reads `signal`, the timer when the run
 * goes asynchronous (`arm`), the `expired` promise when a store call races it.
 *
 * It expires the first time the remaining time is found below the margin,
 * by `hasTime()` before a record starts or by the timer while records run:
 * the signal aborts with an `InvocationTimeoutError`, and every `onExpire`
 * callback runs once.
 */
export class Deadline {
  private controller: AbortController | undefined;
  private reasonOnExpiry: InvocationTimeoutError | undefined;
  private timer: unknown;
  private armed = false;
  private callbacks: Array<() => void> | undefined;
  private expiredPromise: Promise<void> | undefined;

  /**
   * The deadline of an invocation, or `undefined` when there is none to keep:
   * no context, or a context that cannot tell its remaining time (a missing
   * method, one that throws, or one that answers NaN).
   */
  static of(context: Context | undefined, clock: Clock, marginMs: number, reserveMs = 0): Deadline | undefined {
    const getRemaining = context?.getRemainingTimeInMillis;
    if (typeof getRemaining !== 'function') return undefined;
    const remaining = (): number => {
      try {
        return Number(getRemaining.call(context));
      } catch {
        return Number.NaN;
      }
    };
    if (Number.isNaN(remaining())) return undefined;
    return new Deadline(remaining, clock, marginMs, marginMs + reserveMs);
  }

  private constructor(
    private readonly remaining: () => number,
    private readonly clock: Clock,
    /** The handler answers with at least this many milliseconds left. */
    readonly marginMs: number,
    /** Below this many milliseconds left, no record starts and running ones are cut off: the margin, plus the time reserved for the calls that follow the run. */
    readonly cutoffMs: number,
  ) {}

  /** The reason records still running fail with, once time ran out. */
  get reason(): InvocationTimeoutError | undefined {
    return this.reasonOnExpiry;
  }

  /** Aborts (with an `InvocationTimeoutError`) when time runs out; made on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reasonOnExpiry !== undefined) this.controller.abort(this.reasonOnExpiry);
    }
    return this.controller.signal;
  }

  /** Resolves when time runs out; made on first use (store calls race it). Arms the timer. */
  get expired(): Promise<void> {
    if (this.expiredPromise === undefined) {
      this.expiredPromise = new Promise<void>((resolve) => this.onExpire(resolve));
      this.arm();
    }
    return this.expiredPromise;
  }

  /** Runs `callback` once when time runs out (at once if it already has). */
  onExpire(callback: () => void): void {
    if (this.reasonOnExpiry !== undefined) {
      callback();
      return;
    }
    if (this.callbacks === undefined) this.callbacks = [callback];
    else this.callbacks.push(callback);
  }

  /** Whether a record may start now; expires the deadline the first time the answer is no. */
  hasTime(): boolean {
    if (this.reasonOnExpiry !== undefined) return false;
    const left = this.remaining();
    if (!(left < this.cutoffMs)) return true; // NaN from a broken context: no deadline
    this.expire(left);
    return false;
  }

  /** Milliseconds until Lambda ends the invocation. */
  remainingMs(): number | undefined {
    const left = this.remaining();
    return Number.isNaN(left) ? undefined : left;
  }

  /**
   * Sets the timer for the time left before the margin, so records that are
   * still running when it comes are cut off. Called when the run goes
   * asynchronous; the timer re-arms if it fires while time is still left.
   */
  arm(): void {
    if (this.armed || this.reasonOnExpiry !== undefined) return;
    this.armed = true;
    this.setTimer();
  }

  /** Clears the timer; call once the batch is answered. */
  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setTimer(): void {
    this.timer = undefined;
    if (this.reasonOnExpiry !== undefined) return;
    const budget = this.remaining() - this.cutoffMs;
    if (Number.isNaN(budget)) return;
    if (budget <= 0) this.expire(budget + this.cutoffMs);
    else this.timer = this.clock.setTimeout(() => this.setTimer(), budget);
  }

  private expire(left: number): void {
    this.dispose();
    this.reasonOnExpiry = new InvocationTimeoutError(
      `The invocation has ${Math.max(0, Math.round(left))} ms left, below the ${this.cutoffMs === this.marginMs ? `timeout margin of ${this.marginMs} ms` : `${this.cutoffMs} ms it needs (the timeout margin of ${this.marginMs} ms, and ${this.cutoffMs - this.marginMs} ms to record the results)`}: no further record starts and records still running are reported as failures`,
    );
    this.controller?.abort(this.reasonOnExpiry);
    const callbacks = this.callbacks;
    this.callbacks = undefined;
    if (callbacks !== undefined) for (const callback of callbacks) callback();
  }
}
