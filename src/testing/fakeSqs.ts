import { createHash, randomUUID } from 'node:crypto';
import { invalid, optionsObject } from './checks.js';

/** One command the fake client was sent: its SQS action name (`'SendMessageBatch'`) and input. */
export interface FakeSqsCall {
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** A message held by the fake client, as it was sent, with what SQS adds. */
export interface FakeSqsMessage {
  readonly queueUrl: string;
  readonly messageId: string;
  readonly body: string;
  /** `MessageAttributes` as sent (the dead-letter queue's error name and message are here). */
  readonly messageAttributes: Readonly<Record<string, unknown>>;
  readonly messageGroupId: string | undefined;
  readonly messageDeduplicationId: string | undefined;
  readonly sentAt: number;
  /** Send order across every queue of the client. */
  readonly order: number;
  /** Receives so far. */
  receiveCount: number;
  /** When it can be received again. */
  visibleAt: number;
  /** The receipt handle of its latest receive. */
  receiptHandle: string | undefined;
  deleted: boolean;
}

/**
 * How a command fails, for {@link FakeSqsClient.fail}: `throw` rejects (with
 * `error`, or an `InternalError` SQS fault), `hang` never answers (until the
 * caller's `abortSignal` aborts), `fail-entries` answers a batch command with
 * `entries` entries (default: all) in `Failed`.
 */
export type FakeSqsFailure =
  | { readonly mode: 'throw'; readonly error?: Error | undefined }
  | { readonly mode: 'hang' }
  | { readonly mode: 'fail-entries'; readonly entries?: number | undefined; readonly code?: string | undefined };

/** Options of {@link createFakeSqsClient}. */
export interface FakeSqsClientOptions {
  /** Region of the queue URLs and ARNs it answers. @default 'eu-west-1' */
  readonly region?: string | undefined;
  /** Account of the queue URLs and ARNs it answers. @default '123456789012' */
  readonly accountId?: string | undefined;
  /** Visibility timeout of its queues, in seconds. @default 30 */
  readonly visibilityTimeoutSeconds?: number | undefined;
  /** Where time comes from (a `VirtualClock`, say). @default Date */
  readonly clock?: { now(): number } | undefined;
}

/** An SQS client in memory, for tests: see {@link createFakeSqsClient}. */
export interface FakeSqsClient {
  /** What the library calls: answers each SQS command the way SQS does. */
  send(command: unknown, options?: { abortSignal?: AbortSignal | undefined }): Promise<unknown>;
  /** Every command received, in order (failed and hung ones included). */
  readonly calls: readonly FakeSqsCall[];
  /** The inputs of every call of one action (`'SendMessageBatch'` or `'SendMessageBatchCommand'`). */
  callsOf(name: string): ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Every message ever sent to a queue (by URL or name), deleted ones included, in send order. */
  sent(queue: string): readonly FakeSqsMessage[];
  /** Every message sent to any queue, in send order. */
  allSent(): readonly FakeSqsMessage[];
  /** Messages of a queue not deleted yet, in send order. */
  messages(queue: string): readonly FakeSqsMessage[];
  /** Adds a message to a queue, as `SendMessage` would; returns its id. */
  enqueue(queue: string, body: string, messageAttributes?: Record<string, unknown>): string;
  /** The URL of a queue name (queues exist once named). */
  queueUrl(name: string): string;
  /** Makes the next `times` calls of `name` fail as `failure` says (queued after earlier ones). */
  fail(name: string, failure: FakeSqsFailure, times?: number): FakeSqsClient;
}

/** A queue of another kind behind a URL: the queue simulator's own. Internal to the testing entry. */
export interface AttachedQueue {
  readonly arn: string;
  /** Sets a received message's visibility; answers an SQS error code when the handle is not current. */
  changeVisibility(receiptHandle: string, seconds: number): string | undefined;
}

/** Internal: lets the queue simulator put its own queue behind one URL of the client. */
export const ATTACH = Symbol('attach');

const MAX_BATCH = 10;

/**
 * An SQS client in memory, usable wherever the library takes one (`backoff`,
 * `deadLetter`, `createConsumer`). It answers the commands the library sends
 * as SQS does (per-entry `Successful` / `Failed`, message ids, receipt
 * handles, visibility, receive counts), records every call, keeps what was
 * sent per queue, and can be told to fail a command (throw, hang, or fail
 * some entries) a number of times. Queues exist as soon as they are named.
 *
 * @param options - See {@link FakeSqsClientOptions}.
 * @returns A {@link FakeSqsClient}.
 * @throws InvalidOptionsError for an unknown option or a bad value.
 *
 * @example
 * ```ts
 * import { createBatchHandler, PermanentError } from 'sqs-partial-batch';
 * import { createFakeSqsClient, lambdaContext, sqsEvent } from 'sqs-partial-batch/testing';
 *
 * const sqs = createFakeSqsClient();
 * const handler = createBatchHandler(
 *   async (record) => {
 *     if (record.body === 'poison') throw new PermanentError('unknown order');
 *   },
 *   { onPermanentFailure: 'dead-letter', deadLetter: { client: sqs, queueUrl: sqs.queueUrl('orders-dlq') } },
 * );
 * await handler(sqsEvent(['ok', 'poison']), lambdaContext());
 * console.log(sqs.sent('orders-dlq').map((m) => m.body)); // ['poison']
 * sqs.fail('SendMessageBatch', { mode: 'fail-entries' }); // the next send fails every entry
 * ```
 */
export function createFakeSqsClient(options: FakeSqsClientOptions = {}): FakeSqsClient {
  const input = optionsObject(options, 'the fake SQS client options', [
    'region',
    'accountId',
    'visibilityTimeoutSeconds',
    'clock',
  ]) as FakeSqsClientOptions;
  const { region = 'eu-west-1', accountId = '123456789012', visibilityTimeoutSeconds = 30, clock } = input;
  if (typeof region !== 'string' || !/^[a-z0-9-]+$/.test(region)) invalid('Expected `region` to be an AWS region name');
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) invalid('Expected `accountId` to be 12 digits');
  if (
    !Number.isSafeInteger(visibilityTimeoutSeconds) ||
    visibilityTimeoutSeconds < 0 ||
    visibilityTimeoutSeconds > 43_200
  ) {
    invalid('Expected `visibilityTimeoutSeconds` to be an integer from 0 to 43200');
  }
  if (clock !== undefined && typeof (clock as { now?: unknown } | null)?.now !== 'function') {
    invalid('Expected `clock` to have a `now()` method');
  }
  return new FakeSqs(region, accountId, visibilityTimeoutSeconds, clock ?? Date);
}

class FakeSqs implements FakeSqsClient {
  readonly calls: FakeSqsCall[] = [];
  private readonly queues = new Map<string, FakeSqsMessage[]>();
  private readonly attached = new Map<string, AttachedQueue>();
  private readonly failures = new Map<string, FakeSqsFailure[]>();
  private readonly waiters = new Set<() => void>();
  private receipts = 0;
  private order = 0;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly visibilitySeconds: number,
    private readonly clock: { now(): number },
  ) {}

  queueUrl(name: string): string {
    return `https://sqs.${this.region}.amazonaws.com/${this.accountId}/${name}`;
  }

  callsOf(name: string): ReadonlyArray<Readonly<Record<string, unknown>>> {
    const action = actionName(name);
    return this.calls.filter((c) => c.name === action).map((c) => c.input);
  }

  sent(queue: string): readonly FakeSqsMessage[] {
    return [...(this.queues.get(this.urlOf(queue)) ?? [])];
  }

  allSent(): readonly FakeSqsMessage[] {
    return [...this.queues.values()].flat().sort((a, b) => a.order - b.order);
  }

  messages(queue: string): readonly FakeSqsMessage[] {
    return this.sent(queue).filter((m) => !m.deleted);
  }

  enqueue(queue: string, body: string, messageAttributes: Record<string, unknown> = {}): string {
    return this.add(this.urlOf(queue), { MessageBody: body, MessageAttributes: messageAttributes }).messageId;
  }

  fail(name: string, failure: FakeSqsFailure, times = 1): FakeSqsClient {
    if (!Number.isSafeInteger(times) || times < 1) invalid('Expected `times` to be an integer >= 1');
    const mode = (failure as { mode?: unknown } | null)?.mode;
    if (mode !== 'throw' && mode !== 'hang' && mode !== 'fail-entries') {
      invalid("Expected a failure `mode` of 'throw', 'hang' or 'fail-entries'");
    }
    const action = actionName(name);
    const list = this.failures.get(action) ?? [];
    for (let i = 0; i < times; i++) list.push(failure);
    this.failures.set(action, list);
    return this;
  }

  /** Internal (the queue simulator): commands on `url` that concern visibility go to `queue`. */
  [ATTACH](url: string, queue: AttachedQueue): void {
    this.attached.set(url, queue);
  }

  async send(command: unknown, options?: { abortSignal?: AbortSignal | undefined }): Promise<unknown> {
    const name = actionName(commandName(command));
    const raw = (command as { input?: unknown } | null)?.input;
    const input = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    this.calls.push({ name, input });
    const failure = this.failures.get(name)?.shift();
    if (failure?.mode === 'hang') return hang(options?.abortSignal);
    if (failure?.mode === 'throw')
      throw failure.error ?? sqsError('InternalError', 'We encountered an internal error.', false);
    const failEntries = failure?.mode === 'fail-entries' ? failure : undefined;
    switch (name) {
      case 'GetQueueUrl':
        return { QueueUrl: this.queueUrl(requireString(input.QueueName, 'QueueName')) };
      case 'GetQueueAttributes':
        return { Attributes: this.attributes(this.urlIn(input)) };
      case 'SendMessage': {
        if (failEntries) throw sqsError(failEntries.code ?? 'InternalError', 'The message was not sent.', false);
        const message = this.add(this.urlIn(input), input);
        return { MessageId: message.messageId, MD5OfMessageBody: md5(message.body) };
      }
      case 'SendMessageBatch':
        return this.batch(input, failEntries, (entry, url) => {
          const message = this.add(url, entry);
          return { MessageId: message.messageId, MD5OfMessageBody: md5(message.body) };
        });
      case 'ReceiveMessage':
        return this.receive(input, options?.abortSignal);
      case 'DeleteMessage':
        return this.single(
          this.delete(this.urlIn(input), requireString(input.ReceiptHandle, 'ReceiptHandle')),
          failEntries,
        );
      case 'DeleteMessageBatch':
        return this.batch(input, failEntries, (entry, url) =>
          this.delete(url, requireString(entry.ReceiptHandle, 'ReceiptHandle')),
        );
      case 'ChangeMessageVisibility':
        return this.single(
          this.changeVisibility(
            this.urlIn(input),
            requireString(input.ReceiptHandle, 'ReceiptHandle'),
            input.VisibilityTimeout,
          ),
          failEntries,
        );
      case 'ChangeMessageVisibilityBatch':
        return this.batch(input, failEntries, (entry, url) =>
          this.changeVisibility(url, requireString(entry.ReceiptHandle, 'ReceiptHandle'), entry.VisibilityTimeout),
        );
      default:
        throw sqsError('UnsupportedOperation', `The fake SQS client does not answer ${name}`, true);
    }
  }

  private urlOf(queue: string): string {
    return queue.includes('/') ? queue : this.queueUrl(queue);
  }

  private urlIn(input: Record<string, unknown>): string {
    return requireString(input.QueueUrl, 'QueueUrl');
  }

  private attributes(url: string): Record<string, string> {
    const name = url.slice(url.lastIndexOf('/') + 1);
    const now = this.clock.now();
    const held = this.queues.get(url) ?? [];
    return {
      QueueArn: this.attached.get(url)?.arn ?? `arn:aws:sqs:${this.region}:${this.accountId}:${name}`,
      VisibilityTimeout: String(this.visibilitySeconds),
      ApproximateNumberOfMessages: String(held.filter((m) => !m.deleted && m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(held.filter((m) => !m.deleted && m.visibleAt > now).length),
      ...(name.endsWith('.fifo') ? { FifoQueue: 'true' } : {}),
    };
  }

  private add(url: string, input: Record<string, unknown>): FakeSqsMessage {
    const body = requireString(input.MessageBody, 'MessageBody');
    const delay = Number(input.DelaySeconds ?? 0);
    const now = this.clock.now();
    const message: FakeSqsMessage = {
      queueUrl: url,
      messageId: randomUUID(),
      body,
      messageAttributes: { ...((input.MessageAttributes as Record<string, unknown> | undefined) ?? {}) },
      messageGroupId: input.MessageGroupId as string | undefined,
      messageDeduplicationId: input.MessageDeduplicationId as string | undefined,
      sentAt: now,
      order: ++this.order,
      receiveCount: 0,
      visibleAt: now + (Number.isFinite(delay) ? delay * 1000 : 0),
      receiptHandle: undefined,
      deleted: false,
    };
    const list = this.queues.get(url) ?? [];
    list.push(message);
    this.queues.set(url, list);
    for (const wake of this.waiters) wake();
    return message;
  }

  private async receive(input: Record<string, unknown>, signal: AbortSignal | undefined): Promise<unknown> {
    const url = this.urlIn(input);
    const max = Number(input.MaxNumberOfMessages ?? 1);
    if (!Number.isSafeInteger(max) || max < 1 || max > MAX_BATCH) {
      throw sqsError('InvalidParameterValue', 'MaxNumberOfMessages must be between 1 and 10.', true);
    }
    const waitMs = Number(input.WaitTimeSeconds ?? 0) * 1000;
    const visibility = Number(input.VisibilityTimeout ?? this.visibilitySeconds);
    let messages = this.take(url, max, visibility);
    if (messages.length === 0 && waitMs > 0) {
      // Long polling: answer when a message arrives, the wait ends (real time) or the caller aborts.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        timer.unref?.();
        this.waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
      if (signal?.aborted) throw abortError();
      messages = this.take(url, max, visibility);
    }
    return messages.length === 0 ? {} : { Messages: messages };
  }

  private take(url: string, max: number, visibilitySeconds: number): Array<Record<string, unknown>> {
    const now = this.clock.now();
    const out: Array<Record<string, unknown>> = [];
    for (const message of this.queues.get(url) ?? []) {
      if (out.length >= max) break;
      if (message.deleted || message.visibleAt > now) continue;
      message.receiveCount++;
      message.visibleAt = now + visibilitySeconds * 1000;
      message.receiptHandle = `fake-${++this.receipts}-${message.messageId}`;
      out.push({
        MessageId: message.messageId,
        ReceiptHandle: message.receiptHandle,
        Body: message.body,
        MD5OfBody: md5(message.body),
        Attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: String(message.sentAt),
          SenderId: 'AIDAFAKESQSCLIENT',
          ApproximateFirstReceiveTimestamp: String(now),
          ...(message.messageGroupId === undefined ? {} : { MessageGroupId: message.messageGroupId }),
        },
        MessageAttributes: message.messageAttributes,
      });
    }
    return out;
  }

  /** An SQS error code, or `undefined` when deleted. */
  private delete(url: string, receiptHandle: string): string | undefined {
    const message = (this.queues.get(url) ?? []).find((m) => m.receiptHandle === receiptHandle);
    if (message === undefined) return 'ReceiptHandleIsInvalid';
    message.deleted = true;
    return undefined;
  }

  private changeVisibility(url: string, receiptHandle: string, seconds: unknown): string | undefined {
    const value = Number(seconds);
    if (!Number.isSafeInteger(value) || value < 0 || value > 43_200) return 'InvalidParameterValue';
    const attached = this.attached.get(url);
    if (attached !== undefined) return attached.changeVisibility(receiptHandle, value);
    const message = (this.queues.get(url) ?? []).find((m) => m.receiptHandle === receiptHandle);
    if (message === undefined || message.deleted) return 'ReceiptHandleIsInvalid';
    if (message.visibleAt <= this.clock.now()) return 'MessageNotInflight';
    message.visibleAt = this.clock.now() + value * 1000;
    return undefined;
  }

  private single(code: string | undefined, failEntries: FakeSqsFailure | undefined): Record<string, unknown> {
    const failed = failEntries !== undefined ? ((failEntries as { code?: string }).code ?? 'InternalError') : code;
    if (failed !== undefined) throw sqsError(failed, `The request failed: ${failed}`, failed !== 'InternalError');
    return {};
  }

  /** A batch command: entries checked as SQS checks them, answered per entry. */
  private batch(
    input: Record<string, unknown>,
    failEntries: Extract<FakeSqsFailure, { mode: 'fail-entries' }> | undefined,
    each: (entry: Record<string, unknown>, url: string) => Record<string, unknown> | string | undefined,
  ): Record<string, unknown> {
    const url = this.urlIn(input);
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw sqsError('EmptyBatchRequest', 'There should be at least one entry in the request.', true);
    }
    if (entries.length > MAX_BATCH) {
      throw sqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH}.`, true);
    }
    const ids = new Set<string>();
    for (const entry of entries as Array<Record<string, unknown>>) {
      const id = entry?.Id;
      if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
        throw sqsError(
          'InvalidBatchEntryId',
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores.',
          true,
        );
      }
      if (ids.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`, true);
      ids.add(id);
    }
    const failing = failEntries === undefined ? 0 : (failEntries.entries ?? entries.length);
    const Successful: Array<Record<string, unknown>> = [];
    const Failed: Array<Record<string, unknown>> = [];
    (entries as Array<Record<string, unknown>>).forEach((entry, i) => {
      const Id = entry.Id as string;
      if (i < failing) {
        const Code = failEntries?.code ?? 'InternalError';
        Failed.push({ Id, Code, Message: `The entry failed: ${Code}`, SenderFault: false });
        return;
      }
      const answer = each(entry, url);
      if (typeof answer === 'string')
        Failed.push({ Id, Code: answer, Message: `The entry failed: ${answer}`, SenderFault: true });
      else Successful.push({ Id, ...(answer ?? {}) });
    });
    return Failed.length === 0 ? { Successful } : { Successful, Failed };
  }
}

/** `SendMessageBatchCommand` and `SendMessageBatch` both name the action `SendMessageBatch`. */
function actionName(name: string): string {
  return name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
}

function commandName(command: unknown): string {
  try {
    const name = (command as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' ? name : 'Unknown';
  } catch {
    return 'Unknown';
  }
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw sqsError('MissingParameter', `The request must contain the parameter ${field}.`, true);
  }
  return value;
}

/** An error shaped like the AWS SDK's: `name` is the SQS error code, `$fault` says whose. */
function sqsError(code: string, message: string, senderFault: boolean): Error {
  const error = new Error(message);
  error.name = code;
  Object.assign(error, {
    $fault: senderFault ? 'client' : 'server',
    $metadata: { httpStatusCode: senderFault ? 400 : 500 },
  });
  return error;
}

function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}

function hang(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal === undefined) return;
    if (signal.aborted) reject(abortError());
    else signal.addEventListener('abort', () => reject(abortError()), { once: true });
  });
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
