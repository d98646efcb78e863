import type { FailedEntry } from 'sqs-partial-batch/sqs';
import type { QueueCalls } from './queue.js';

/** One message to delete or release. */
interface Ack {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** When the message becomes visible again anyway: past it, retrying is pointless (its receipt handle is stale). */
  readonly until: number;
  attempt: number;
}

type Kind = 'delete' | 'release';

/** Per-call limit of SQS batch calls. */
const BATCH = 10;
const RETRY_BASE_MS = 100;
const RETRY_CAP_MS = 2000;

/**
 * Deletes processed messages and releases unprocessed ones (visibility 0),
 * gathering what arrives in the same turn of the event loop into batch
 * calls of 10. Each entry's result is checked: entries SQS refused for a
 * passing reason, and whole calls that failed, are retried with capped
 * exponential backoff until the message would become visible again anyway;
 * entries SQS refused as the sender's fault (a stale receipt handle) are
 * not. What is given up is logged: those messages come back.
 */
export class Acknowledger {
  private readonly pending: Record<Kind, Ack[]> = { delete: [], release: [] };
  private flushing: ReturnType<typeof setImmediate> | undefined;
  /** Calls in flight and retries waiting. */
  private busy = 0;

  constructor(
    private readonly queue: QueueCalls,
    private readonly report: (kind: Kind, given: readonly Ack[], error: string) => void,
    private readonly whenIdle: () => void,
  ) {}

  /** Deletes the message (its work is done). */
  delete(messageId: string, receiptHandle: string, until: number): void {
    this.add('delete', { messageId, receiptHandle, until, attempt: 0 });
  }

  /** Makes the message visible again now (it was not run). */
  release(messageId: string, receiptHandle: string, until: number): void {
    this.add('release', { messageId, receiptHandle, until, attempt: 0 });
  }

  /** Whether nothing is waiting, in flight or scheduled for a retry. */
  get idle(): boolean {
    return this.busy === 0 && this.flushing === undefined;
  }

  private add(kind: Kind, ack: Ack): void {
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

  private send(kind: Kind, acks: Ack[]): void {
    this.busy++;
    const handles = acks.map((ack) => ack.receiptHandle);
    const call =
      kind === 'delete'
        ? this.queue.delete(handles)
        : this.queue.changeVisibility(handles.map((receiptHandle) => ({ receiptHandle, seconds: 0 })));
    call
      .then(
        (failed) => this.answered(kind, acks, failed),
        (error: unknown) =>
          this.retry(kind, acks, error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
      )
      .finally(() => {
        this.busy--;
        this.settled();
      });
  }

  private answered(kind: Kind, acks: readonly Ack[], failed: readonly FailedEntry[]): void {
    if (failed.length === 0) return;
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
  private retry(kind: Kind, acks: readonly Ack[], error: string): void {
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
    setTimeout(() => {
      this.busy--;
      for (const ack of keep) this.add(kind, ack);
    }, delay);
  }

  private settled(): void {
    if (this.idle) this.whenIdle();
  }
}
