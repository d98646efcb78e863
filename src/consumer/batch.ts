import type { SQSRecord } from 'aws-lambda';
import type { FailedEntry } from 'sqs-partial-batch/sqs';
import { describeError } from '../errors.js';
import type { InvocationHooks } from '../invocation/hooks.js';
import type { HostedInvocation, InvocationHost } from '../invocation/host.js';
import { runInvocation } from '../invocation/runInvocation.js';
import type { RecordOutcome } from '../types.js';
import { VisibilityLostError } from './errors.js';
import type { Poller } from './poller.js';

/** Where a received record is. */
const WAITING = 0;
const RUNNING = 1;
/** Ran, and did not succeed: held (and kept invisible) until the invocation concludes. */
const SETTLED = 2;
/** Handed to the acknowledger: deleted or released. */
const GONE = 3;

/** The heartbeat extends a record's visibility when this share of it is left. */
const EXTEND_AT_LEFT = 1 / 3;
/** A failed extension is retried after at most this long, while the visibility lasts. */
const EXTEND_RETRY_MAX_MS = 1000;
/** Below this much visibility left, a failed extension is not retried: the record is lost. */
const EXTEND_GIVE_UP_MS = 200;

/**
 * One `ReceiveMessage` result, run through the engine as one SQS event. It
 * is the invocation's host: it stops records from starting when the
 * consumer stops, gives each record a signal of its own (aborted when its
 * visibility cannot be extended, or at the shutdown timeout), sets the
 * horizon of idempotency claims to the messages' visibility, and follows
 * records through the engine's hooks: a record that succeeds is deleted at
 * once, and the slot of every record that settles is freed. Its heartbeat
 * keeps every record it still holds invisible (and its claims alive) until
 * the run concludes.
 */
export class Batch implements InvocationHost {
  readonly count: number;
  /** FIFO message groups of the batch (empty on a standard queue). */
  readonly groups: ReadonlySet<string>;
  /** Resolves once the batch has its outcomes, with the FIFO groups that did not complete (their later records must wait). */
  readonly done: Promise<ReadonlySet<string>>;
  /**
   * Resolves at the shutdown timeout (see `abandon`). The batch's own, not
   * the consumer's: what waits on it goes with the batch, however long the
   * consumer runs.
   */
  readonly abandoned: Promise<void>;
  private resolveAbandoned!: () => void;
  private readonly state: Uint8Array;
  /** When each record becomes visible again unless extended (epoch ms). */
  private readonly until: Float64Array;
  private claimHorizon: number;
  private controllers: Array<AbortController | undefined> | undefined;
  private reasons: unknown[] | undefined;
  private invocation: HostedInvocation | undefined;
  /** Record index of each invocation index, when some records were released before the run. */
  private slots: number[] | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private finished = false;
  /** FIFO groups whose records were released before the run (an earlier batch left them unfinished). */
  private readonly stoppedBefore = new Set<string>();
  private resolveDone!: (stopped: ReadonlySet<string>) => void;

  constructor(
    private readonly poller: Poller,
    readonly records: readonly SQSRecord[],
    /** When the receive was sent: visibility is counted from there, to be safe. */
    receivedAt: number,
  ) {
    this.count = records.length;
    this.state = new Uint8Array(this.count);
    const visibleUntil = receivedAt + poller.visibilityMs;
    this.until = new Float64Array(this.count).fill(visibleUntil);
    this.claimHorizon = visibleUntil;
    const groups = new Set<string>();
    if (poller.fifo) for (const record of records) groups.add(groupOf(record));
    this.groups = groups;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.abandoned = new Promise((resolve) => {
      this.resolveAbandoned = resolve;
    });
  }

  /**
   * Runs the batch once `turn` says its FIFO groups are free, first
   * releasing the records of groups an earlier batch left unfinished.
   * Resolves when the batch is acknowledged; never rejects.
   */
  async run(turn: Promise<ReadonlySet<string>> | undefined): Promise<void> {
    this.beatLater();
    if (turn !== undefined) this.releaseStopped(await turn);
    const records = this.slots === undefined ? this.records : this.slots.map((i) => this.records[i] as SQSRecord);
    let outcomes: readonly RecordOutcome[] = [];
    if (records.length > 0) {
      try {
        ({ outcomes } = await runInvocation({ Records: records }, undefined, this.poller.engine, this));
      } catch (error) {
        // Not expected (the event is ours): every record counts as failed, and its message comes back.
        this.poller.log('error', 'The consumer could not run a batch; its messages come back', { error });
        outcomes = records.map((record, index) => ({ status: 'failed', messageId: record.messageId, index, error }));
      }
    }
    this.finish(outcomes);
  }

  /**
   * The shutdown timeout: aborts the signal of every record still running
   * with `reason`, and concludes the run without them (they fail with it).
   * Answers how many were running.
   */
  abandon(reason: unknown): number {
    let aborted = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.state[i] !== RUNNING) continue;
      this.abort(i, reason);
      aborted++;
    }
    this.resolveAbandoned();
    return aborted;
  }

  // The host, as the engine sees it.

  follow(invocation: HostedInvocation): InvocationHooks {
    this.invocation = invocation;
    return {
      recordStarted: (index) => this.started(this.slot(index)),
      recordSettled: (outcome) => this.settled(outcome),
    };
  }

  canStart(): boolean {
    return !this.poller.stopping;
  }

  signal(index: number): AbortSignal {
    const i = this.slot(index);
    this.controllers ??= new Array(this.count);
    let controller = this.controllers[i];
    if (controller === undefined) {
      controller = new AbortController();
      this.controllers[i] = controller;
      const reason = this.reasons?.[i];
      if (reason !== undefined) controller.abort(reason);
    }
    return controller.signal;
  }

  claimUntil(): number {
    return this.claimHorizon;
  }

  // What happens to records.

  private slot(index: number): number {
    return this.slots === undefined ? index : (this.slots[index] as number);
  }

  private started(i: number): void {
    this.state[i] = RUNNING;
    this.poller.recordStarted();
  }

  private settled(outcome: RecordOutcome): void {
    const i = this.slot(outcome.index);
    // FIFO skips settle records that never started.
    const ran = this.state[i] === RUNNING;
    const done = outcome.status === 'succeeded' || outcome.status === 'duplicate';
    // The slot first: the next receive then goes out before this deletion, and the queue answers it first.
    this.poller.recordSettled(ran, done);
    if (done) this.remove(i, 'delete');
    else this.state[i] = SETTLED;
  }

  /** Hands the record to the acknowledger (once: no caller passes a record already gone). */
  private remove(i: number, kind: 'delete' | 'release'): void {
    this.state[i] = GONE;
    const record = this.records[i] as SQSRecord;
    const acks = this.poller.acks;
    if (kind === 'delete') acks.delete(record.messageId, record.receiptHandle, this.until[i] as number);
    else acks.release(record.messageId, record.receiptHandle, this.until[i] as number);
  }

  /** Releases, without running them, the records of FIFO groups an earlier batch left unfinished. */
  private releaseStopped(stopped: ReadonlySet<string>): void {
    if (stopped.size === 0) return;
    const slots: number[] = [];
    let released = 0;
    for (let i = 0; i < this.count; i++) {
      const group = groupOf(this.records[i] as SQSRecord);
      if (stopped.has(group)) {
        this.remove(i, 'release');
        this.stoppedBefore.add(group);
        released++;
      } else {
        slots.push(i);
      }
    }
    // `stopped` holds only groups of this batch (see the poller's turnOf), so at least one record went.
    this.slots = slots;
    this.poller.recordsReleased(released);
  }

  /** Acknowledges from the final outcomes, the way the handler's response would have SQS do it. */
  private finish(outcomes: readonly RecordOutcome[]): void {
    this.finished = true;
    clearTimeout(this.timer);
    const stopped = new Set(this.stoppedBefore);
    const counts = { unsettled: 0, running: 0, failed: 0, released: 0 };
    for (const outcome of outcomes) {
      const i = this.slot(outcome.index);
      const state = this.state[i];
      if (state === WAITING || state === RUNNING) {
        // Never settled through the hooks: not started when the consumer stopped (or the run broke).
        counts.unsettled++;
        if (state === RUNNING) counts.running++;
      }
      switch (outcome.status) {
        case 'succeeded':
        case 'duplicate':
          break; // deleted, and counted, when it settled
        case 'dead-lettered':
        case 'dropped':
          this.remove(i, 'delete');
          counts.failed++;
          break;
        case 'skipped':
          this.remove(i, 'release');
          counts.released++;
          stopped.add(groupOf(this.records[i] as SQSRecord));
          break;
        default:
          // failed, invalid: left to come back after the visibility timeout (or the backoff the policy set).
          counts.failed++;
          stopped.add(groupOf(this.records[i] as SQSRecord));
      }
    }
    this.poller.batchDone(this, counts);
    this.resolveDone(this.poller.fifo ? stopped : EMPTY);
  }

  // The heartbeat.

  /** Schedules the next extension: when the first held record has a third of its visibility left. */
  private beatLater(retryInMs?: number): void {
    if (!this.poller.heartbeat || this.finished) return;
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.count; i++) {
      if (this.state[i] === GONE || this.reasons?.[i] !== undefined) continue;
      next = Math.min(next, (this.until[i] as number) - this.poller.visibilityMs * EXTEND_AT_LEFT);
    }
    if (next === Number.POSITIVE_INFINITY) return;
    const now = Date.now();
    const at = retryInMs === undefined ? next : Math.max(next, now + retryInMs);
    this.timer = setTimeout(() => void this.beat(), Math.max(0, at - now));
  }

  /**
   * Extends the visibility of every held record that is due, in one batch
   * call, and renews the invocation's claims to the same horizon. A record
   * whose extension SQS refuses, or that runs out of time while retrying,
   * is lost: its signal aborts.
   */
  private async beat(): Promise<void> {
    this.timer = undefined;
    // The run concluded: the failure policy may be setting failed records' visibility; extend nothing now.
    if (this.invocation?.isClosed === true) return;
    const { visibilityMs, visibilitySeconds } = this.poller;
    const now = Date.now();
    const due: number[] = [];
    for (let i = 0; i < this.count; i++) {
      if (this.state[i] === GONE || this.reasons?.[i] !== undefined) continue;
      if ((this.until[i] as number) - visibilityMs * EXTEND_AT_LEFT <= now + 50) due.push(i);
    }
    if (due.length === 0) return this.beatLater();
    const horizon = now + visibilityMs;
    let failed: readonly FailedEntry[];
    try {
      failed = await this.poller.queue.changeVisibility(
        due.map((i) => ({ receiptHandle: (this.records[i] as SQSRecord).receiptHandle, seconds: visibilitySeconds })),
      );
    } catch (error) {
      const why = describeError(error);
      failed = due.map((i) => ({
        receiptHandle: (this.records[i] as SQSRecord).receiptHandle,
        error: why,
        senderFault: false,
      }));
    }
    const refused = new Map(failed.map((entry) => [entry.receiptHandle, entry]));
    let retryInMs: number | undefined;
    const after = Date.now();
    for (const i of due) {
      const failure = refused.get((this.records[i] as SQSRecord).receiptHandle);
      if (failure === undefined) {
        this.until[i] = horizon;
        continue;
      }
      const left = (this.until[i] as number) - after;
      if (failure.senderFault || left < EXTEND_GIVE_UP_MS) {
        this.lose(i, `its visibility timeout could not be extended (${failure.error})`);
      } else {
        retryInMs = Math.min(retryInMs ?? EXTEND_RETRY_MAX_MS, Math.max(EXTEND_GIVE_UP_MS / 2, left / 3));
      }
    }
    // Claims made from now on (a FIFO batch that waited for its turn) last as long as the extended visibility.
    if (failed.length < due.length) this.claimHorizon = horizon;
    if (failed.length < due.length && this.invocation !== undefined && !this.invocation.isClosed) {
      for (const index of await this.invocation.renewClaims(horizon)) {
        this.lose(this.slot(index), 'its idempotency claim could not be renewed');
      }
    }
    this.beatLater(retryInMs);
  }

  /** The record no longer holds its message: its signal aborts, and it is not extended again. */
  private lose(i: number, detail: string): void {
    const record = this.records[i] as SQSRecord;
    if (this.reasons?.[i] !== undefined || this.state[i] === GONE) return;
    const error = new VisibilityLostError(record.messageId, detail);
    this.abort(i, error);
    this.poller.log('error', 'A held record lost its message; its signal is aborted', {
      messageId: record.messageId,
      error,
    });
  }

  private abort(i: number, reason: unknown): void {
    this.reasons ??= new Array(this.count);
    if (this.reasons[i] !== undefined) return;
    this.reasons[i] = reason;
    this.controllers?.[i]?.abort(reason);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function groupOf(record: SQSRecord): string {
  return record.attributes.MessageGroupId ?? '';
}
