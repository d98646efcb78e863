import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Consumer, type ConsumerOptions, createConsumer, VisibilityLostError } from '../../src/consumer/index.js';
import { type BatchRecord, InvalidOptionsError, type RecordContext } from '../../src/index.js';
import { SqsModel } from '../helpers/sqsModel.js';

// Issue #21: the consumer receives one batch ahead while every slot is busy (`prefetch`), so the next
// records start as soon as slots free, without waiting for a receive's round trip. On fake timers.

const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

interface Probe {
  readonly consumer: Consumer;
  /** Message ids in the order their function started, with when. */
  readonly starts: Array<{ id: string; at: number }>;
  /** The most records that ran at once. */
  most(): number;
  readonly errors: Map<string, unknown>;
}

/** A consumer whose records each take `durationMs(body)` of fake time. */
function probe(
  sqs: SqsModel,
  durationMs: (body: string) => number,
  options: Partial<ConsumerOptions> = {},
  onStart?: (record: BatchRecord<string>, ctx: RecordContext) => void,
): Probe {
  const starts: Array<{ id: string; at: number }> = [];
  const errors = new Map<string, unknown>();
  let running = 0;
  let most = 0;
  const consumer = createConsumer(
    async (record, ctx) => {
      starts.push({ id: record.body, at: Date.now() });
      most = Math.max(most, ++running);
      onStart?.(record, ctx);
      try {
        await new Promise((resolve) => setTimeout(resolve, durationMs(record.body)));
      } finally {
        running--;
      }
    },
    { queueUrl, client: sqs, waitTimeSeconds: 1, logger: false, ...options },
  );
  void consumer.start().catch((error: unknown) => errors.set('start', error));
  return { consumer, starts, errors, most: () => most };
}

/** Stops the consumer, moving fake time on until it has. */
async function stopped(consumer: Consumer): Promise<void> {
  const stopping = consumer.stop();
  await vi.advanceTimersByTimeAsync(10_000);
  await stopping;
}

/** Receives sent so far, with the time each went out. */
function receives(sqs: SqsModel): number[] {
  return sqs.calls.filter((call) => call.name === 'ReceiveMessageCommand').map((call) => call.at);
}

beforeEach(async () => {
  await (await import('sqs-partial-batch/sqs')).loadSqsSdk();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('prefetch', () => {
  it('receives the next batch while every slot is busy, and starts it the moment the slots free', async () => {
    const sqs = new SqsModel(30);
    for (let i = 0; i < 4; i++) sqs.add({ body: `m-${i}` });
    const { consumer, starts, most } = probe(sqs, () => 100, { concurrency: 2, batchSize: 2 });

    await vi.advanceTimersByTimeAsync(50);
    // The first batch runs; the second was received ahead, and waits.
    expect(starts.map((s) => s.id)).toEqual(['m-0', 'm-1']);
    expect(receives(sqs).length).toBeGreaterThanOrEqual(2);
    expect(consumer.status()).toMatchObject({ inFlight: 4, running: 2 });

    await vi.advanceTimersByTimeAsync(100);
    // No receive between the first batch finishing and the second starting.
    expect(starts.map((s) => s.id)).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);
    const first = starts[0]?.at as number;
    expect((starts[2]?.at as number) - first).toBe(100);
    expect(most()).toBe(2);

    await vi.advanceTimersByTimeAsync(200);
    expect(sqs.deletions.map((d) => d.id).sort()).toEqual([...sqs.messages.keys()].sort());
    await stopped(consumer);
  });

  it('with prefetch 0, receives only into free slots', async () => {
    const sqs = new SqsModel(30);
    for (let i = 0; i < 4; i++) sqs.add({ body: `m-${i}` });
    const { consumer, starts } = probe(sqs, () => 100, { concurrency: 2, batchSize: 2, prefetch: 0 });

    await vi.advanceTimersByTimeAsync(50);
    expect(receives(sqs)).toHaveLength(1);
    expect(consumer.status()).toMatchObject({ inFlight: 2, running: 2 });

    await vi.advanceTimersByTimeAsync(200);
    expect(starts.map((s) => s.id)).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);
    await stopped(consumer);
  });

  it('starts a batch received ahead in whatever slots are free, so one slow record does not hold the others idle', async () => {
    const sqs = new SqsModel(30);
    // m-0 is slow; everything else is quick.
    for (let i = 0; i < 6; i++) sqs.add({ body: `m-${i}` });
    const { consumer, starts, most } = probe(sqs, (body) => (body === 'm-0' ? 5000 : 50), {
      concurrency: 2,
      batchSize: 2,
    });

    await vi.advanceTimersByTimeAsync(1000);
    // While m-0 runs, the one free slot works through the rest, one at a time.
    expect(starts.map((s) => s.id)).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4', 'm-5']);
    expect(most()).toBe(2);
    expect(consumer.status().inFlight).toBeLessThanOrEqual(4);
    await vi.advanceTimersByTimeAsync(5000);
    await stopped(consumer);
    expect(sqs.deletions).toHaveLength(6);
  });

  it('gives back the messages received ahead without running them when it stops', async () => {
    const sqs = new SqsModel(30);
    for (let i = 0; i < 4; i++) sqs.add({ body: `m-${i}` });
    const { consumer, starts } = probe(sqs, () => 500, { concurrency: 2, batchSize: 2 });

    await vi.advanceTimersByTimeAsync(50);
    expect(consumer.status().inFlight).toBe(4);
    const stopped = consumer.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;

    expect(starts.map((s) => s.id)).toEqual(['m-0', 'm-1']);
    expect(consumer.status()).toMatchObject({ state: 'stopped', inFlight: 0, succeeded: 2, released: 2 });
    const releases = sqs.calls
      .filter((call) => call.name === 'ChangeMessageVisibilityBatchCommand')
      .flatMap((call) => call.input.Entries as Array<{ ReceiptHandle: string; VisibilityTimeout: number }>);
    expect(releases.map((e) => [e.ReceiptHandle.split('#')[0], e.VisibilityTimeout])).toEqual([
      [[...sqs.messages.keys()][2], 0],
      [[...sqs.messages.keys()][3], 0],
    ]);
  });

  it('keeps a waiting message invisible, and never starts one whose visibility could not be kept', async () => {
    const sqs = new SqsModel(2);
    for (let i = 0; i < 4; i++) sqs.add({ body: `m-${i}` });
    // Every extension is refused for the third message: it is lost while it waits behind the slow first batch.
    const ids = [...sqs.messages.keys()];
    sqs.onCommand('ChangeMessageVisibilityBatchCommand', (call) => {
      const entries = call.input.Entries as Array<{ Id: string; ReceiptHandle: string }>;
      if (!entries.some((e) => e.ReceiptHandle.startsWith(`${ids[2]}#`))) return undefined;
      return sqs.answer(call).then((answer) => {
        const { Successful, Failed } = answer as { Successful: Array<{ Id: string }>; Failed: unknown[] };
        const lost = entries.find((e) => e.ReceiptHandle.startsWith(`${ids[2]}#`))?.Id;
        return {
          Successful: Successful.filter((s) => s.Id !== lost),
          Failed: [...Failed, { Id: lost, Code: 'ReceiptHandleIsInvalid', Message: 'no', SenderFault: true }],
        };
      });
    });
    const lines: Array<{ message: string; attributes: Record<string, unknown> }> = [];
    const keep = (message: string, attributes: Record<string, unknown>) => void lines.push({ message, attributes });
    const logger = { debug: keep, info: keep, warn: keep, error: keep };
    const { consumer, starts } = probe(sqs, (body) => (body === 'm-0' || body === 'm-1' ? 3000 : 10), {
      concurrency: 2,
      batchSize: 2,
      logger,
    });
    await vi.advanceTimersByTimeAsync(2500);
    // m-3 waited past its first visibility (2 s) and is still held: the heartbeat extended it.
    expect(sqs.messages.get(ids[3] as string)?.receiveCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    // m-2 lost its message while it waited: it is not started, and fails with VisibilityLostError
    // (SQS delivers it again once it is visible, and that delivery runs).
    expect(starts.map((s) => s.id).slice(0, 3)).toEqual(['m-0', 'm-1', 'm-3']);
    expect(starts.filter((s) => s.id === 'm-2').every((s) => s.at >= 3000)).toBe(true);
    const failure = lines.find((line) => line.attributes.messageId === ids[2] && line.attributes.error !== undefined);
    expect(failure?.attributes.error).toBeInstanceOf(VisibilityLostError);
    expect(consumer.status().failed).toBe(1);
    await stopped(consumer);
  });
});

describe('the prefetch option', () => {
  it.each([-1, 1.5, 1001, '2', Number.NaN])('refuses %s', (prefetch) => {
    expect(() => createConsumer(() => {}, { queueUrl, prefetch } as never)).toThrow(InvalidOptionsError);
    expect(() => createConsumer(() => {}, { queueUrl, prefetch } as never)).toThrow(/`prefetch`/);
  });
});
