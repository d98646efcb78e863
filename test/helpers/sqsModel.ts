/**
 * A small in-memory SQS queue, on the global timers and `Date.now()` (so fake
 * timers drive it), that answers the four commands the consumer sends the
 * way SQS documents them: a receive hides messages for their visibility
 * timeout and hands each delivery a new receipt handle; a message whose
 * visibility runs out is delivered again; a delete with a stale receipt handle
 * succeeds without deleting (SQS: "the request succeeds, but the message will
 * not be deleted"); a visibility change needs the latest receipt handle of a
 * message in flight. Faults are injected per command with `onCommand`.
 *
 * Used by the unit tests, the hostile property suite and the pack test
 * (test/pack/consumerFaults.ts), so it imports nothing but Node.
 */

/** One message in the queue. */
export interface QueuedMessage {
  readonly id: string;
  /** What `Body` the message is received with (absent: no `Body` at all). */
  readonly body?: unknown;
  readonly attributes?: Record<string, unknown>;
  readonly messageAttributes?: Record<string, unknown>;
  visibleAt: number;
  receiveCount: number;
  /** The receipt handle of the latest delivery. */
  handle: string | undefined;
  deleted: boolean;
}

/** A command as a client receives it: its class name and input. */
export interface Command {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/**
 * Answers a command instead of the queue: a promise (or value) is the answer,
 * `undefined` lets the queue answer.
 */
export type Fault = (command: Command, queue: SqsModel) => unknown;

interface Entry {
  readonly Id?: unknown;
  readonly ReceiptHandle?: unknown;
  readonly VisibilityTimeout?: unknown;
}

export class SqsModel {
  readonly messages = new Map<string, QueuedMessage>();
  /** Every command sent, in order, with when. */
  readonly calls: Array<Command & { readonly at: number }> = [];
  /** Receipt handles whose delete actually removed a message, with the message id. */
  readonly deletions: Array<{ readonly id: string; readonly handle: string }> = [];
  private readonly faults = new Map<string, Fault>();
  private readonly waiters = new Set<() => void>();
  private seq = 0;

  constructor(
    readonly visibilitySeconds = 30,
    readonly arn = 'arn:aws:sqs:eu-west-1:123456789012:orders',
  ) {}

  /** Adds a message, visible now; answers its id. */
  add(message: { body?: unknown; attributes?: Record<string, unknown>; messageAttributes?: Record<string, unknown> }) {
    const id = `m-${++this.seq}-${Math.random().toString(16).slice(2, 10)}`;
    this.messages.set(id, { id, ...message, visibleAt: 0, receiveCount: 0, handle: undefined, deleted: false });
    this.wake();
    return id;
  }

  /** From now on, `fault` answers the command `name` (or lets the queue answer when it returns `undefined`). */
  onCommand(name: string, fault: Fault | undefined): this {
    if (fault === undefined) this.faults.delete(name);
    else this.faults.set(name, fault);
    return this;
  }

  /** Messages not deleted. */
  get remaining(): QueuedMessage[] {
    return [...this.messages.values()].filter((message) => !message.deleted);
  }

  /** Calls of the command `name` so far. */
  count(name: string): number {
    return this.calls.filter((call) => call.name === name).length;
  }

  /** The client: `send(command)` as the AWS SDK's, answering from the queue unless a fault answers. */
  send = (command: { constructor: { name: string }; input: unknown }): Promise<unknown> => {
    const call: Command = { name: command.constructor.name, input: (command.input ?? {}) as Record<string, unknown> };
    this.calls.push({ ...call, at: Date.now() });
    const fault = this.faults.get(call.name);
    if (fault !== undefined) {
      const answer = fault(call, this);
      if (answer !== undefined) return Promise.resolve(answer);
    }
    return this.answer(call);
  };

  /** What the queue itself answers to `call`. */
  answer(call: Command): Promise<unknown> {
    switch (call.name) {
      case 'GetQueueAttributesCommand':
        return Promise.resolve({
          Attributes: { QueueArn: this.arn, VisibilityTimeout: String(this.visibilitySeconds), FifoQueue: 'false' },
        });
      case 'ReceiveMessageCommand':
        return this.receive(call.input);
      case 'DeleteMessageBatchCommand':
        return Promise.resolve(this.batch(call.input, (message, entry) => this.delete(message, entry)));
      case 'ChangeMessageVisibilityBatchCommand':
        return Promise.resolve(this.batch(call.input, (message, entry) => this.changeVisibility(message, entry)));
      default:
        return Promise.reject(new Error(`the model does not answer ${call.name}`));
    }
  }

  /** Takes up to `max` visible messages now, hiding each for `visibilityMs`. */
  take(max: number, visibilityMs: number): Array<Record<string, unknown>> {
    const now = Date.now();
    const taken: Array<Record<string, unknown>> = [];
    for (const message of this.messages.values()) {
      if (taken.length >= max) break;
      if (message.deleted || message.visibleAt > now) continue;
      message.receiveCount++;
      message.handle = `${message.id}#${message.receiveCount}`;
      message.visibleAt = now + visibilityMs;
      taken.push({
        MessageId: message.id,
        ReceiptHandle: message.handle,
        ...('body' in message ? { Body: message.body } : {}),
        MD5OfBody: 'md5',
        Attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: '1700000000000',
          SenderId: 'AIDA',
          ApproximateFirstReceiveTimestamp: '1700000000000',
          ...message.attributes,
        },
        ...(message.messageAttributes === undefined ? {} : { MessageAttributes: message.messageAttributes }),
      });
      // A message hidden now becomes visible again later: a long poll waiting then must see it.
      if (visibilityMs > 0) setTimeout(() => this.wake(), visibilityMs);
    }
    return taken;
  }

  private async receive(input: Record<string, unknown>): Promise<unknown> {
    const max = typeof input.MaxNumberOfMessages === 'number' ? input.MaxNumberOfMessages : 1;
    const visibilityMs =
      (typeof input.VisibilityTimeout === 'number' ? input.VisibilityTimeout : this.visibilitySeconds) * 1000;
    const end = Date.now() + (typeof input.WaitTimeSeconds === 'number' ? input.WaitTimeSeconds : 0) * 1000;
    for (;;) {
      const taken = this.take(max, visibilityMs);
      const left = end - Date.now();
      if (taken.length > 0 || left <= 0) return taken.length === 0 ? {} : { Messages: taken };
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private batch(
    input: Record<string, unknown>,
    apply: (message: QueuedMessage | undefined, entry: Entry) => { code: string; senderFault: boolean } | undefined,
  ) {
    const Successful: Array<{ Id: unknown }> = [];
    const Failed: Array<{ Id: unknown; Code: string; Message: string; SenderFault: boolean }> = [];
    for (const entry of (input.Entries ?? []) as Entry[]) {
      const handle = String(entry.ReceiptHandle);
      const message = this.messages.get(handle.split('#')[0] ?? '');
      const failure = apply(message, entry);
      if (failure === undefined) Successful.push({ Id: entry.Id });
      else Failed.push({ Id: entry.Id, Code: failure.code, Message: failure.code, SenderFault: failure.senderFault });
    }
    return { Successful, Failed };
  }

  private delete(message: QueuedMessage | undefined, entry: Entry) {
    if (message === undefined) return { code: 'ReceiptHandleIsInvalid', senderFault: true };
    // SQS: a stale receipt handle "succeeds, but the message will not be deleted".
    if (!message.deleted && message.handle !== undefined && entry.ReceiptHandle === message.handle) {
      message.deleted = true;
      this.deletions.push({ id: message.id, handle: message.handle });
    }
    return undefined;
  }

  private changeVisibility(message: QueuedMessage | undefined, entry: Entry) {
    if (message === undefined || message.deleted || entry.ReceiptHandle !== message.handle) {
      return { code: 'ReceiptHandleIsInvalid', senderFault: true };
    }
    const now = Date.now();
    if (message.visibleAt <= now) return { code: 'MessageNotInflight', senderFault: true };
    const seconds = Number(entry.VisibilityTimeout);
    message.visibleAt = now + seconds * 1000;
    if (seconds === 0) this.wake();
    else setTimeout(() => this.wake(), seconds * 1000);
    return undefined;
  }
}
