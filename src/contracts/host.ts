import type { InvocationHooks } from './hooks.js';

/**
 * What runs an invocation outside Lambda (the consumer, which polls SQS
 * itself) adds to it: a stop of its own, a signal per record, and how long
 * idempotency claims last. The Lambda path has no host and pays nothing for
 * this: without one, the invocation allocates nothing more per record.
 */
export interface InvocationHost {
  /**
   * Called once the invocation exists, before any phase runs. The hooks it
   * returns follow the invocation like a feature's; `invocation` lets the
   * host renew the invocation's claims while records run.
   */
  follow(invocation: HostedInvocation): InvocationHooks | undefined;
  /**
   * Asked before each record starts, beside the deadline. Once it answers
   * `false`, no further record starts; records not started are `skipped`
   * with reason `'shutdown'`.
   */
  canStart(): boolean;
  /**
   * Asked as the record at `index` is about to start, after `canStart`: a
   * shared limit on records running (the consumer's slots, across its
   * batches). `undefined` lets it start now; otherwise it starts when the
   * promise resolves `true`, and is `skipped` with reason `'shutdown'` when
   * it resolves `false`; it must never reject. Each record given a slot
   * settles through the hooks.
   */
  acquire?(index: number): PromiseLike<boolean> | undefined;
  /**
   * Asked as the record at `index` is about to start: a reason answered
   * (its message was lost while it waited for its turn) fails the record
   * with it, without calling `processRecord`: a message SQS may deliver
   * to someone else is never started here.
   */
  refusal?(index: number): unknown;
  /**
   * Resolves when the host stops waiting for the records still running: the
   * run concludes at once, as at a Lambda deadline, and those records fail
   * with their signal's reason. Abort their signals before resolving it.
   * One per invocation: the engine waits on it, and a promise shared by every
   * invocation that never resolves would keep each of them alive.
   */
  readonly abandoned: Promise<void>;
  /** `ctx.signal` of the record at `index`, instead of the invocation's. */
  signal(index: number): AbortSignal;
  /** When the idempotency claims lapse unless renewed (epoch ms), instead of the deadline or `inProgressTtlSeconds`. */
  claimUntil(): number;
}

/** What a host sees of the invocation it follows. */
export interface HostedInvocation {
  /** Whether the run is over: outcomes no longer change, and the failure policy may be at work. */
  readonly isClosed: boolean;
  /**
   * Moves every idempotency claim the invocation still holds to `until`
   * (the store renews a claim made under the same token). Never rejects.
   *
   * @returns Indexes of the records whose claim could not be renewed (another
   *   holder, a store failure): they no longer hold their key past the old horizon.
   */
  renewClaims(until: number): Promise<readonly number[]>;
}
