import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createConsumer, VisibilityLostError } from '../../src/consumer/index.js';
import { MemoryIdempotencyStore, type ProcessRecord } from '../../src/index.js';
import { queueName as name, runUntil, sleep, until } from '../helpers/consumer.js';
import { deferred } from '../helpers/events.js';
import { FaultyClient } from '../helpers/faultyClient.js';
import { type LocalSqs, startLocalSqs } from '../helpers/fauxqs.js';

const Job = z.object({ id: z.string(), group: z.string().optional(), failFirst: z.boolean().optional() });

let local: LocalSqs;
beforeAll(async () => {
  local = await startLocalSqs();
});
afterAll(async () => {
  await local?.stop();
});

/** A queue with a redrive policy to its own dead-letter queue. */
async function queueWithDlq(fifo: boolean, maxReceiveCount = 2, visibility = '1') {
  const fifoAttributes: Record<string, string> = fifo ? { FifoQueue: 'true' } : {};
  const dlq = await local.createQueue(name('dlq', fifo), fifoAttributes);
  const queue = await local.createQueue(name('jobs', fifo), {
    ...fifoAttributes,
    VisibilityTimeout: visibility,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
  });
  return { queue, dlq };
}

describe.each([
  { kind: 'standard', fifo: false },
  { kind: 'FIFO', fifo: true },
])('consumer end to end on a $kind queue (fauxqs)', ({ fifo }) => {
  it('runs 2,000 messages (5% invalid, 5% failing once): each valid one done exactly once, invalid ones in the DLQ, nothing lost', async () => {
    const { queue, dlq } = await queueWithDlq(fifo);
    const total = 2000;
    const entries = Array.from({ length: total }, (_, i) => {
      const group = `g-${i % 37}`;
      const body =
        i % 20 === 7
          ? JSON.stringify({ invalid: `i-${i}` })
          : JSON.stringify({ id: `m-${i}`, group, ...(i % 20 === 13 ? { failFirst: true } : {}) });
      return fifo
        ? { MessageBody: body, MessageGroupId: group, MessageDeduplicationId: `d-${i}` }
        : { MessageBody: body };
    });
    await local.send(queue.url, entries);
    const valid = entries.length - entries.filter((e) => e.MessageBody.includes('invalid')).length;
    const work = new Map<string, number>();
    const order = new Map<string, number[]>();
    let running = 0;
    let peak = 0;
    const busyGroups = new Set<string>();

    const consumer = createConsumer(
      async (record) => {
        running++;
        peak = Math.max(peak, running);
        expect(running).toBeLessThanOrEqual(25);
        const { id, group = '', failFirst } = record.body;
        if (fifo) {
          expect(busyGroups.has(group)).toBe(false);
          busyGroups.add(group);
        }
        try {
          await sleep(1);
          if (failFirst && record.receiveCount === 1) throw new Error('fails on first delivery');
          work.set(id, (work.get(id) ?? 0) + 1);
          order.set(group, [...(order.get(group) ?? []), Number(id.slice(2))]);
        } finally {
          busyGroups.delete(group);
          running--;
        }
      },
      {
        queueUrl: queue.url,
        client: local.sqs,
        schema: Job,
        concurrency: 25,
        waitTimeSeconds: 1,
        logger: false,
        idempotency: { store: new MemoryIdempotencyStore(), key: (record) => record.body.id },
        // Failed records come back at once (through the consumer's own client), so the run takes seconds.
        backoff: { baseSeconds: 0, jitter: 'none' },
      },
    );

    await runUntil(
      consumer,
      async () => work.size === valid && (await local.remaining(dlq.url)) === total - valid,
      40_000,
    );

    expect([...work.values()].every((count) => count === 1)).toBe(true);
    expect(work.size).toBe(valid);
    expect(await local.counts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
    expect(await local.remaining(dlq.url)).toBe(total - valid);
    expect(peak).toBeGreaterThan(1);
    if (fifo) {
      for (const ids of order.values()) expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    const status = consumer.status();
    expect(status).toMatchObject({ state: 'stopped', inFlight: 0, running: 0, succeeded: valid });
    expect(status.received).toBe(status.succeeded + status.failed + status.released);
  }, 60_000);
});

describe('consumer end to end (fauxqs)', () => {
  it('never runs more records than `concurrency`, fills every slot (several receives in flight), and holds one receive ahead', async () => {
    const queue = await local.createQueue(name('cap'), { VisibilityTimeout: '5' });
    await local.send(
      queue.url,
      Array.from({ length: 120 }, (_, i) => ({ MessageBody: `r-${i}` })),
    );
    const limit = 7;
    const gate = deferred();
    let running = 0;
    let done = 0;
    const consumer = createConsumer(
      async () => {
        running++;
        expect(running).toBeLessThanOrEqual(limit);
        await gate.promise;
        await sleep(Math.random() * 3);
        running--;
        done++;
      },
      { queueUrl: queue.url, client: local.sqs, concurrency: limit, batchSize: 3, waitTimeSeconds: 1, logger: false },
    );

    const started = consumer.start();
    await until(() => running === limit, 10_000, 'every slot to be taken');
    await sleep(200); // receives that would break the cap would have returned by now
    expect(running).toBe(limit);
    // Every slot runs, and one receive ahead (prefetch: the batch size) waits for them.
    expect(consumer.status()).toMatchObject({ inFlight: limit + 3, running: limit });
    gate.resolve();
    await until(() => done === 120, 20_000, 'every record');
    await consumer.stop();
    await started;

    expect(consumer.status()).toMatchObject({ received: 120, succeeded: 120, inFlight: 0 });
  });

  it('keeps a record running three times its visibility timeout from a second consumer on the same queue', async () => {
    const queue = await local.createQueue(name('long'), { VisibilityTimeout: '1' });
    await local.send(queue.url, [{ MessageBody: 'long' }]);
    const client = new FaultyClient(local.sqs);
    const runs: string[] = [];
    const first = createConsumer(
      async (record) => {
        runs.push(`first:${record.messageId}`);
        await sleep(3000);
      },
      { queueUrl: queue.url, client, waitTimeSeconds: 1, logger: false },
    );
    const second = createConsumer(
      async (record) => {
        runs.push(`second:${record.messageId}`);
      },
      { queueUrl: queue.url, client: local.sqs, waitTimeSeconds: 1, logger: false },
    );

    const startedFirst = first.start();
    await until(() => runs.length === 1, 5000, 'the first consumer to take the message');
    const startedSecond = second.start();
    await until(() => first.status().succeeded === 1, 6000, 'the long record');
    await sleep(300);
    await Promise.all([first.stop(), second.stop()]);
    await Promise.all([startedFirst, startedSecond]);

    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^first:/);
    expect(client.count('ChangeMessageVisibilityBatchCommand')).toBeGreaterThanOrEqual(3);
    expect(second.status().received).toBe(0);
    expect(await local.remaining(queue.url)).toBe(0);
  });

  it('aborts the signal of a record whose visibility can no longer be extended', async () => {
    const queue = await local.createQueue(name('lost'), { VisibilityTimeout: '1' });
    await local.send(queue.url, [{ MessageBody: 'stolen' }]);
    let reason: unknown;
    const consumer = createConsumer(
      async (record, { signal }) => {
        // Someone else deletes the message under the running record: the next extension is refused.
        await local.sqs.send(
          new (await import('@aws-sdk/client-sqs')).DeleteMessageCommand({
            QueueUrl: queue.url,
            ReceiptHandle: record.raw.receiptHandle,
          }),
        );
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        reason = signal.reason;
        throw signal.reason;
      },
      { queueUrl: queue.url, client: local.sqs, waitTimeSeconds: 1, logger: false },
    );

    await runUntil(consumer, () => reason !== undefined, 5000);

    expect(reason).toBeInstanceOf(VisibilityLostError);
    expect(consumer.status()).toMatchObject({ failed: 1, succeeded: 0 });
  });

  it('keeps FIFO order per group across receives, one record of a group at a time', async () => {
    const queue = await local.createQueue(name('order', true), { FifoQueue: 'true', VisibilityTimeout: '1' });
    const groups = 12;
    const perGroup = 15;
    const entries = [];
    for (let n = 0; n < perGroup; n++) {
      for (let g = 0; g < groups; g++) {
        entries.push({
          MessageBody: JSON.stringify({ id: `${g}-${n}`, group: `g${g}`, failFirst: n === 5 && g % 3 === 0 }),
          MessageGroupId: `g${g}`,
          MessageDeduplicationId: `${g}-${n}`,
        });
      }
    }
    await local.send(queue.url, entries);
    const seen = new Map<string, number[]>();
    const busy = new Set<string>();
    let done = 0;
    const consumer = createConsumer(
      async (record) => {
        const { id, group = '', failFirst } = record.body;
        expect(busy.has(group)).toBe(false);
        busy.add(group);
        try {
          await sleep(Math.random() * 4);
          if (failFirst && record.receiveCount === 1) throw new Error('once');
          seen.set(group, [...(seen.get(group) ?? []), Number(id.split('-')[1])]);
          done++;
        } finally {
          busy.delete(group);
        }
      },
      {
        queueUrl: queue.url,
        client: local.sqs,
        schema: Job,
        concurrency: 8,
        batchSize: 4,
        waitTimeSeconds: 1,
        fifoFailure: 'stop-group',
        logger: false,
      },
    );

    await runUntil(consumer, () => done === groups * perGroup, 30_000);

    expect(seen.size).toBe(groups);
    for (const ids of seen.values()) expect(ids).toEqual(Array.from({ length: perGroup }, (_, n) => n));
    expect(consumer.status().received).toBeGreaterThan((groups * perGroup) / 4);
  });

  it('stops under load: every message is done or visible again, none done twice, receives in flight released', async () => {
    const queue = await local.createQueue(name('stop'), { VisibilityTimeout: '30' });
    const total = 600;
    await local.send(
      queue.url,
      Array.from({ length: total }, (_, i) => ({ MessageBody: `s-${i}` })),
    );
    const done = new Map<string, number>();
    const consumer = createConsumer(
      async (record) => {
        await sleep(15);
        done.set(record.body, (done.get(record.body) ?? 0) + 1);
      },
      { queueUrl: queue.url, client: local.sqs, concurrency: 40, waitTimeSeconds: 1, logger: false },
    );

    const started = consumer.start();
    await until(() => done.size >= 150, 10_000, 'some work');
    await consumer.stop();
    await started;

    const { visible, inFlight } = await local.counts(queue.url);
    expect(inFlight).toBe(0);
    expect(done.size + visible).toBe(total);
    expect([...done.values()].every((count) => count === 1)).toBe(true);
    const status = consumer.status();
    expect(status.state).toBe('stopped');
    expect(status.received).toBe(status.succeeded + status.released);
  });

  it('releases what a long poll in flight at stop returns', async () => {
    const queue = await local.createQueue(name('poll'), { VisibilityTimeout: '30' });
    const ran: string[] = [];
    const consumer = createConsumer(async (record) => void ran.push(record.body), {
      queueUrl: queue.url,
      client: local.sqs,
      waitTimeSeconds: 2,
      shutdownTimeoutMs: 20, // passes with nothing running: the drain still waits for the receive
      logger: false,
    });

    const started = consumer.start();
    await until(() => consumer.status().state === 'running', 5000, 'the consumer to poll');
    await sleep(100);
    const stopped = consumer.stop();
    await local.send(queue.url, [{ MessageBody: 'late-1' }, { MessageBody: 'late-2' }]);
    await stopped;
    await started;

    expect(ran).toEqual([]);
    expect(await local.counts(queue.url)).toEqual({ visible: 2, inFlight: 0 });
    expect(consumer.status()).toMatchObject({ received: 2, released: 2 });
  });

  it('recovers from the emulator going away mid-run and loses nothing (exactly once with idempotency)', async () => {
    const queue = await local.createQueue(name('outage'), { VisibilityTimeout: '2' });
    const total = 800;
    await local.send(
      queue.url,
      Array.from({ length: total }, (_, i) => ({ MessageBody: `o-${i}` })),
    );
    const work = new Map<string, number>();
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (message: string) => void warnings.push(message),
      error: (message: string) => void warnings.push(message),
    };
    const processRecord: ProcessRecord<string> = async (record) => {
      await sleep(5);
      work.set(record.body, (work.get(record.body) ?? 0) + 1);
    };
    const consumer = createConsumer(processRecord, {
      queueUrl: queue.url,
      client: local.sqs,
      concurrency: 20,
      waitTimeSeconds: 1,
      logger,
      idempotency: { store: new MemoryIdempotencyStore() },
    });

    const started = consumer.start();
    await until(() => work.size >= 200, 10_000, 'some work before the outage');
    const restore = await local.outage();
    await sleep(1500);
    await restore();
    await until(() => work.size === total, 30_000, 'every message after the outage');
    await until(async () => (await local.remaining(queue.url)) === 0, 10_000, 'the queue to drain');
    await consumer.stop();
    await started;

    expect([...work.values()].every((count) => count === 1)).toBe(true);
    expect(warnings).toContain('Could not receive from the queue; retrying');
    expect(consumer.status().lastReceiveAt?.getTime()).toBeGreaterThan(Date.now() - 5000);
  }, 60_000);

  it('rejects start() with a clear error naming a queue that does not exist', async () => {
    const url = `${local.endpoint}/000000000000/${name('missing')}`;
    const consumer = createConsumer(() => {}, { queueUrl: url, client: local.sqs, logger: false });

    await expect(consumer.start()).rejects.toMatchObject({
      name: 'ConsumerQueueError',
      queueUrl: url,
      message: expect.stringContaining(url),
    });
    expect(consumer.status().state).toBe('stopped');
  });
});
