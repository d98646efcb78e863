import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { CLOCK } from '../clock.js';
import { bodyText } from './checks.js';
import { type ClockOwner, VirtualClock } from './clock.js';
import { ATTACH, createFakeSqsClient, type FakeSqsClient } from './fakeSqs.js';
import { createMetricsRecorder, type MetricsRecorder } from './metricsRecorder.js';
import {
  type QueueSimulatorOptions,
  type ResolvedSimulatorOptions,
  type RunOptions,
  resolveRunOptions,
  resolveSendOptions,
  resolveSimulatorOptions,
  type SendOptions,
} from './options.js';
import { type SimulatedMessage, SimulatedQueue } from './queue.js';
import type { BatchLogEntry, InvocationResult, SimulationResult } from './result.js';

export type { BatchLogEntry, InvocationResult, SimulationResult };

import { SeededRandom } from './random.js';

/** A handler the simulator can invoke: any Lambda handler for SQS events. */
export type SimulatedHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<SQSBatchResponse | void> | SQSBatchResponse | void;

interface Invocation extends ClockOwner {
  alive: boolean;
  sleeping: number;
  readonly id: number;
  readonly startedAt: number;
  readonly messages: SimulatedMessage[];
  readonly receipts: string[];
  /** Each message's visibility timer (by position), then a crash timer if one was drawn. */
  readonly timers: unknown[];
  timeout: unknown;
}

/**
 * An SQS queue and the Lambda event source mapping that polls it, in memory
 * and on a virtual clock: a simulated hour runs in seconds, and the same seed
 * gives the same run. It delivers at least once (optional duplicates), hides
 * received messages for the visibility timeout, counts receives, moves
 * messages to a DLQ after `maxReceiveCount`, keeps FIFO groups locked while
 * one of their messages is in flight, and reads a handler's reply the way
 * Lambda does.
 *
 * Handlers model slow work with `sim.clock.sleep(ms)`; other awaits take no
 * simulated time. Runs are deterministic when handlers do no real I/O.
 *
 * @example
 * ```ts
 * import { createBatchHandler } from 'sqs-partial-batch';
 * import { QueueSimulator } from 'sqs-partial-batch/testing';
 *
 * const sim = new QueueSimulator({ seed: 1, maxReceiveCount: 3 });
 * for (let i = 0; i < 100; i++) sim.send({ orderId: `o-${i}` });
 * const handler = createBatchHandler(async (record) => {
 *   await sim.clock.sleep(20);
 *   if (record.body.includes('o-13')) throw new Error('poison');
 * });
 * const result = await sim.run(handler);
 * console.log(result.deletions, result.deadLettered.length); // 99 1
 * ```
 */
export class QueueSimulator {
  /** Simulated time; `sleep` on it from handlers. */
  readonly clock: VirtualClock;
  readonly queue: SimulatedQueue;
  /** The simulated queue's URL, as `GetQueueUrl` answers it. */
  readonly queueUrl: string;
  /**
   * An SQS client for the handler's failure policy (`backoff`, `deadLetter`):
   * a visibility change on the simulated queue delays that message's next
   * delivery in simulated time; messages sent to other queues show in the
   * result's `parked`. See `createFakeSqsClient` for the rest of what it does.
   */
  readonly sqs: FakeSqsClient;
  /** A quiet `metrics` option for the handler: the run's result sums what it records. */
  readonly metrics: MetricsRecorder;
  private readonly random: SeededRandom;
  private readonly settings: ResolvedSimulatorOptions;
  private readonly running = new Set<Invocation>();
  private readonly log: BatchLogEntry[] = [];
  private invocations = 0;
  private deliveries = 0;
  private deletions = 0;
  private duplicates = 0;
  private readonly results: Record<InvocationResult, number> = {
    replied: 0,
    error: 0,
    timeout: 0,
    crash: 0,
    'invalid-response': 0,
  };
  private windowOpenedAt: number | undefined;

  /**
   * @param options - See {@link QueueSimulatorOptions}.
   * @throws InvalidOptionsError for an unknown option, a bad value, or a
   *   setting SQS or Lambda would refuse (such as a visibility timeout shorter
   *   than the function timeout).
   */
  constructor(options: QueueSimulatorOptions = {}) {
    this.settings = resolveSimulatorOptions(options);
    this.random = new SeededRandom(this.settings.seed);
    this.clock = new VirtualClock(this.settings.startTime);
    this.queue = new SimulatedQueue(
      {
        name: this.settings.queueName,
        fifo: this.settings.fifo,
        visibilityTimeoutMs: this.settings.visibilityTimeoutSeconds * 1000,
        maxReceiveCount: this.settings.maxReceiveCount,
        region: 'eu-west-1',
        accountId: '123456789012',
      },
      this.random,
      () => this.clock.now(),
    );
    this.sqs = createFakeSqsClient({
      clock: this.clock,
      region: 'eu-west-1',
      accountId: '123456789012',
      visibilityTimeoutSeconds: this.settings.visibilityTimeoutSeconds,
    });
    this.queueUrl = this.sqs.queueUrl(this.settings.queueName);
    (this.sqs as unknown as { [ATTACH]: (url: string, queue: object) => void })[ATTACH](this.queueUrl, {
      arn: this.queue.arn,
      changeVisibility: (receiptHandle: string, seconds: number) => this.changeVisibility(receiptHandle, seconds),
    });
    this.metrics = createMetricsRecorder();
  }

  /** `ChangeMessageVisibility` on the simulated queue: the message comes back `seconds` from now. */
  private changeVisibility(receiptHandle: string, seconds: number): string | undefined {
    const message = this.queue.inFlight(receiptHandle);
    if (message === undefined) return 'ReceiptHandleIsInvalid';
    message.visibleAt = this.clock.now() + seconds * 1000;
    if (seconds === 0) this.queue.expireVisibility(message, receiptHandle);
    else {
      // SQS's timer, not the invocation's: it must fire after the invocation has ended (which freezes its own timers).
      this.clock.owner.exit(() =>
        this.clock.setTimeout(() => this.queue.expireVisibility(message, receiptHandle), seconds * 1000),
      );
    }
    return undefined;
  }

  /**
   * Sends a message (objects are JSON-encoded); FIFO queues need `groupId`.
   * @param body - A string, or any value to JSON-encode.
   * @param options - See {@link SendOptions}.
   * @returns Its message id.
   * @throws InvalidOptionsError for a body JSON cannot encode, a FIFO message
   *   without `groupId`, or a `groupId` on a standard queue.
   */
  send(body: unknown, options: SendOptions = {}): string {
    const groupId = resolveSendOptions(options, this.settings.fifo);
    return this.queue.send(bodyText('body', body), groupId);
  }

  /**
   * Runs the event source mapping with `handler` until every message is
   * deleted or dead-lettered, or `maxSimulatedMs` has passed.
   * @param handler - Any Lambda handler for SQS events.
   * @param options - See {@link RunOptions}.
   * @returns What happened, as a {@link SimulationResult}.
   * @throws InvalidOptionsError for a handler that is not a function or bad
   *   options; an `Error` when an invocation waits on real I/O for longer than `stallMs`.
   */
  async run(handler: SimulatedHandler, options: RunOptions = {}): Promise<SimulationResult> {
    const { maxSimulatedMs, onProgress, progressEvery, stallMs } = resolveRunOptions(handler, options);
    const started = performance.now();
    const startedAt = this.clock.now();
    const stopAt = startedAt + maxSimulatedMs;
    let lastProgress = 0;
    let reported = '';
    const report = () => {
      const result = this.result(startedAt, started);
      reported = `${result.invocations}/${result.deletions}/${result.dlqMoves}`;
      onProgress?.(result);
    };
    for (;;) {
      const before = this.invocations + this.log.length;
      this.dispatch(handler);
      await this.quiesce(stallMs);
      if (onProgress && this.invocations - lastProgress >= progressEvery) {
        lastProgress = this.invocations;
        report();
      }
      // Invocations that started or ended may let pollers take more work at this same instant.
      if (this.invocations + this.log.length !== before) continue;
      if (this.running.size === 0 && this.queue.drained()) break;
      const next = this.clock.nextAt();
      if (next === undefined || next > stopAt) break;
      this.clock.advanceTo(next);
    }
    const result = this.result(startedAt, started);
    // A last report, so that progress ends on the final state (messages can move to the DLQ after the last invocation).
    if (onProgress && reported !== `${result.invocations}/${result.deletions}/${result.dlqMoves}`) onProgress(result);
    return result;
  }

  /** Starts invocations while pollers are free and messages are available. */
  private dispatch(handler: SimulatedHandler): void {
    const { batchSize, batchWindowSeconds, maxConcurrency } = this.settings;
    while (this.running.size < maxConcurrency) {
      const available = this.queue.availableCount(batchSize);
      if (available === 0) {
        this.windowOpenedAt = undefined;
        return;
      }
      if (batchWindowSeconds > 0 && available < batchSize) {
        const now = this.clock.now();
        if (this.windowOpenedAt === undefined) {
          this.windowOpenedAt = now;
          this.clock.setTimeout(() => {}, batchWindowSeconds * 1000); // wake up when the window closes
        }
        if (now < this.windowOpenedAt + batchWindowSeconds * 1000) return;
      }
      this.windowOpenedAt = undefined;
      const batch = this.queue.receive(batchSize);
      if (batch.length === 0) continue; // all were moved to the DLQ
      this.invoke(handler, batch);
    }
  }

  private invoke(handler: SimulatedHandler, messages: SimulatedMessage[]): void {
    const startedAt = this.clock.now();
    const invocation: Invocation = {
      id: ++this.invocations,
      startedAt,
      messages,
      receipts: messages.map((m) => m.receiptHandle as string),
      alive: true,
      sleeping: 0,
      timers: [],
      timeout: undefined,
    };
    this.running.add(invocation);
    this.deliveries += messages.length;
    for (const message of messages) {
      const receipt = message.receiptHandle as string;
      invocation.timers.push(
        this.clock.setTimeout(
          () => this.queue.expireVisibility(message, receipt),
          this.settings.visibilityTimeoutSeconds * 1000,
        ),
      );
      if (!message.duplicate && this.random.chance(this.settings.duplicateRate)) {
        this.duplicates++;
        // Visible at once (often to a concurrent invocation) or at any time within the visibility timeout.
        const delay = this.random.chance(0.5)
          ? 0
          : this.random.int(1, this.settings.visibilityTimeoutSeconds * 1000 - 1);
        this.queue.duplicate(message, delay);
        if (delay > 0) this.clock.setTimeout(() => {}, delay); // wake the pollers then
      }
    }
    const timeoutMs = this.settings.functionTimeoutSeconds * 1000;
    const deadline = startedAt + timeoutMs;
    invocation.timeout = this.clock.setTimeout(() => this.end(invocation, 'timeout'), timeoutMs);
    if (this.random.chance(this.settings.crashRate)) {
      invocation.timers.push(
        this.clock.setTimeout(() => this.end(invocation, 'crash'), this.random.int(0, timeoutMs - 1)),
      );
    }
    const event: SQSEvent = { Records: messages.map((m) => this.queue.toRecord(m)) };
    const context = this.context(invocation, deadline);
    this.clock.owner.run(invocation, () => {
      let reply: unknown;
      try {
        reply = handler(event, context);
      } catch {
        this.end(invocation, 'error');
        return;
      }
      Promise.resolve(reply).then(
        (value) => this.end(invocation, 'replied', value),
        () => this.end(invocation, 'error'),
      );
    });
  }

  /** Reads the end of an invocation the way the event source mapping does. */
  private end(invocation: Invocation, how: InvocationResult, reply?: unknown): void {
    if (!invocation.alive) return;
    invocation.alive = false; // frozen: its timers never fire again
    this.running.delete(invocation);
    this.clock.clearTimeout(invocation.timeout);
    if (invocation.timers.length > invocation.messages.length) this.clock.clearTimeout(invocation.timers.at(-1));
    const ids = invocation.messages.map((m) => m.messageId);
    let reported: string[] = [];
    let result = how;
    if (how === 'replied') {
      const failures = readFailures(reply, ids);
      if (failures === undefined) result = 'invalid-response';
      else reported = failures;
    }
    const deleted: string[] = [];
    if (result === 'replied') {
      const failed = new Set(reported);
      invocation.messages.forEach((message, i) => {
        if (!failed.has(message.messageId) && this.queue.delete(message, invocation.receipts[i] as string)) {
          deleted.push(message.messageId);
          this.clock.clearTimeout(invocation.timers[i]); // its visibility timeout no longer matters
        }
      });
      this.deletions += deleted.length;
    }
    this.results[result]++;
    this.log.push({
      invocation: invocation.id,
      startedAt: invocation.startedAt,
      endedAt: this.clock.now(),
      messageIds: ids,
      result,
      reported,
      deleted,
    });
  }

  private context(invocation: Invocation, deadline: number): Context {
    const name = 'simulated-consumer';
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
      memoryLimitInMB: '512',
      awsRequestId: `invocation-${invocation.id}`,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `simulated/[$LATEST]${invocation.id}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - this.clock.now()),
      done: () => {},
      fail: () => {},
      succeed: () => {},
      [CLOCK]: this.clock,
    } as Context;
  }

  /**
   * Lets real work run until every running invocation waits on simulated time
   * (or has ended) and nothing changes for two turns of the event loop.
   */
  private async quiesce(stallMs: number): Promise<void> {
    let quiet = 0;
    let busySince: number | undefined;
    while (quiet < 2) {
      const before = this.clock.changes + this.log.length;
      await new Promise<void>((resolve) => setImmediate(resolve));
      const busy = [...this.running].some((invocation) => invocation.sleeping === 0);
      if (busy) {
        quiet = 0;
        busySince ??= performance.now();
        if (performance.now() - busySince > stallMs) {
          throw new Error(
            `A simulated invocation has waited more than ${stallMs} ms of real time on something other than the simulator's clock. ` +
              'Model slow work with `sim.clock.sleep(ms)`; real I/O is fine as long as it answers.',
          );
        }
        continue;
      }
      busySince = undefined;
      quiet = this.clock.changes + this.log.length === before ? quiet + 1 : 0;
    }
  }

  private result(startedAt: number, startedReal: number): SimulationResult {
    const receiveCounts = new Map<string, number>();
    const undelivered = new Set<string>();
    const settled = new Set<string>();
    for (const message of this.queue.messages) {
      receiveCounts.set(message.messageId, Math.max(receiveCounts.get(message.messageId) ?? 0, message.receiveCount));
      if (message.state === 'deleted' || message.state === 'dead-lettered') settled.add(message.messageId);
      else undelivered.add(message.messageId);
    }
    for (const id of settled) undelivered.delete(id);
    return {
      sent: this.queue.messages.filter((m) => !m.duplicate).length,
      deliveries: this.deliveries,
      invocations: this.invocations,
      deletions: this.deletions,
      dlqMoves: this.queue.deadLetters.length,
      duplicatesDelivered: this.duplicates,
      results: { ...this.results },
      deadLettered: [...new Set(this.queue.deadLetters.map((m) => m.messageId))],
      receiveCounts,
      undelivered: [...undelivered],
      simulatedMs: this.clock.now() - startedAt,
      realMs: performance.now() - startedReal,
      batches: this.log,
      parked: this.sqs.allSent().filter((m) => m.queueUrl !== this.queueUrl),
      metrics: this.metrics.totals(),
    };
  }
}

/**
 * The ids a reply reports, or `undefined` when Lambda would treat the reply as
 * a failure of the whole batch (an identifier that is empty, not a string, or
 * not in the batch, or a malformed `batchItemFailures`).
 */
function readFailures(reply: unknown, ids: readonly string[]): string[] | undefined {
  if (reply === undefined || reply === null) return [];
  if (typeof reply !== 'object') return undefined;
  const failures = (reply as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return undefined;
  const known = new Set(ids);
  const reported: string[] = [];
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !known.has(id)) return undefined;
    reported.push(id);
  }
  return reported;
}
