import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import type { SeededRandom } from './random.js';

/** One copy of a message in the simulated queue. */
export interface SimulatedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly groupId: string | undefined;
  readonly sequence: number;
  readonly sentAt: number;
  /** Deliveries of this copy so far. */
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** When it is visible again; in flight while in the future. */
  visibleAt: number;
  receiptHandle: string | undefined;
  state: 'queued' | 'in-flight' | 'deleted' | 'dead-lettered';
  /** True for a copy made by an at-least-once duplicate delivery. */
  readonly duplicate: boolean;
  /** Standard queues: whether the copy has an entry in the waiting list. */
  listed: boolean;
}

/** Settings of the simulated queue. */
export interface SimulatedQueueOptions {
  readonly name: string;
  readonly fifo: boolean;
  readonly visibilityTimeoutMs: number;
  /** Deliveries after which the next receive moves the message to the DLQ; `undefined`: no redrive policy. */
  readonly maxReceiveCount: number | undefined;
  readonly region: string;
  readonly accountId: string;
}

/**
 * An SQS queue in memory: visibility timeouts, receive counts, a redrive
 * policy into a dead-letter list, and FIFO message groups that stay locked
 * while one of their messages is in flight.
 */
export class SimulatedQueue {
  readonly arn: string;
  /** Every copy ever enqueued, in send order. */
  readonly messages: SimulatedMessage[] = [];
  readonly deadLetters: SimulatedMessage[] = [];
  private sequence = 0;
  private receipts = 0;
  /** In-flight copies by their latest receipt handle (for visibility changes). */
  private readonly byReceipt = new Map<string, SimulatedMessage>();
  /** Standard queues: copies waiting, by send order (dead entries are skipped lazily). */
  private readonly waiting: SimulatedMessage[] = [];
  private waitingHead = 0;
  /** Standard queues: copies to receive before the backlog. */
  private readonly urgent: SimulatedMessage[] = [];
  /** FIFO queues: each group's undelivered messages in order, and how many are in flight. */
  private readonly groups = new Map<string, { queue: SimulatedMessage[]; head: number; inFlight: number }>();

  constructor(
    readonly options: SimulatedQueueOptions,
    private readonly random: SeededRandom,
    private readonly now: () => number,
  ) {
    this.arn = `arn:aws:sqs:${options.region}:${options.accountId}:${options.name}`;
  }

  /** Adds a message; returns its id. */
  send(body: string, groupId: string | undefined): string {
    if (this.options.fifo && groupId === undefined)
      throw new TypeError('A FIFO queue needs a group id for every message');
    const message = this.enqueue(this.random.uuid(), body, groupId, false);
    return message.messageId;
  }

  /**
   * Makes another copy of a message visible after `delayMs` (SQS's
   * at-least-once delivery: a copy kept on a server that missed the receive).
   */
  duplicate(message: SimulatedMessage, delayMs: number): void {
    const copy = this.enqueue(message.messageId, message.body, message.groupId, true);
    copy.receiveCount = Math.max(0, message.receiveCount - 1);
    copy.visibleAt = this.now() + delayMs;
    if (delayMs === 0 && !this.options.fifo) {
      // Received next, ahead of the backlog, so it can reach an invocation running beside the original.
      this.waiting.pop(); // enqueue put it at the back
      copy.listed = false;
      this.urgent.push(copy);
    }
  }

  /** Copies that may be received now, counted up to `limit`. */
  availableCount(limit: number): number {
    const now = this.now();
    if (!this.options.fifo) {
      let count = this.urgent.length;
      for (let i = this.waitingHead; i < this.waiting.length && count < limit; i++) {
        const m = this.waiting[i] as SimulatedMessage;
        if (m.state === 'queued' && m.visibleAt <= now) count++;
      }
      return count;
    }
    let count = 0;
    for (const group of this.groups.values()) {
      if (group.inFlight > 0) continue;
      for (let i = group.head; i < group.queue.length && (group.queue[i] as SimulatedMessage).visibleAt <= now; i++) {
        if (++count >= limit) return count;
      }
    }
    return count;
  }

  /**
   * Receives up to `max` messages like ReceiveMessage: each becomes in flight
   * for the visibility timeout and its receive count goes up; a message
   * already received `maxReceiveCount` times moves to the dead letters
   * instead. FIFO: whole runs of a group's messages in order, from groups
   * with nothing in flight.
   */
  receive(max: number): SimulatedMessage[] {
    const now = this.now();
    const batch: SimulatedMessage[] = [];
    const take = (message: SimulatedMessage): boolean => {
      const { maxReceiveCount } = this.options;
      if (maxReceiveCount !== undefined && message.receiveCount >= maxReceiveCount) {
        message.state = 'dead-lettered';
        this.deadLetters.push(message);
        return false;
      }
      message.state = 'in-flight';
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + this.options.visibilityTimeoutMs;
      if (message.receiptHandle !== undefined) this.byReceipt.delete(message.receiptHandle);
      message.receiptHandle = `AQEB${Buffer.from(`${message.messageId}#${++this.receipts}`).toString('base64')}`;
      this.byReceipt.set(message.receiptHandle, message);
      batch.push(message);
      return true;
    };
    if (!this.options.fifo) {
      while (this.urgent.length > 0 && batch.length < max) take(this.urgent.shift() as SimulatedMessage);
      this.compact();
      for (let i = this.waitingHead; i < this.waiting.length && batch.length < max; i++) {
        const message = this.waiting[i] as SimulatedMessage;
        if (message.state === 'queued' && message.visibleAt <= now) take(message);
      }
      return batch;
    }
    for (const group of this.groups.values()) {
      if (batch.length >= max) break;
      if (group.inFlight > 0) continue;
      while (batch.length < max && group.head < group.queue.length) {
        const message = group.queue[group.head] as SimulatedMessage;
        if (message.visibleAt > now) break;
        group.head++;
        if (take(message)) group.inFlight++;
      }
    }
    return batch;
  }

  /** Deletes a message by the receipt handle of its latest receive; a stale handle deletes nothing. */
  delete(message: SimulatedMessage, receiptHandle: string): boolean {
    if (message.state !== 'in-flight' || message.receiptHandle !== receiptHandle) return false;
    message.state = 'deleted';
    this.byReceipt.delete(receiptHandle);
    if (message.groupId !== undefined && this.options.fifo) this.groups.get(message.groupId)!.inFlight--;
    return true;
  }

  /** The in-flight copy a receipt handle names, if it is still that copy's latest. */
  inFlight(receiptHandle: string): SimulatedMessage | undefined {
    const message = this.byReceipt.get(receiptHandle);
    return message !== undefined && message.state === 'in-flight' && message.receiptHandle === receiptHandle
      ? message
      : undefined;
  }

  /**
   * Called when a message's visibility timeout ends: an undeleted message is
   * visible again. A timer made stale by a later `ChangeMessageVisibility`
   * (the message's `visibleAt` moved past now) does nothing.
   */
  expireVisibility(message: SimulatedMessage, receiptHandle: string): void {
    if (message.state !== 'in-flight' || message.receiptHandle !== receiptHandle) return;
    if (message.visibleAt > this.now()) return;
    this.byReceipt.delete(receiptHandle);
    message.state = 'queued';
    if (!this.options.fifo) {
      if (!message.listed) {
        message.listed = true;
        this.waiting.push(message);
      }
      return;
    }
    // Back into its group in send order, ahead of everything sent after it.
    const group = this.groups.get(message.groupId as string)!;
    group.inFlight--;
    group.queue = group.queue.slice(group.head);
    group.head = 0;
    let at = group.queue.length;
    while (at > 0 && (group.queue[at - 1] as SimulatedMessage).sequence > message.sequence) at--;
    group.queue.splice(at, 0, message);
  }

  /** SQS attributes of a received copy, as Lambda puts them on the record. */
  toRecord(message: SimulatedMessage): SQSRecord {
    const { fifo } = this.options;
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle as string,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? this.now()),
        ...(fifo
          ? {
              MessageGroupId: message.groupId,
              MessageDeduplicationId: createHash('sha256').update(message.body).digest('hex'),
              SequenceNumber: String(18_849_496_460_467_696_128n + BigInt(message.sequence)),
            }
          : {}),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.options.region,
    };
  }

  /** True when no copy can be delivered again: each is deleted or dead-lettered. */
  drained(): boolean {
    return this.messages.every((m) => m.state === 'deleted' || m.state === 'dead-lettered');
  }

  private enqueue(messageId: string, body: string, groupId: string | undefined, duplicate: boolean): SimulatedMessage {
    const message: SimulatedMessage = {
      messageId,
      body,
      groupId,
      sequence: this.sequence++,
      sentAt: this.now(),
      receiveCount: 0,
      firstReceivedAt: undefined,
      visibleAt: this.now(),
      receiptHandle: undefined,
      state: 'queued',
      duplicate,
      listed: !this.options.fifo,
    };
    this.messages.push(message);
    if (!this.options.fifo) {
      this.waiting.push(message);
    } else {
      let group = this.groups.get(groupId as string);
      if (group === undefined) {
        group = { queue: [], head: 0, inFlight: 0 };
        this.groups.set(groupId as string, group);
      }
      group.queue.push(message);
    }
    return message;
  }

  /** Drops delivered entries from the front of the standard queue's list. */
  private compact(): void {
    while (this.waitingHead < this.waiting.length) {
      const first = this.waiting[this.waitingHead] as SimulatedMessage;
      if (first.state === 'queued') break;
      first.listed = false;
      this.waitingHead++;
    }
    if (this.waitingHead > 4096 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
  }
}
