import type { SQSRecord } from 'aws-lambda';
import type { InvocationHooks } from '../contracts/hooks.js';
import type { HostedInvocation, InvocationHost } from '../contracts/host.js';
import type { Engine } from '../engine.js';
import { runInvocation } from '../invocation/runInvocation.js';
import type { FailedEntry } from '../sqs.js';
import type { RecordOutcome } from '../types.js';
import type { AckKind } from './acknowledger.js';
import { VisibilityLostError } from './errors.js';
import { Heartbeat, type HeartbeatSettings } from './heartbeat.js';

/** Where a received record is. */
const WAITING = 0;
const RUNNING = 1;
/** Ran, and did not succeed: held (and kept invisible) until the invocation concludes. */
const SETTLED = 2;
/** Handed to the acknowledger: deleted or released. */
const GONE = 3;

/** What every batch of one consumer shares, fixed once the queue's attributes are read. */
export interface BatchSettings {
  /** The engine each batch runs as one invocation. */
  readonly engine: Engine;
  readonly fifo: boolean;
  readonly heartbeat: HeartbeatSettings;
}

/** What a batch's records did, for the owner's counts once the batch is acknowledged. */
export interface BatchCounts {
  /** Records that never settled through the hooks: their slots are freed now. */
  readonly unsettled: number;
  /** Of those, records still marked as running. */
  readonly running: number;
  readonly failed: number;
  readonly released: number;
}

/** What a batch asks of the consumer that received it: slots, acknowledgements, SQS calls and logs. */
export interface BatchOwner {
  /** Whether records may still start (false once the consumer stops). */
  canStart(): boolean;
  recordStarted(): void;
  /**
   * A slot for a record about to start: `undefined` when one was free and is
   * now taken; otherwise a promise of whether one was given (false: the
   * consumer stopped, and the record does not start).
   */
  acquireSlot(): Promise<boolean> | undefined;
  /** Gives back a slot `acquireSlot` gave (once per slot). */
  releaseSlot(): void;
  /** A record settled: its slot is free. `ran`: it had started; `succeeded`: it is deleted. */
  recordSettled(ran: boolean, succeeded: boolean): void;
  /** Records released before the run (FIFO groups an earlier batch left unfinished): their slots are free. */
  recordsReleased(count: number): void;
  batchDone(batch: Batch, counts: BatchCounts): void;
  /** `seconds`: a release's visibility timeout (0, or the circuit breaker's delay). */
  acknowledge(kind: AckKind, messageId: string, receiptHandle: string, until: number, seconds?: number): void;
  /** One bounded `ChangeMessageVisibilityBatch` for the heartbeat. */
  extendVisibility(
    entries: ReadonlyArray<{ receiptHandle: string; seconds: number }>,
    timeoutMs: number,
  ): Promise<readonly FailedEntry[]>;
  log(level: 'info' | 'warn' | 'error', message: string, attributes: Record<string, unknown>): void;
}

/**
 * One `ReceiveMessage` result, run through the engine as one SQS event. It
 * is the invocation's host: it stops records from starting when the
 * consumer stops, gives each record a signal of its own (aborted when its
 * message is lost, or at the shutdown timeout), sets the horizon of
 * idempotency claims to the messages' visibility, and follows records
 * through the engine's hooks: a record that succeeds is deleted at once, and
 * the slot of every record that settles is freed. Its heartbeat keeps every
 * record it still holds invisible (and its claims alive) until the run
 * concludes. A message delivered again while the batch holds it is adopted,
 * never run twice: the record's outcome is acknowledged with the newest
 * receipt handle.
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
  /** 1 for each record holding one of the owner's slots. */
  private readonly slotted: Uint8Array;
  private readonly heartbeat: Heartbeat;
  private claimHorizon: number;
  private controllers: Array<AbortController | undefined> | undefined;
  private reasons: unknown[] | undefined;
  private invocation: HostedInvocation | undefined;
  /** Record index of each invocation index, when some records were released before the run. */
  private slots: number[] | undefined;
  /** Record index by message id, made when a message is first delivered again. */
  private indexes: Map<string, number> | undefined;
  /** FIFO groups whose records were released before the run (an earlier batch left them unfinished). */
  private readonly stoppedBefore = new Set<string>();
  private resolveDone!: (stopped: ReadonlySet<string>) => void;

  constructor(
    private readonly settings: BatchSettings,
    private readonly owner: BatchOwner,
    readonly records: readonly SQSRecord[],
    /** When the receive was sent: visibility is counted from there, to be safe. */
    receivedAt: number,
  ) {
    this.count = records.length;
    this.state = new Uint8Array(this.count);
    this.slotted = new Uint8Array(this.count);
    const visibleUntil = receivedAt + settings.heartbeat.visibilitySeconds * 1000;
    this.claimHorizon = visibleUntil;
    this.heartbeat = new Heartbeat(
      records.map((record) => record.receiptHandle),
      visibleUntil,
      settings.heartbeat,
      {
        holding: () => this.invocation?.isClosed !== true,
        extend: (entries, timeoutMs) => owner.extendVisibility(entries, timeoutMs),
        extended: (until) => this.extended(until),
        lost: (i, detail) => this.lose(i, detail),
      },
    );
    const groups = new Set<string>();
    if (settings.fifo) for (const record of records) groups.add(groupOf(record));
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
    this.heartbeat.start();
    if (turn !== undefined) this.releaseStopped(await turn);
    const records = this.slots === undefined ? this.records : this.slots.map((i) => this.records[i] as SQSRecord);
    let outcomes: readonly RecordOutcome[] = [];
    if (records.length > 0) {
      try {
        ({ outcomes } = await runInvocation({ Records: records }, undefined, this.settings.engine, this));
      } catch (error) {
        // Not expected (the event is ours): every record counts as failed, and its message comes back.
        this.owner.log('error', 'The consumer could not run a batch; its messages come back', { error });
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

  /**
   * The message `messageId` was received again (its visibility ran out)
   * while this batch still holds it: the new delivery is not run, and its
   * receipt handle is the one kept, extended and acknowledged from now on.
   * Answers false when the batch no longer holds the message (it was
   * acknowledged): the delivery is then a new one. Asked by the owner only
   * about messages of this batch, and only until `batchDone`.
   */
  adopt(messageId: string, receiptHandle: string, visibleUntil: number): boolean {
    this.indexes ??= new Map(this.records.map((record, i) => [record.messageId, i]));
    // The owner asks only about messages of this batch, until the batch is done.
    const i = this.indexes.get(messageId) as number;
    if (this.state[i] === GONE) return false;
    this.heartbeat.adopt(i, receiptHandle, visibleUntil);
    return true;
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
    return this.owner.canStart();
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

  acquire(index: number): Promise<boolean> | undefined {
    const i = this.slot(index);
    const waiting = this.owner.acquireSlot();
    if (waiting === undefined) {
      this.slotted[i] = 1;
      return undefined;
    }
    return waiting.then((granted) => {
      if (granted) this.slotted[i] = 1;
      return granted;
    });
  }

  refusal(index: number): unknown {
    // A reason before the start: the message was lost while the record waited (for a slot, or its FIFO group).
    return this.reasons?.[this.slot(index)];
  }

  // What happens to records.

  private slot(index: number): number {
    return this.slots === undefined ? index : (this.slots[index] as number);
  }

  private started(i: number): void {
    this.state[i] = RUNNING;
    this.owner.recordStarted();
  }

  private settled(outcome: RecordOutcome): void {
    const i = this.slot(outcome.index);
    // FIFO skips settle records that never started.
    const ran = this.state[i] === RUNNING;
    const done = outcome.status === 'succeeded' || outcome.status === 'duplicate';
    this.freeSlot(i);
    // The slot first: the next receive then goes out before this deletion, and the queue answers it first.
    this.owner.recordSettled(ran, done);
    if (done) this.remove(i, 'delete');
    else this.state[i] = SETTLED;
  }

  private freeSlot(i: number): void {
    if (this.slotted[i] === 0) return;
    this.slotted[i] = 0;
    this.owner.releaseSlot();
  }

  /** Hands the record to the acknowledger, with its newest receipt handle (once: no caller passes a record already gone). */
  private remove(i: number, kind: AckKind, seconds = 0): void {
    this.state[i] = GONE;
    this.heartbeat.drop(i);
    const { messageId } = this.records[i] as SQSRecord;
    this.owner.acknowledge(kind, messageId, this.heartbeat.receiptHandle(i), this.heartbeat.visibleUntil(i), seconds);
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
    // `stopped` holds only groups of this batch (see FifoTurns), so at least one record went.
    this.slots = slots;
    this.owner.recordsReleased(released);
  }

  /** Acknowledges from the final outcomes, the way the handler's response would have SQS do it. */
  private finish(outcomes: readonly RecordOutcome[]): void {
    this.heartbeat.stop();
    const stopped = new Set(this.stoppedBefore);
    const counts = { unsettled: 0, running: 0, failed: 0, released: 0 };
    for (const outcome of outcomes) {
      const i = this.slot(outcome.index);
      const state = this.state[i];
      if (state === WAITING || state === RUNNING) {
        // Never settled through the hooks: not started when the consumer stopped (or the run broke).
        this.freeSlot(i);
        counts.unsettled++;
        if (state === RUNNING) counts.running++;
      }
      switch (outcome.status) {
        case 'succeeded':
        case 'duplicate':
          break; // deleted, and counted, when it settled
        case 'dead-lettered':
        case 'dropped':
          counts.failed++;
          if (this.unread(i, outcome.status)) stopped.add(groupOf(this.records[i] as SQSRecord));
          else this.remove(i, 'delete');
          break;
        case 'skipped':
          // Short-circuited records come back when the circuit may close; others at once.
          this.remove(i, 'release', outcome.reason === 'circuit-open' ? this.circuitDelaySeconds() : 0);
          counts.released++;
          stopped.add(groupOf(this.records[i] as SQSRecord));
          break;
        default:
          // failed, invalid: left to come back after the visibility timeout (or the backoff the policy set).
          counts.failed++;
          stopped.add(groupOf(this.records[i] as SQSRecord));
      }
    }
    this.owner.batchDone(this, counts);
    this.resolveDone(this.settings.fifo ? stopped : EMPTY);
  }

  /** Seconds until the circuit breaker may let records through (0 when closed, or without one). */
  private circuitDelaySeconds(): number {
    const circuit = this.settings.engine.options.circuit;
    return circuit === undefined ? 0 : Math.ceil(circuit.control.waitMs(Date.now()) / 1000);
  }

  /**
   * Whether the record's message came without a string body: nobody saw its
   * content, so it is never deleted, whatever the failure policy did with
   * the invalid record (it comes back until the queue's redrive policy moves it).
   */
  private unread(i: number, status: string): boolean {
    const record = this.records[i] as SQSRecord;
    if (typeof record.body === 'string') return false;
    this.owner.log(
      'warn',
      'A message without a readable body is not deleted; it comes back after its visibility timeout',
      {
        messageId: record.messageId,
        policy: status,
      },
    );
    return true;
  }

  // The heartbeat's news.

  /** Some messages were extended: claims made from now on last as long, and those held are renewed to it. */
  private extended(until: number): void {
    this.claimHorizon = until;
    const invocation = this.invocation;
    if (invocation === undefined || invocation.isClosed) return;
    void invocation.renewClaims(until).then((lost) => {
      for (const index of lost) this.lose(this.slot(index), 'its idempotency claim could not be renewed');
    });
  }

  /** The record no longer holds its message (or its claim): its signal aborts (once). */
  private lose(i: number, detail: string): void {
    if (this.state[i] === GONE || this.reasons?.[i] !== undefined) return;
    const record = this.records[i] as SQSRecord;
    const error = new VisibilityLostError(record.messageId, detail);
    this.abort(i, error);
    this.owner.log('error', 'A held record lost its message; its signal is aborted', {
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
