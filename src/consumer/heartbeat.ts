import { describeError } from '../errors.js';
import type { FailedEntry } from '../sqs.js';

/** The heartbeat extends a record's visibility when this share of it is left. */
const EXTEND_AT_LEFT = 1 / 3;
/** A failed extension is retried after at most this long, while the visibility lasts. */
const EXTEND_RETRY_MAX_MS = 1000;
/**
 * With this little visibility left and no extension, the record counts as
 * having lost its message: SQS may deliver it again before another call could
 * answer, so its signal aborts.
 */
const LOST_AT_LEFT_MS = 200;
/** Extensions due within this long of each other go in one call. */
const GATHER_MS = 50;

/** Where a received message is, as the heartbeat sees it. */
const HELD = 0;
/** Its visibility ran out (or SQS refused to extend it): not extended, unless a new delivery is adopted. */
const LOST = 1;
/** Handed on (deleted, released) or otherwise not the heartbeat's to keep. */
const DROPPED = 2;

export interface HeartbeatSettings {
  /** Whether to extend at all (the `heartbeat` option, and a queue visibility above 0). */
  readonly enabled: boolean;
  readonly visibilitySeconds: number;
  /** The bound of one extension call (`sqsCallTimeoutMs`); a call is never given more than the visibility left. */
  readonly callTimeoutMs: number;
}

/** What the heartbeat keeps alive: the received batch that holds the messages. */
export interface HeartbeatTarget {
  /** Whether extending still makes sense (false once the batch's run has concluded). */
  holding(): boolean;
  /** One bounded `ChangeMessageVisibilityBatch`; answers the entries not confirmed. */
  extend(
    entries: ReadonlyArray<{ receiptHandle: string; seconds: number }>,
    timeoutMs: number,
  ): Promise<readonly FailedEntry[]>;
  /** Some messages are now invisible until `until` (epoch ms). */
  extended(until: number): void;
  /** The message of the record at `index` is no longer held: SQS may deliver it again. */
  lost(index: number, detail: string): void;
}

/**
 * The visibility heartbeat of one received batch: it knows each message's
 * latest receipt handle and when it becomes visible again, extends every
 * held message when a third of its visibility is left (those due together
 * in one call), retries an extension that failed for a passing reason, and
 * declares a message lost when SQS refuses to extend it, or when its
 * visibility is about to run out with no extension confirmed, whether the
 * calls fail or never answer. A message delivered again while still held
 * here is adopted: its new receipt handle is the one extended (and
 * acknowledged) from then on.
 */
export class Heartbeat {
  private readonly handles: string[];
  private readonly until: Float64Array;
  private readonly states: Uint8Array;
  private readonly retryAt: Float64Array;
  private readonly lastError: Array<string | undefined>;
  private readonly visibilityMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private extending = false;
  private stopped = false;

  constructor(
    receiptHandles: readonly string[],
    /** When the messages become visible again unless extended (epoch ms). */
    visibleUntil: number,
    private readonly settings: HeartbeatSettings,
    private readonly target: HeartbeatTarget,
  ) {
    const count = receiptHandles.length;
    this.handles = [...receiptHandles];
    this.until = new Float64Array(count).fill(visibleUntil);
    this.states = new Uint8Array(count);
    this.retryAt = new Float64Array(count);
    this.lastError = new Array(count);
    this.visibilityMs = settings.visibilitySeconds * 1000;
  }

  /** The latest receipt handle of the record's message. */
  receiptHandle(index: number): string {
    return this.handles[index] as string;
  }

  /** When the record's message becomes visible again unless extended (epoch ms). */
  visibleUntil(index: number): number {
    return this.until[index] as number;
  }

  /** Starts extending. */
  start(): void {
    this.schedule();
  }

  /** Stops for good (the batch is acknowledged). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The record's message is handed on: it is no longer extended. */
  drop(index: number): void {
    this.states[index] = DROPPED;
  }

  /** The record's message was delivered again (its visibility ran out): keep the new delivery instead. */
  adopt(index: number, receiptHandle: string, visibleUntil: number): void {
    this.handles[index] = receiptHandle;
    this.until[index] = visibleUntil;
    this.states[index] = HELD;
    this.retryAt[index] = 0;
    this.lastError[index] = undefined;
    this.schedule();
  }

  /** Sets the timer for the next extension or loss, whichever comes first. */
  private schedule(): void {
    if (this.stopped || !this.settings.enabled) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.states.length; i++) {
      if (this.states[i] !== HELD) continue;
      next = Math.min(next, this.lossAt(i));
      if (!this.extending) next = Math.min(next, this.extendAt(i));
    }
    if (next === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => this.wake(), Math.max(0, next - Date.now()));
  }

  private wake(): void {
    this.timer = undefined;
    // The run concluded: the failure policy may be setting failed records' visibility; extend nothing now.
    if (!this.target.holding()) return;
    const now = Date.now();
    const due: number[] = [];
    for (let i = 0; i < this.states.length; i++) {
      if (this.states[i] !== HELD) continue;
      if (this.lossAt(i) <= now) this.lose(i);
      else if (this.extendAt(i) <= now + GATHER_MS) due.push(i);
    }
    if (!this.extending && due.length > 0) void this.extend(due, now);
    this.schedule();
  }

  /** Extends `due` in one call, bounded by the visibility the last of them has left. */
  private async extend(due: readonly number[], now: number): Promise<void> {
    this.extending = true;
    const sent = due.map((i) => this.handles[i] as string);
    const horizon = now + this.visibilityMs;
    const left = Math.max(...due.map((i) => this.lossAt(i))) - now;
    const timeoutMs = Math.max(1, Math.min(this.settings.callTimeoutMs, left));
    let failed: readonly FailedEntry[];
    try {
      failed = await this.target.extend(
        sent.map((receiptHandle) => ({ receiptHandle, seconds: this.settings.visibilitySeconds })),
        timeoutMs,
      );
    } catch (error) {
      const why = describeError(error);
      failed = sent.map((receiptHandle) => ({ receiptHandle, error: why, senderFault: false }));
    }
    this.extending = false;
    if (this.stopped) return;
    const refused = new Map(failed.map((entry) => [entry.receiptHandle, entry]));
    const after = Date.now();
    let extended = false;
    due.forEach((i, k) => {
      // Dropped meanwhile, or a newer delivery adopted: this answer is about a receipt handle no longer kept.
      if (this.states[i] === DROPPED || this.handles[i] !== sent[k]) return;
      const failure = refused.get(sent[k] as string);
      if (failure === undefined) {
        // Confirmed, even if late: the message is held again (a record lost meanwhile keeps its aborted signal).
        this.states[i] = HELD;
        this.until[i] = horizon;
        this.retryAt[i] = 0;
        this.lastError[i] = undefined;
        extended = true;
      } else if (this.states[i] === HELD) {
        this.lastError[i] = failure.error;
        if (failure.senderFault) this.lose(i);
        else this.retryAt[i] = after + Math.min(EXTEND_RETRY_MAX_MS, Math.max(GATHER_MS, (this.lossAt(i) - after) / 3));
      }
    });
    if (extended) this.target.extended(horizon);
    this.schedule();
  }

  private lose(i: number): void {
    this.states[i] = LOST;
    const error = this.lastError[i];
    this.target.lost(
      i,
      error === undefined
        ? 'no extension of its visibility timeout was confirmed before it ran out'
        : `its visibility timeout could not be extended (${error})`,
    );
  }

  private extendAt(i: number): number {
    return Math.max((this.until[i] as number) - this.visibilityMs * EXTEND_AT_LEFT, this.retryAt[i] as number);
  }

  private lossAt(i: number): number {
    return (this.until[i] as number) - LOST_AT_LEFT_MS;
  }
}
