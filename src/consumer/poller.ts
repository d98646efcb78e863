import type { Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Engine } from '../invocation/invocation.js';
import { log } from '../observability/logging.js';
import { Acknowledger } from './acknowledger.js';
import { Batch } from './batch.js';
import { ShutdownTimeoutError } from './errors.js';
import type { ResolvedConsumerOptions } from './options.js';
import { fatalError, QueueCalls as Queue, type QueueCalls, type QueueInfo, retryDelayMs } from './queue.js';
import { toRecord } from './records.js';

/**
 * Where a consumer is in its life: made (`idle`), reading the queue's
 * attributes (`starting`), receiving (`running`), draining after `stop()`
 * or a fatal error (`stopping`), done (`stopped`).
 *
 * @example
 * ```ts
 * import type { ConsumerState } from 'sqs-partial-batch/consumer';
 *
 * const healthy = (state: ConsumerState) => state === 'starting' || state === 'running';
 * ```
 */
export type ConsumerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * What `consumer.status()` tells, for a liveness or readiness probe.
 *
 * @example
 * ```ts
 * import type { ConsumerStatus } from 'sqs-partial-batch/consumer';
 *
 * const alive = (status: ConsumerStatus) =>
 *   status.state === 'running' && Date.now() - (status.lastReceiveAt?.getTime() ?? 0) < 60_000;
 * ```
 */
export interface ConsumerStatus {
  readonly state: ConsumerState;
  /** Records received and not yet finished: running, or waiting for their turn. Never more than `concurrency`. */
  readonly inFlight: number;
  /** Records whose function is running now. */
  readonly running: number;
  /** Messages received since the consumer started. */
  readonly received: number;
  /** Records done: succeeded, or duplicates of work already done (deleted). */
  readonly succeeded: number;
  /** Records that did not succeed: failed and invalid ones (they come back), dead-lettered and dropped ones. */
  readonly failed: number;
  /** Records given back without running (visibility 0): after a FIFO failure, or when stopping. */
  readonly released: number;
  /** When a `ReceiveMessage` last succeeded (an empty long poll counts: the queue answered). */
  readonly lastReceiveAt: Date | undefined;
}

/** A short poll that finds the queue empty waits this long before the next, so an idle consumer does not spin. */
const EMPTY_SHORT_POLL_MS = 1000;

/**
 * The consumer's machinery: flow control (receives only into free slots,
 * several at once when the free slots allow), receive retries, the FIFO
 * turn of each batch, and the drain on stop. Each received batch runs as
 * one engine invocation (`batch.ts`).
 */
export class Poller {
  readonly concurrency: number;
  readonly batchSize: number;
  heartbeat: boolean;
  state: ConsumerState = 'idle';
  /** Set by `stop()` or a fatal error: no new receive, no new record. */
  stopping = false;
  queue!: QueueCalls;
  acks!: Acknowledger;
  fifo = false;
  visibilitySeconds = 0;
  visibilityMs = 0;
  private readonly drained: Promise<void>;
  private resolveDrained!: () => void;
  private info: QueueInfo | undefined;
  private held = 0;
  private running = 0;
  private reserved = 0;
  private receiving = 0;
  private readonly batches = new Set<Batch>();
  /** FIFO: the latest batch holding each message group. */
  private readonly holders = new Map<string, Batch>();
  private readonly counts = { received: 0, succeeded: 0, failed: 0, released: 0 };
  private lastReceiveAt: number | undefined;
  private failures = 0;
  private retryAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pumping: ReturnType<typeof setImmediate> | undefined;
  private shutdownTimer: ReturnType<typeof setTimeout> | undefined;
  private fatal: unknown;
  private started: Promise<void> | undefined;
  /** Aborted by `stop()`, to cut short a wait between retries while starting. */
  private readonly wake = new AbortController();

  constructor(
    readonly engine: Engine,
    private readonly own: ResolvedConsumerOptions,
  ) {
    this.concurrency = engine.options.concurrency;
    this.batchSize = Math.min(own.batchSize, this.concurrency);
    this.heartbeat = own.heartbeat;
    // Each batch runs as one invocation whose records all start at once: the slots were taken when it was received.
    this.engine = { ...engine, options: { ...engine.options, concurrency: this.batchSize } };
    this.drained = new Promise((resolve) => {
      this.resolveDrained = resolve;
    });
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
      if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
      this.shutdownTimer = setTimeout(() => this.abandonRunning(), this.own.shutdownTimeoutMs);
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
    };
  }

  // What batches report.

  recordStarted(): void {
    this.running++;
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

  /**
   * @param counts - `unsettled`: records that never settled through the hooks (their slots are freed now),
   *   `running` of them still marked as running; what the batch's answer failed and released.
   */
  batchDone(batch: Batch, counts: { unsettled: number; running: number; failed: number; released: number }): void {
    this.batches.delete(batch);
    for (const group of batch.groups) if (this.holders.get(group) === batch) this.holders.delete(group);
    this.held -= counts.unsettled;
    this.running -= counts.running;
    this.counts.failed += counts.failed;
    this.counts.released += counts.released;
    if (this.stopping) this.checkDrained();
    else this.pumpSoon();
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

  /** Makes the client and reads the queue's attributes, retrying what may pass. */
  private async open(): Promise<void> {
    this.queue = await Queue.open(this.own.client, this.own.queueUrl);
    this.acks = new Acknowledger(
      this.queue,
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
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        this.info = await this.queue.describe();
        break;
      } catch (error) {
        const fatal = fatalError(error, this.own.queueUrl);
        if (fatal !== undefined) throw fatal;
        const delayMs = Math.round(retryDelayMs(attempt));
        this.log('warn', 'Could not read the queue attributes; retrying', { attempt, delayMs, error });
        await sleep(delayMs, this.wake.signal);
      }
    }
    if (this.info === undefined) return;
    this.fifo = this.info.fifo;
    this.visibilitySeconds = this.own.visibilityTimeoutSeconds ?? this.info.visibilityTimeoutSeconds;
    this.visibilityMs = this.visibilitySeconds * 1000;
    if (this.visibilitySeconds === 0) this.heartbeat = false;
  }

  private fail(error: unknown): void {
    this.fatal ??= error;
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

  private checkDrained(): void {
    if (!this.stopping || this.state === 'stopped') return;
    if (this.receiving > 0 || this.batches.size > 0 || (this.acks !== undefined && !this.acks.idle)) return;
    clearTimeout(this.shutdownTimer);
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

  /** Starts receives while slots are free: always one when any is free, more only for full batches. */
  private pump(): void {
    if (this.stopping || this.state !== 'running') return;
    const wait = this.retryAt - Date.now();
    if (wait > 0) {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.pump();
      }, wait);
      return;
    }
    for (;;) {
      const free = this.concurrency - this.held - this.reserved;
      if (free <= 0 || (this.receiving > 0 && free < this.batchSize)) return;
      this.receive(Math.min(this.batchSize, free));
    }
  }

  private receive(max: number): void {
    this.receiving++;
    this.reserved += max;
    const sentAt = Date.now();
    this.queue
      .receive(max, this.own.waitTimeSeconds, this.own.visibilityTimeoutSeconds)
      .then(
        (messages) => this.received(messages, max, sentAt),
        (error: unknown) => this.receiveFailed(error, max),
      )
      .catch((error: unknown) => this.log('error', 'The consumer failed unexpectedly after a receive', { error }));
  }

  private received(messages: readonly Message[], max: number, sentAt: number): void {
    this.receiving--;
    this.reserved -= max;
    this.lastReceiveAt = Date.now();
    if (this.failures > 0) {
      this.log('info', 'Receiving from the queue again', { failedAttempts: this.failures });
      this.failures = 0;
      this.retryAt = 0;
    }
    const info = this.info as QueueInfo;
    const records: SQSRecord[] = [];
    for (const message of messages) {
      const record = toRecord(message, info);
      if (record !== undefined) records.push(record);
    }
    this.counts.received += records.length;
    if (records.length === 0) {
      if (this.own.waitTimeSeconds === 0) this.retryAt = Date.now() + EMPTY_SHORT_POLL_MS;
    } else if (this.stopping) {
      // Received while stopping: give them straight back.
      for (const { messageId, receiptHandle } of records) {
        this.acks.release(messageId, receiptHandle, sentAt + this.visibilityMs);
      }
      this.counts.released += records.length;
    } else {
      this.held += records.length;
      const batch = new Batch(this, records, sentAt);
      this.batches.add(batch);
      void batch.run(this.fifo ? this.turnOf(batch) : undefined);
    }
    if (this.stopping) this.checkDrained();
    else this.pump();
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

  /**
   * FIFO: when `batch` may run. A batch runs after every earlier batch that
   * holds one of its message groups has its outcomes, and learns which of
   * those groups did not complete there (its records of them must not run
   * before the unfinished ones come back). On SQS this never waits (SQS
   * delivers none of a group while one of its messages is in flight), but a
   * message whose visibility was lost can come back while it still runs here.
   */
  private turnOf(batch: Batch): Promise<ReadonlySet<string>> | undefined {
    const earlier = new Set<Batch>();
    for (const group of batch.groups) {
      const holder = this.holders.get(group);
      if (holder !== undefined) earlier.add(holder);
      this.holders.set(group, batch);
    }
    if (earlier.size === 0) return undefined;
    return Promise.all([...earlier].map((holder) => holder.done)).then((all) => {
      const stopped = new Set<string>();
      for (const groups of all) for (const group of groups) if (batch.groups.has(group)) stopped.add(group);
      return stopped;
    });
  }
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
