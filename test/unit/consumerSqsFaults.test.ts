import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Consumer, type ConsumerOptions, createConsumer, VisibilityLostError } from '../../src/consumer/index.js';
import type { ProcessRecord } from '../../src/index.js';
import { never } from '../helpers/hostile.js';
import { SqsModel } from '../helpers/sqsModel.js';

// Issue #18, items 1 to 4: the consumer against an SQS that hangs, answers garbage, or loses visibility.
// On fake timers (the model runs on them too), so seconds of queue time take milliseconds.

const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const SECRET = 'SECRET-BODY-4111111111111111';

interface Line {
  readonly level: string;
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

/** A consumer over `sqs`, started, with its log lines kept and the time `start()` settled. */
function started(sqs: SqsModel, processRecord: ProcessRecord<string>, options: Partial<ConsumerOptions> = {}) {
  const lines: Line[] = [];
  const at = (level: string) => (message: string, attributes: Record<string, unknown>) =>
    void lines.push({ level, message, attributes });
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const consumer: Consumer = createConsumer(processRecord, {
    queueUrl,
    client: sqs,
    waitTimeSeconds: 1,
    logger,
    ...options,
  });
  const settled = settleTime(consumer.start());
  return { consumer, lines, settled, messages: () => lines.map((line) => line.message) };
}

/** When `promise` settled (fake time), and how; `undefined` until it does. */
function settleTime(promise: Promise<unknown>) {
  const state: { at?: number; error?: unknown; ok?: boolean } = {};
  promise.then(
    () => Object.assign(state, { at: Date.now(), ok: true }),
    (error: unknown) => Object.assign(state, { at: Date.now(), ok: false, error }),
  );
  return state;
}

/** Every log line, error and cause as one string, to look for the body in. */
function everything(lines: readonly Line[]): string {
  const seen = new Set<unknown>();
  return JSON.stringify(lines, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '(seen)';
      seen.add(value);
    }
    if (value instanceof Error)
      return { name: value.name, message: value.message, stack: value.stack, cause: value.cause };
    return value;
  });
}

beforeEach(async () => {
  // Loaded on real timers (again after a test resets the modules): the consumer imports them when it starts.
  await (await import('sqs-partial-batch/sqs')).loadSqsSdk();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a heartbeat that cannot extend (item 1)', () => {
  it('never runs a message twice when ChangeMessageVisibilityBatch hangs: the signal aborts in time, the success deletes the newest delivery', async () => {
    const sqs = new SqsModel(2);
    const id = sqs.add({ body: 'long' });
    sqs.onCommand('ChangeMessageVisibilityBatchCommand', () => never());
    let running = 0;
    let most = 0;
    let runs = 0;
    let abortedAt: number | undefined;
    let reason: unknown;
    const t0 = Date.now();
    const { consumer, settled, messages } = started(sqs, async (_record, { signal }) => {
      runs++;
      most = Math.max(most, ++running);
      signal.addEventListener('abort', () => {
        abortedAt = Date.now() - t0;
        reason = signal.reason;
      });
      await new Promise((resolve) => setTimeout(resolve, 4500)); // ignores its signal
      running--;
    });

    await vi.advanceTimersByTimeAsync(6000);

    expect(runs).toBe(1);
    expect(most).toBe(1);
    expect(reason).toBeInstanceOf(VisibilityLostError);
    expect(abortedAt).toBeLessThan(2000);
    // Received at 0 s, again at 2 s and 4 s: SQS deletes only with the newest receipt handle.
    expect(sqs.messages.get(id)?.receiveCount).toBe(3);
    expect(sqs.deletions).toEqual([{ id, handle: `${id}#3` }]);
    expect(messages()).toContain(
      'A message still held here was received again (its visibility ran out); it is not run twice',
    );
    expect(consumer.status()).toMatchObject({ received: 1, succeeded: 1, inFlight: 0, running: 0 });
    void consumer.stop(); // waits for the long poll in flight (1 s)
    await vi.advanceTimersByTimeAsync(1500);
    expect(settled.ok).toBe(true);
  });

  it('counts an extension that does not answer within sqsCallTimeoutMs as failed, retries it, and keeps the message', async () => {
    const sqs = new SqsModel(3);
    sqs.add({ body: 'long' });
    let hung = 0;
    sqs.onCommand('ChangeMessageVisibilityBatchCommand', () => (hung++ === 0 ? never() : undefined));
    let aborted = false;
    let runs = 0;
    const { consumer } = started(
      sqs,
      async (_record, { signal }) => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 5000));
        aborted = signal.aborted;
      },
      { sqsCallTimeoutMs: 300 },
    );

    await vi.advanceTimersByTimeAsync(5500);

    expect(runs).toBe(1);
    expect(aborted).toBe(false);
    expect(sqs.count('ChangeMessageVisibilityBatchCommand')).toBeGreaterThanOrEqual(2);
    expect(sqs.remaining).toEqual([]);
    void consumer.stop();
  });

  it('leaves the newer delivery to come back when the first run fails, and only then runs it again', async () => {
    const sqs = new SqsModel(1);
    const id = sqs.add({ body: 'fails once' });
    sqs.onCommand('ChangeMessageVisibilityBatchCommand', () => never());
    const spans: Array<[number, number]> = [];
    const { consumer } = started(sqs, async (record) => {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, record.receiveCount === 1 ? 1500 : 10));
      spans.push([start, Date.now()]);
      if (record.receiveCount === 1) throw new Error('first run fails');
    });

    await vi.advanceTimersByTimeAsync(5000);

    expect(spans).toHaveLength(2);
    const [first, second] = spans as [[number, number], [number, number]];
    expect(second[0]).toBeGreaterThanOrEqual(first[1]);
    expect(sqs.deletions.map((deletion) => deletion.id)).toEqual([id]);
    void consumer.stop();
  });
});

describe('SQS calls that hang (item 2)', () => {
  it('settles start() and stop() at once when GetQueueAttributes never answers, having retried it', async () => {
    const sqs = new SqsModel();
    sqs.onCommand('GetQueueAttributesCommand', () => never());
    const { consumer, settled, messages } = started(sqs, () => {}, { sqsCallTimeoutMs: 500 });

    await vi.advanceTimersByTimeAsync(2000);
    expect(consumer.status().state).toBe('starting');
    expect(sqs.count('GetQueueAttributesCommand')).toBeGreaterThanOrEqual(2);
    expect(messages()).toContain('Could not read the queue attributes; retrying');
    const stopped = settleTime(consumer.stop());
    await vi.advanceTimersByTimeAsync(0);

    expect(stopped.ok).toBe(true);
    expect(settled.ok).toBe(true);
    expect(consumer.status().state).toBe('stopped');
  });

  it('gives up a DeleteMessageBatch that never answers once the message is visible again, so stop() settles', async () => {
    const sqs = new SqsModel(2);
    const id = sqs.add({ body: 'quick' });
    sqs.onCommand('DeleteMessageBatchCommand', () => never());
    let done = 0;
    const { consumer, settled, lines } = started(sqs, () => void done++);

    await vi.advanceTimersByTimeAsync(100);
    expect(done).toBe(1);
    const stopped = settleTime(consumer.stop());
    await vi.advanceTimersByTimeAsync(2500);

    expect(stopped.at).toBeDefined();
    expect(settled.ok).toBe(true);
    const given = lines.find((line) => line.message.startsWith('Could not delete processed messages'));
    expect(given?.attributes).toMatchObject({ messageIds: [id], error: expect.stringContaining('did not answer') });
  });

  it('settles stop() within its documented bound when every SQS call hangs, and a record ignores its signal', async () => {
    const sqs = new SqsModel(30);
    sqs.add({ body: 'stuck' });
    const options = { waitTimeSeconds: 2, sqsCallTimeoutMs: 400, shutdownTimeoutMs: 1000 };
    const { consumer, settled } = started(sqs, () => never(), options);
    await vi.advanceTimersByTimeAsync(100);
    expect(consumer.status().running).toBe(1);
    for (const name of ['ReceiveMessageCommand', 'DeleteMessageBatchCommand', 'ChangeMessageVisibilityBatchCommand']) {
      sqs.onCommand(name, () => never());
    }
    await vi.advanceTimersByTimeAsync(500); // a receive is in flight, and hangs

    const stopAt = Date.now();
    const stopped = settleTime(consumer.stop());
    await vi.advanceTimersByTimeAsync(10_000);

    // max(shutdownTimeoutMs, waitTimeSeconds * 1000 + sqsCallTimeoutMs) + sqsCallTimeoutMs
    const bound = Math.max(1000, 2000 + 400) + 400;
    expect((stopped.at as number) - stopAt).toBeLessThanOrEqual(bound);
    expect(settled.ok).toBe(true);
    expect(consumer.status().state).toBe('stopped');
  });
});

describe('a queue that keeps failing what stop() waits for', () => {
  it('gives up deletions still being retried at the bound of stop(), and sends nothing after', async () => {
    const sqs = new SqsModel(30);
    const id = sqs.add({ body: 'done' });
    sqs.onCommand('DeleteMessageBatchCommand', () => Promise.reject(new Error('socket hang up')));
    let done = 0;
    const options = { waitTimeSeconds: 1, sqsCallTimeoutMs: 300, shutdownTimeoutMs: 500 };
    const { consumer, settled, lines } = started(sqs, () => void done++, options);
    await vi.advanceTimersByTimeAsync(50);
    expect(done).toBe(1);

    const stopAt = Date.now();
    const stopped = settleTime(consumer.stop());
    await vi.advanceTimersByTimeAsync(5000);
    const deletes = sqs.count('DeleteMessageBatchCommand');
    await vi.advanceTimersByTimeAsync(5000);

    // max(shutdownTimeoutMs, waitTimeSeconds * 1000 + sqsCallTimeoutMs) + sqsCallTimeoutMs
    expect((stopped.at as number) - stopAt).toBe(Math.max(500, 1000 + 300) + 300);
    expect(settled.ok).toBe(true);
    expect(deletes).toBeGreaterThan(1);
    expect(sqs.count('DeleteMessageBatchCommand')).toBe(deletes);
    const given = lines.find((line) => line.message.startsWith('The consumer stops without waiting any longer'));
    expect(given?.attributes).toMatchObject({ batches: 0, receives: 0, acknowledging: true });
    expect(sqs.messages.get(id)?.deleted).toBe(false);
  });
});

describe('odd answers to GetQueueAttributes', () => {
  it('retries an answer without attributes, and a client that throws instead of rejecting, then runs', async () => {
    const sqs = new SqsModel(30);
    sqs.add({ body: 'a' });
    const odd: Array<() => unknown> = [
      () => Promise.resolve(null),
      () => ({ Attributes: 5 }),
      () => {
        throw new Error('thrown, not rejected');
      },
    ];
    sqs.onCommand('GetQueueAttributesCommand', () => odd.shift()?.());
    let done = 0;
    const { consumer, messages } = started(sqs, () => void done++);

    await vi.advanceTimersByTimeAsync(5000);

    expect(done).toBe(1);
    expect(messages().filter((message) => message === 'Could not read the queue attributes; retrying')).toHaveLength(3);
    void consumer.stop();
  });
});

describe('malformed receive answers (item 3)', () => {
  it('skips a null message, runs the valid one beside it, and keeps polling', async () => {
    const sqs = new SqsModel(30);
    const id = sqs.add({ body: SECRET });
    let answered = false;
    sqs.onCommand('ReceiveMessageCommand', (_call, queue) => {
      if (answered) return undefined;
      answered = true;
      return { Messages: [null, ...queue.take(10, 30_000)] };
    });
    const ran: string[] = [];
    const { consumer, lines } = started(sqs, (record) => void ran.push(record.messageId));

    await vi.advanceTimersByTimeAsync(3000);

    expect(ran).toEqual([id]);
    expect(sqs.deletions.map((deletion) => deletion.id)).toEqual([id]);
    expect(sqs.count('ReceiveMessageCommand')).toBeGreaterThanOrEqual(3);
    expect(consumer.status().state).toBe('running');
    const skipped = lines.find((line) => line.message.startsWith('SQS answered a malformed message'));
    expect(skipped?.attributes).toMatchObject({ index: 0, problem: 'the message is null' });
    expect(everything(lines)).not.toContain(SECRET);
    void consumer.stop();
  });

  it('retries after an answer whose Messages is not an array, and runs what comes next', async () => {
    const sqs = new SqsModel(30);
    sqs.add({ body: 'next' });
    let garbage = 2;
    sqs.onCommand('ReceiveMessageCommand', () => (garbage-- > 0 ? { Messages: {} } : undefined));
    let done = 0;
    const { consumer, messages } = started(sqs, () => void done++);

    await vi.advanceTimersByTimeAsync(3000);

    expect(done).toBe(1);
    expect(messages().filter((message) => message === 'Could not receive from the queue; retrying')).toHaveLength(2);
    expect(consumer.status().state).toBe('running');
    void consumer.stop();
  });

  it('skips a message whose attribute entry is null, without running or deleting it; the one beside it runs', async () => {
    const sqs = new SqsModel(30);
    const bad = sqs.add({ body: SECRET, messageAttributes: { tenant: null } });
    const good = sqs.add({ body: 'good', messageAttributes: { tenant: { DataType: 'String', StringValue: 't-1' } } });
    const ran: string[] = [];
    const { consumer, lines } = started(sqs, (record) => void ran.push(record.messageId));

    await vi.advanceTimersByTimeAsync(2000);

    expect(ran).toEqual([good]);
    expect(sqs.deletions.map((deletion) => deletion.id)).toEqual([good]);
    expect(sqs.messages.get(bad)?.deleted).toBe(false);
    const skipped = lines.find((line) => line.message.startsWith('SQS answered a malformed message'));
    expect(skipped?.attributes).toMatchObject({
      messageId: bad,
      problem: '`MessageAttributes.tenant` is not an attribute',
    });
    expect(everything(lines)).not.toContain(SECRET);
    expect(consumer.status()).toMatchObject({ state: 'running', received: 1 });
    void consumer.stop();
  });

  it('pauses after an answer that comes at once with nothing to run, so a misbehaving queue is not polled in a tight loop', async () => {
    const sqs = new SqsModel(30);
    let left = 50;
    // Answers at once, with only a malformed message, although the consumer long-polls.
    sqs.onCommand('ReceiveMessageCommand', () => (left-- > 0 ? { Messages: [{ Body: SECRET }] } : never()));
    const { consumer, lines } = started(sqs, () => {}, { waitTimeSeconds: 20 });

    await vi.advanceTimersByTimeAsync(0);
    expect(sqs.count('ReceiveMessageCommand')).toBe(1);
    await vi.advanceTimersByTimeAsync(3100);

    expect(sqs.count('ReceiveMessageCommand')).toBe(4);
    expect(everything(lines)).not.toContain(SECRET);
    void consumer.stop();
  });

  it('releases what an answer holds beyond what was asked for, so concurrency holds', async () => {
    const sqs = new SqsModel(30);
    for (let i = 0; i < 5; i++) sqs.add({ body: `m-${i}` });
    let first = true;
    sqs.onCommand('ReceiveMessageCommand', (_call, queue) => {
      if (!first) return undefined;
      first = false;
      return { Messages: queue.take(5, 30_000) };
    });
    let running = 0;
    let most = 0;
    const { consumer, messages } = started(
      sqs,
      async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 50));
        running--;
      },
      { concurrency: 2 },
    );

    await vi.advanceTimersByTimeAsync(3000);

    expect(most).toBe(2);
    expect(messages()).toContain('SQS answered more messages than asked for; the extra ones are released');
    expect(sqs.remaining).toEqual([]);
    void consumer.stop();
  });

  it('says so when it cannot go on: start() rejects, and status() tells why', async () => {
    vi.resetModules();
    vi.doMock('../../src/consumer/records.js', () => ({
      readReceiveAnswer: () => ({
        records: [],
        get skipped(): never {
          throw new Error('an unexpected failure after a receive');
        },
      }),
    }));
    try {
      const fresh = await import('../../src/consumer/index.js');
      const sqs = new SqsModel(30);
      const consumer = fresh.createConsumer(() => {}, { queueUrl, client: sqs, waitTimeSeconds: 1, logger: false });
      const settled = settleTime(consumer.start());

      await vi.advanceTimersByTimeAsync(2000);

      expect(settled.ok).toBe(false);
      expect(settled.error).toMatchObject({ message: 'an unexpected failure after a receive' });
      expect(consumer.status()).toMatchObject({ state: 'stopped', error: settled.error });
    } finally {
      vi.doUnmock('../../src/consumer/records.js');
      vi.resetModules();
    }
  });
});

describe('a message without a body (item 4)', () => {
  it.each([
    ['retry', {}],
    ['drop', { onPermanentFailure: 'drop' as const }],
  ])('reports it invalid and never deletes it (policy: %s)', async (_policy, options) => {
    const sqs = new SqsModel(30);
    const missing = sqs.add({});
    const numeric = sqs.add({ body: 42 });
    const ran: unknown[] = [];
    const { consumer, lines } = started(sqs, (record) => void ran.push(record.body), options);

    await vi.advanceTimersByTimeAsync(2000);

    expect(ran).toEqual([]);
    expect(sqs.deletions).toEqual([]);
    expect(sqs.messages.get(missing)?.deleted).toBe(false);
    expect(sqs.messages.get(numeric)?.deleted).toBe(false);
    expect(consumer.status()).toMatchObject({ received: 2, failed: 2, succeeded: 0 });
    const invalid = lines.filter(
      (line) => line.attributes.error instanceof Error && /body to be a string/.test(line.attributes.error.message),
    );
    expect(invalid.map((line) => line.attributes.messageId).sort()).toEqual([missing, numeric].sort());
    void consumer.stop();
  });
});
