import type { Context } from 'aws-lambda';
import type { Clock } from './clock.js';
import { InvocationTimeoutError } from './errors.js';

/**
 * The invocation's time budget, from the Lambda context. It costs close to
 * nothing until it is near: the context is asked once at the start, which
 * gives the clock time at which the cutoff comes (Lambda's remaining time is
 * its deadline minus the clock), and a record start only reads the clock.
 * Only past that time is the context asked again, to confirm. The rest is
 * made on demand: the `AbortController` when someone reads `signal`, the
 * timer when the run goes asynchronous (`arm`), the `expired` promise when a
 * store call races it.
 *
 * It expires the first time the context confirms the remaining time is below
 * the cutoff, at a record start or when the timer fires while records run:
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
    if (context === undefined || typeof context.getRemainingTimeInMillis !== 'function') return undefined;
    const deadline = new Deadline(context, clock, marginMs, marginMs + reserveMs);
    return deadline.cutoffAt === undefined ? undefined : deadline;
  }

  /** Clock time at which the remaining time reaches the cutoff, as the context last said; undefined when it cannot say. */
  private cutoffAt: number | undefined;

  private constructor(
    private readonly context: Context,
    private readonly clock: Clock,
    /** The handler answers with at least this many milliseconds left. */
    readonly marginMs: number,
    /** Below this many milliseconds left, no record starts and running ones are cut off: the margin, plus the time reserved for the calls that follow the run. */
    readonly cutoffMs: number,
  ) {
    this.cutoffAt = this.ask();
  }

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

  /** Whether a record may start now: one clock read until the cutoff is near. Expires the deadline the first time the answer is no. */
  hasTime(): boolean {
    if (this.reasonOnExpiry !== undefined) return false;
    if (this.cutoffAt === undefined || this.clock.now() < this.cutoffAt) return true;
    return this.confirm();
  }

  /** Milliseconds until Lambda ends the invocation, as the context says now. */
  remainingMs(): number | undefined {
    const left = this.remaining();
    return Number.isNaN(left) ? undefined : left;
  }

  /** What the context says is left; NaN when it cannot say (a method that throws or answers garbage). */
  private remaining(): number {
    try {
      return Number(this.context.getRemainingTimeInMillis());
    } catch {
      return Number.NaN;
    }
  }

  /** Asks the context, and returns the clock time of the cutoff it implies (undefined when it cannot say). */
  private ask(): number | undefined {
    const left = this.remaining();
    return Number.isNaN(left) ? undefined : this.clock.now() + left - this.cutoffMs;
  }

  /** The clock says the cutoff has come: asks the context, and expires unless it still has time. */
  private confirm(): boolean {
    this.cutoffAt = this.ask();
    if (this.cutoffAt === undefined) return true; // the context stopped telling the time: no deadline
    const left = this.cutoffAt - this.clock.now();
    if (left > 0) return true;
    this.expire(left + this.cutoffMs);
    return false;
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

  /** Sets the timer for the cutoff; when it fires early (the context still has time), it is set again. */
  private setTimer(): void {
    this.timer = undefined;
    if (this.reasonOnExpiry !== undefined || !this.confirm() || this.cutoffAt === undefined) return;
    this.timer = this.clock.setTimeout(() => this.setTimer(), this.cutoffAt - this.clock.now());
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
