import { describeError } from '../errors.js';
import type { FailedEntry } from '../sqs.js';
import type { QueueCalls } from './queue.js';

/** One message to delete or release. */
interface Ack {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** When the message becomes visible again anyway: past it, retrying is pointless (its receipt handle is stale). */
  readonly until: number;
  /** A release's visibility timeout: 0 gives the message back now. */
  readonly seconds: number;
  attempt: number;
}

export type AckKind = 'delete' | 'release';

/** Per-call limit of SQS batch calls. */
const BATCH = 10;
const RETRY_BASE_MS = 100;
const RETRY_CAP_MS = 2000;
/**
 * A call for messages whose visibility has (nearly) run out still gets this
 * long, at most `sqsCallTimeoutMs`: deleting a record that succeeded is worth
 * one try, even with a receipt handle that may be stale.
 */
const LAST_TRY_MS = 1000;

/**
 * Deletes processed messages and releases unprocessed ones (visibility 0),
 * gathering what arrives in the same turn of the event loop into batch
 * calls of 10. Each call is bounded: by the queue's call timeout, and by the
 * time left before its messages become visible again anyway (a call still
 * unanswered then is given up). Each entry's result is checked: entries SQS
 * refused for a passing reason, and whole calls that failed or did not
 * answer, are retried with capped exponential backoff while the messages are
 * still invisible; entries SQS refused as the sender's fault (a stale receipt
 * handle) are not. What is given up is logged: those messages come back.
 */
export class Acknowledger {
  private readonly pending: Record<AckKind, Ack[]> = { delete: [], release: [] };
  private flushing: ReturnType<typeof setImmediate> | undefined;
  /** Calls in flight and retries waiting. */
  private busy = 0;
  private readonly retries = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;

  constructor(
    private readonly queue: QueueCalls,
    private readonly report: (kind: AckKind, given: readonly Ack[], error: string) => void,
    private readonly whenIdle: () => void,
  ) {}

  /** Deletes the message (its work is done). */
  delete(messageId: string, receiptHandle: string, until: number): void {
    this.add('delete', { messageId, receiptHandle, until, seconds: 0, attempt: 0 });
  }

  /** Makes the message visible again (it was not run): now, or after `seconds` (the circuit breaker is open). */
  release(messageId: string, receiptHandle: string, until: number, seconds = 0): void {
    this.add('release', { messageId, receiptHandle, until, seconds, attempt: 0 });
  }

  /** Whether nothing is waiting, in flight or scheduled for a retry. */
  get idle(): boolean {
    return this.busy === 0 && this.flushing === undefined;
  }

  /**
   * Stops acknowledging (the consumer stopped without waiting any longer):
   * nothing more is sent, answers still to come are ignored.
   */
  close(): void {
    this.closed = true;
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    this.flushing = undefined;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    this.pending.delete.length = 0;
    this.pending.release.length = 0;
  }

  private add(kind: AckKind, ack: Ack): void {
    if (this.closed) return;
    const queue = this.pending[kind];
    queue.push(ack);
    if (queue.length >= BATCH) this.send(kind, queue.splice(0, BATCH));
    else this.flushing ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = undefined;
    for (const kind of ['delete', 'release'] as const) {
      const queue = this.pending[kind];
      while (queue.length > 0) this.send(kind, queue.splice(0, BATCH));
    }
    this.settled();
  }

  private send(kind: AckKind, acks: Ack[]): void {
    this.busy++;
    const handles = acks.map((ack) => ack.receiptHandle);
    const left = Math.max(...acks.map((ack) => ack.until)) - Date.now();
    const timeoutMs = Math.min(this.queue.callTimeoutMs, Math.max(LAST_TRY_MS, left));
    // Bounded calls never throw: whatever the client does, they settle.
    const call =
      kind === 'delete'
        ? this.queue.delete(handles, timeoutMs)
        : this.queue.changeVisibility(
            acks.map(({ receiptHandle, seconds }) => ({ receiptHandle, seconds })),
            timeoutMs,
          );
    call
      .then(
        (failed) => this.answered(kind, acks, failed),
        (error: unknown) => this.retry(kind, acks, describeError(error)),
      )
      .finally(() => {
        this.busy--;
        this.settled();
      });
  }

  private answered(kind: AckKind, acks: readonly Ack[], failed: readonly FailedEntry[]): void {
    if (this.closed || failed.length === 0) return;
    const byHandle = new Map(acks.map((ack) => [ack.receiptHandle, ack]));
    const again: Ack[] = [];
    let why = '';
    for (const failure of failed) {
      const ack = byHandle.get(failure.receiptHandle);
      if (ack === undefined) continue;
      if (failure.senderFault) {
        this.report(kind, [ack], failure.error);
      } else {
        again.push(ack);
        why ||= failure.error;
      }
    }
    if (again.length > 0) this.retry(kind, again, why);
  }

  /** Schedules `acks` again after a backoff, giving up those whose message is visible again by then. */
  private retry(kind: AckKind, acks: readonly Ack[], error: string): void {
    if (this.closed) return;
    const keep: Ack[] = [];
    const given: Ack[] = [];
    const now = Date.now();
    for (const ack of acks) {
      ack.attempt++;
      const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (ack.attempt - 1));
      (now + delay < ack.until ? keep : given).push(ack);
    }
    if (given.length > 0) this.report(kind, given, error);
    if (keep.length === 0) return;
    const attempt = Math.max(...keep.map((ack) => ack.attempt));
    const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    this.busy++;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      this.busy--;
      for (const ack of keep) this.add(kind, ack);
      this.settled();
    }, delay);
    this.retries.add(timer);
  }

  private settled(): void {
    if (this.idle && !this.closed) this.whenIdle();
  }
}
