import type { SQSRecord } from 'aws-lambda';
import type { Engine } from '../engine.js';
import { describeError } from '../errors.js';
import type { SqsClientLike } from '../failurePolicy/options.js';
import { log } from '../observability/logging.js';
import type { FailedEntry } from '../sqs.js';
import { type AckKind, Acknowledger } from './acknowledger.js';
import { Batch, type BatchCounts, type BatchOwner, type BatchSettings } from './batch.js';
import { ShutdownTimeoutError } from './errors.js';
import { FifoTurns } from './fifoTurns.js';
import type { ResolvedConsumerOptions } from './options.js';
import { fatalError, QueueCalls, type QueueInfo, retryDelayMs } from './queue.js';
import { type ReceivedMessages, readReceiveAnswer } from './records.js';
import type { ConsumerState, ConsumerStatus } from './status.js';

/**
 * A receive that brings nothing new to run before its long poll ends (a short poll on an empty queue, an
 * answer of malformed messages) waits this long before the next, so the consumer does not spin.
 */
const EMPTY_SHORT_POLL_MS = 1000;
/** The longest delay Node's timers take (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The consumer's machinery: flow control (receives into free slots,
 * several at once when the free slots allow, and one receive ahead of them
 * while every slot is busy), the slots themselves (a record takes one as
 * it starts, whichever batch it is in, so `concurrency` holds across
 * batches), receive retries, reading each answer, the FIFO turn of each
 * batch, and the drain on stop, which ends within a bound whatever SQS
 * does. Each received batch runs as one engine invocation (`batch.ts`); a
 * message received again while a batch still holds it joins that batch
 * instead of running twice.
 */
export class Poller implements BatchOwner {
  private state: ConsumerState = 'idle';
  /** Set by `stop()` or a fatal error: no new receive, no new record. */
  private stopping = false;
  private readonly concurrency: number;
  private readonly batchSize: number;
  /** Messages received ahead while every slot is busy (`prefetch`). */
  private readonly prefetch: number;
  private readonly engine: Engine;
  private queue: QueueCalls | undefined;
  private acks: Acknowledger | undefined;
  /** Set once the queue's attributes are read. */
  private settings: BatchSettings | undefined;
  private info: QueueInfo | undefined;
  private readonly drained: Promise<void>;
  private resolveDrained!: () => void;
  /** Messages received and not settled: running, or waiting for a slot or their FIFO turn. */
  private held = 0;
  /** Slots taken: records running, and records given a slot that are about to start. */
  private taken = 0;
  /** Records waiting for a slot, in the order they asked; each is told whether it got one. */
  private readonly slotWaiters: Array<(granted: boolean) => void> = [];
  private running = 0;
  private reserved = 0;
  private receiving = 0;
  private readonly batches = new Set<Batch>();
  private readonly turns = new FifoTurns<Batch>();
  /** The batch that holds each message received and not yet acknowledged. */
  private readonly holders = new Map<string, Batch>();
  private readonly counts = { received: 0, succeeded: 0, failed: 0, released: 0 };
  private lastReceiveAt: number | undefined;
  private failures = 0;
  private retryAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pumping: ReturnType<typeof setImmediate> | undefined;
  private shutdownTimer: ReturnType<typeof setTimeout> | undefined;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private fatal: Error | undefined;
  private started: Promise<void> | undefined;
  /** Aborted by `stop()`, to cut short reading the queue's attributes, or a wait between retries. */
  private readonly wake = new AbortController();

  constructor(
    engine: Engine,
    private readonly own: ResolvedConsumerOptions,
  ) {
    this.concurrency = engine.options.concurrency;
    this.batchSize = Math.min(own.batchSize, this.concurrency);
    this.prefetch = own.prefetch ?? this.batchSize;
    // Each batch runs as one invocation whose records all start at once: the slots were taken when it was received.
    this.engine = { ...engine, options: { ...engine.options, concurrency: this.batchSize } };
    this.drained = new Promise((resolve) => {
      this.resolveDrained = resolve;
    });
  }

  /** The SQS client, once the consumer has started: `backoff` and `deadLetter` without their own use it. */
  get client(): SqsClientLike {
    if (this.queue === undefined) throw new Error('The consumer has not started: it has no SQS client yet');
    return this.queue.client;
  }

  start(): Promise<void> {
    this.started ??= this.run();
    return this.started;
  }

  stop(): Promise<void> {
    if (this.state === 'idle') {
      this.stopping = true;
      this.state = 'stopped';
      this.resolveDrained();
    } else if (!this.stopping) {
      this.stopping = true;
      this.state = 'stopping';
      this.wake.abort();
      clearTimeout(this.retryTimer);
      const { shutdownTimeoutMs, waitTimeSeconds, sqsCallTimeoutMs } = this.own;
      this.shutdownTimer = setTimeout(() => this.abandonRunning(), Math.min(shutdownTimeoutMs, MAX_TIMER_MS));
      // The bound `stop()` documents: receives in flight answer (or time out) and records finish (or are
      // abandoned) first, then one more call may settle what they leave; whatever is still open then is given up.
      const boundMs = Math.max(shutdownTimeoutMs, waitTimeSeconds * 1000 + sqsCallTimeoutMs) + sqsCallTimeoutMs;
      this.drainTimer = setTimeout(() => this.giveUp(), Math.min(boundMs, MAX_TIMER_MS));
      // Records waiting for a slot do not start: they are given back.
      for (const waiter of this.slotWaiters.splice(0)) waiter(false);
      this.checkDrained();
    }
    return this.drained;
  }

  status(): ConsumerStatus {
    return {
      state: this.state,
      inFlight: this.held,
      running: this.running,
      ...this.counts,
      lastReceiveAt: this.lastReceiveAt === undefined ? undefined : new Date(this.lastReceiveAt),
      error: this.fatal,
      circuit: this.engine.options.circuit?.control.state(Date.now()),
    };
  }

  // What batches ask (BatchOwner).

  canStart(): boolean {
    return !this.stopping;
  }

  recordStarted(): void {
    this.running++;
  }

  acquireSlot(): Promise<boolean> | undefined {
    // Asked only right after `canStart()` said yes: once stopping, no record asks.
    if (this.taken < this.concurrency && this.slotWaiters.length === 0) {
      this.taken++;
      return undefined;
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  releaseSlot(): void {
    const next = this.slotWaiters.shift();
    // Handed straight to the record that waited longest: the slot stays taken.
    if (next !== undefined) next(true);
    else this.taken--;
  }

  recordSettled(ran: boolean, succeeded: boolean): void {
    if (ran) this.running--;
    if (succeeded) this.counts.succeeded++;
    this.held--;
    this.pumpSoon();
  }

  recordsReleased(count: number): void {
    this.held -= count;
    this.counts.released += count;
    this.pumpSoon();
  }

  batchDone(batch: Batch, counts: BatchCounts): void {
    this.batches.delete(batch);
    this.turns.done(batch);
    for (const { messageId } of batch.records)
      if (this.holders.get(messageId) === batch) this.holders.delete(messageId);
    this.held -= counts.unsettled;
    this.running -= counts.running;
    this.counts.failed += counts.failed;
    this.counts.released += counts.released;
    if (this.stopping) this.checkDrained();
    else this.pumpSoon();
  }

  acknowledge(kind: AckKind, messageId: string, receiptHandle: string, until: number, seconds?: number): void {
    if (kind === 'delete') this.acks?.delete(messageId, receiptHandle, until);
    else this.acks?.release(messageId, receiptHandle, until, seconds);
  }

  extendVisibility(
    entries: ReadonlyArray<{ receiptHandle: string; seconds: number }>,
    timeoutMs: number,
  ): Promise<readonly FailedEntry[]> {
    return (this.queue as QueueCalls).changeVisibility(entries, timeoutMs);
  }

  log(level: 'info' | 'warn' | 'error', message: string, attributes: Record<string, unknown>): void {
    log(this.engine.options.logger, level, message, { queueUrl: this.own.queueUrl, ...attributes });
  }

  // Starting and stopping.

  private async run(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'starting';
    const { signal } = this.own;
    const onAbort = (): void => void this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted === true) void this.stop();
      else await this.open();
      if (!this.stopping) {
        this.state = 'running';
        this.pump();
      }
    } catch (error) {
      this.fail(error);
    }
    await this.drained;
    signal?.removeEventListener('abort', onAbort);
    this.queue?.close();
    if (this.fatal !== undefined) throw this.fatal;
  }

  /** Makes the client and reads the queue's attributes, retrying what may pass, until it reads them or stops. */
  private async open(): Promise<void> {
    const queue = await QueueCalls.open(this.own.client, this.own.queueUrl, this.own.sqsCallTimeoutMs);
    this.queue = queue;
    this.acks = new Acknowledger(
      queue,
      (kind, given, error) =>
        this.log(
          'warn',
          kind === 'delete'
            ? 'Could not delete processed messages; they come back after their visibility timeout'
            : 'Could not release messages that did not run; they come back after their visibility timeout',
          { messageIds: given.map((ack) => ack.messageId), error },
        ),
      () => this.checkDrained(),
    );
    let info: QueueInfo | undefined;
    for (let attempt = 1; info === undefined && !this.stopping; attempt++) {
      try {
        info = await unlessAborted(queue.describe(), this.wake.signal);
      } catch (error) {
        if (this.stopping) return;
        const fatal = fatalError(error, this.own.queueUrl);
        if (fatal !== undefined) throw fatal;
        const delayMs = Math.round(retryDelayMs(attempt));
        this.log('warn', 'Could not read the queue attributes; retrying', { attempt, delayMs, error });
        await sleep(delayMs, this.wake.signal);
      }
    }
    if (info === undefined) return;
    this.info = info;
    const visibilitySeconds = this.own.visibilityTimeoutSeconds ?? info.visibilityTimeoutSeconds;
    this.settings = {
      engine: this.engine,
      fifo: info.fifo,
      heartbeat: {
        enabled: this.own.heartbeat && visibilitySeconds > 0,
        visibilitySeconds,
        callTimeoutMs: this.own.sqsCallTimeoutMs,
      },
    };
  }

  /** The consumer cannot go on: it stops, `start()` rejects with `error`, and `status()` tells it. */
  private fail(error: unknown): void {
    this.fatal ??= error instanceof Error ? error : new Error(describeError(error));
    this.log('error', 'The consumer cannot go on and stops', { error });
    void this.stop();
  }

  /** The shutdown timeout: records still running are told to stop, and the run concludes without them. */
  private abandonRunning(): void {
    const reason = new ShutdownTimeoutError(
      `The consumer was stopped and the record was still running after shutdownTimeoutMs (${this.own.shutdownTimeoutMs} ms); it is reported as failed`,
    );
    let aborted = 0;
    for (const batch of this.batches) aborted += batch.abandon(reason);
    if (aborted > 0) {
      this.log('warn', 'Records still running at the shutdown timeout; their signals are aborted', {
        records: aborted,
      });
    }
  }

  /** The bound of `stop()`: what is still unanswered is given up (its messages come back). */
  private giveUp(): void {
    this.log(
      'warn',
      'The consumer stops without waiting any longer; messages still unacknowledged come back after their visibility timeout',
      { batches: this.batches.size, receives: this.receiving, acknowledging: this.acks?.idle === false },
    );
    this.acks?.close();
    this.concludeStop();
  }

  private checkDrained(): void {
    if (!this.stopping || this.state === 'stopped') return;
    if (this.receiving > 0 || this.batches.size > 0 || (this.acks !== undefined && !this.acks.idle)) return;
    this.concludeStop();
  }

  private concludeStop(): void {
    clearTimeout(this.shutdownTimer);
    clearTimeout(this.drainTimer);
    this.state = 'stopped';
    this.resolveDrained();
  }

  // Receiving.

  private pumpSoon(): void {
    // After the current turn, so records that settle together free their slots together, and one receive asks for them all.
    this.pumping ??= setImmediate(() => {
      this.pumping = undefined;
      this.pump();
    });
  }

  /**
   * Starts receives while slots are free: always one when any is free, more
   * only for full batches; with none free, one receive ahead (`prefetch`)
   * when nothing else is being received, whose records wait for slots.
   * While the circuit breaker is open, none; while it is half-open, one
   * receive of `halfOpenRecords` messages (the probes).
   */
  private pump(): void {
    if (this.stopping || this.state !== 'running') return;
    const circuit = this.engine.options.circuit;
    const now = Date.now();
    const wait = Math.max(this.retryAt - now, circuit === undefined ? 0 : circuit.control.waitMs(now));
    if (wait > 0) {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.pump();
      }, wait);
      return;
    }
    if (circuit !== undefined && circuit.control.state(now) !== 'closed') {
      if (this.held === 0 && this.receiving === 0) this.receive(Math.min(this.batchSize, circuit.halfOpenRecords));
      return;
    }
    for (;;) {
      const free = this.concurrency - this.held - this.reserved;
      if (free > 0) {
        if (this.receiving > 0 && free < this.batchSize) return;
        this.receive(Math.min(this.batchSize, free));
        continue;
      }
      // Every slot is busy or promised: one receive ahead, so the next records start as soon as slots free;
      // for a whole batch (or all of `prefetch`), so that slots freeing one by one do not split receives.
      const ahead = free + this.prefetch;
      if (ahead < Math.max(1, Math.min(this.batchSize, this.prefetch)) || this.receiving > 0) return;
      this.receive(Math.min(this.batchSize, ahead));
    }
  }

  private receive(max: number): void {
    this.receiving++;
    this.reserved += max;
    const sentAt = Date.now();
    (this.queue as QueueCalls)
      .receive(max, this.own.waitTimeSeconds, this.own.visibilityTimeoutSeconds)
      .then(
        (answer) => this.received(answer, max, sentAt),
        (error: unknown) => this.receiveFailed(error, max),
      )
      // Not expected: whatever broke, a consumer that stopped receiving must say so rather than look alive.
      .catch((error: unknown) => this.fail(error));
  }

  private received(answer: unknown, max: number, sentAt: number): void {
    let read: ReceivedMessages;
    try {
      read = readReceiveAnswer(answer, this.info as QueueInfo);
    } catch (error) {
      this.receiveFailed(error, max);
      return;
    }
    this.receiving--;
    this.reserved -= max;
    this.lastReceiveAt = Date.now();
    if (this.failures > 0) {
      this.log('info', 'Receiving from the queue again', { failedAttempts: this.failures });
      this.failures = 0;
      this.retryAt = 0;
    }
    for (const { index, messageId, problem } of read.skipped) {
      this.log(
        'warn',
        'SQS answered a malformed message; it is skipped (not run, not deleted) and comes back after its visibility timeout',
        {
          messageId,
          index,
          problem,
        },
      );
    }
    const records = this.newDeliveries(read.records, sentAt);
    // More than asked for: running them would exceed `concurrency`, so the extra ones are given back.
    const extra = records.splice(max);
    this.counts.received += records.length + extra.length;
    if (extra.length > 0) {
      this.log('warn', 'SQS answered more messages than asked for; the extra ones are released', {
        asked: max,
        messageIds: extra.map((record) => record.messageId),
      });
      this.release(extra, sentAt);
    }
    if (records.length === 0) {
      // Nothing new to run from an answer that came before the long poll ended (a short poll, or only messages
      // skipped or already held): pause, so a queue that keeps answering that way is not polled in a tight loop.
      if (Date.now() - sentAt < this.own.waitTimeSeconds * 1000 || this.own.waitTimeSeconds === 0) {
        this.retryAt = Date.now() + EMPTY_SHORT_POLL_MS;
      }
    } else if (this.stopping) {
      // Received while stopping: give them straight back.
      this.release(records, sentAt);
    } else if (records.length > 0) {
      const settings = this.settings as BatchSettings;
      this.held += records.length;
      const batch = new Batch(settings, this, records, sentAt);
      this.batches.add(batch);
      for (const { messageId } of records) this.holders.set(messageId, batch);
      void batch.run(settings.fifo ? this.turns.turnOf(batch) : undefined);
    }
    if (this.stopping) this.checkDrained();
    else this.pump();
  }

  /**
   * The records of an answer that are new here. A message a batch still
   * holds (its visibility ran out while it ran, and SQS delivered it again)
   * joins that batch, which keeps its new receipt handle, and is not run
   * beside the first run; a message twice in one answer runs once.
   */
  private newDeliveries(records: readonly SQSRecord[], sentAt: number): SQSRecord[] {
    const visibleUntil = sentAt + (this.settings as BatchSettings).heartbeat.visibilitySeconds * 1000;
    const fresh = new Map<string, SQSRecord>();
    for (const record of records) {
      const holder = this.holders.get(record.messageId);
      if (holder?.adopt(record.messageId, record.receiptHandle, visibleUntil) === true) {
        this.log('warn', 'A message still held here was received again (its visibility ran out); it is not run twice', {
          messageId: record.messageId,
        });
      } else {
        fresh.set(record.messageId, record);
      }
    }
    return [...fresh.values()];
  }

  private release(records: readonly SQSRecord[], sentAt: number): void {
    const until = sentAt + (this.settings as BatchSettings).heartbeat.visibilitySeconds * 1000;
    for (const { messageId, receiptHandle } of records) this.acks?.release(messageId, receiptHandle, until);
    this.counts.released += records.length;
  }

  private receiveFailed(error: unknown, max: number): void {
    this.receiving--;
    this.reserved -= max;
    const fatal = fatalError(error, this.own.queueUrl);
    if (fatal !== undefined) {
      this.fail(fatal);
      return;
    }
    if (this.stopping) {
      this.checkDrained();
      return;
    }
    this.failures++;
    const delayMs = Math.round(retryDelayMs(this.failures));
    this.retryAt = Math.max(this.retryAt, Date.now() + delayMs);
    this.log('warn', 'Could not receive from the queue; retrying', { attempt: this.failures, delayMs, error });
    this.pump();
  }
}

/** Settles like `promise`, or rejects with the signal's reason once it aborts. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Waits `ms`, or less if `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
