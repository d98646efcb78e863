import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../src/index.js';
import { QueueSimulator } from '../../src/testing/index.js';

const ids = (event: SQSEvent) => event.Records.map((r) => r.messageId);

describe('QueueSimulator: how Lambda reads a reply', () => {
  it('deletes every record after an empty, null or missing failure list', async () => {
    for (const reply of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      const sim = new QueueSimulator({ batchSize: 3 });
      for (let i = 0; i < 3; i++) sim.send(`m${i}`);

      const result = await sim.run(async () => reply as SQSBatchResponse);

      expect(result.deletions).toBe(3);
      expect(result.invocations).toBe(1);
      expect(result.results.replied).toBe(1);
    }
  });

  it('returns only the reported records, which come back after the visibility timeout', async () => {
    const sim = new QueueSimulator({ batchSize: 3, visibilityTimeoutSeconds: 45 });
    for (let i = 0; i < 3; i++) sim.send(`m${i}`);
    const seen: Array<{ at: number; bodies: string[]; counts: string[] }> = [];

    const result = await sim.run(async (event) => {
      seen.push({
        at: sim.clock.now(),
        bodies: event.Records.map((r) => r.body),
        counts: event.Records.map((r) => r.attributes.ApproximateReceiveCount),
      });
      return seen.length === 1 ? { batchItemFailures: [{ itemIdentifier: ids(event)[1] as string }] } : undefined;
    });

    expect(seen.map((s) => s.bodies)).toEqual([['m0', 'm1', 'm2'], ['m1']]);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBe(45_000);
    expect(seen[1]?.counts).toEqual(['2']);
    expect(result.deletions).toBe(3);
    expect([...result.receiveCounts.values()].sort()).toEqual([1, 1, 2]);
  });

  it.each([
    ['an empty identifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] }) as SQSBatchResponse],
    ['a null identifier', () => ({ batchItemFailures: [{ itemIdentifier: null }] }) as unknown as SQSBatchResponse],
    ['an identifier not in the batch', () => ({ batchItemFailures: [{ itemIdentifier: 'nope' }] })],
    ['a malformed failure list', () => ({ batchItemFailures: 'all' }) as unknown as SQSBatchResponse],
  ])('returns the whole batch for %s', async (_label, reply) => {
    const sim = new QueueSimulator({ batchSize: 2, maxReceiveCount: 1 });
    sim.send('a');
    sim.send('b');

    const result = await sim.run(async () => reply());

    expect(result.results['invalid-response']).toBe(1);
    expect(result.deletions).toBe(0);
    expect(result.dlqMoves).toBe(2);
  });

  it('returns the whole batch when the handler throws', async () => {
    const sim = new QueueSimulator({ batchSize: 2, maxReceiveCount: 2 });
    sim.send('a');
    sim.send('b');
    let calls = 0;

    const result = await sim.run(async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
    });

    expect(result.results).toMatchObject({ error: 1, replied: 1 });
    expect(result.deletions).toBe(2);
    expect(result.deliveries).toBe(4);
  });

  it('counts a handler still running at the function timeout as a timeout, even if it replies later', async () => {
    const sim = new QueueSimulator({ functionTimeoutSeconds: 5, maxReceiveCount: 1 });
    sim.send('slow');
    let finishedAfterTimeout = false;

    const result = await sim.run(async () => {
      await sim.clock.sleep(6000);
      finishedAfterTimeout = true;
    });

    expect(result.results.timeout).toBe(1);
    expect(result.deletions).toBe(0);
    expect(result.dlqMoves).toBe(1);
    expect(finishedAfterTimeout).toBe(false); // Lambda froze it: its timers never fire
  });

  it('moves a message to the DLQ on the receive after maxReceiveCount deliveries', async () => {
    const sim = new QueueSimulator({ maxReceiveCount: 3, visibilityTimeoutSeconds: 10, functionTimeoutSeconds: 10 });
    const poison = sim.send('poison');
    sim.send('fine');

    const result = await sim.run(
      createBatchHandler((record) => {
        if (record.body === 'poison') throw new Error('never works');
      }),
    );

    expect(result.deadLettered).toEqual([poison]);
    expect(result.receiveCounts.get(poison)).toBe(3);
    expect(result.deletions).toBe(1);
    expect(result.simulatedMs).toBe(30_000);
  });
});

describe('QueueSimulator: the event source mapping', () => {
  it('keeps at most maxConcurrency invocations running and fills batches up to batchSize', async () => {
    const sim = new QueueSimulator({ maxConcurrency: 3, batchSize: 4 });
    for (let i = 0; i < 40; i++) sim.send(`m${i}`);
    let running = 0;
    let maxRunning = 0;
    const sizes: number[] = [];

    const result = await sim.run(async (event) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      sizes.push(event.Records.length);
      await sim.clock.sleep(100);
      running--;
    });

    expect(maxRunning).toBe(3);
    expect(sizes.every((n) => n === 4)).toBe(true);
    expect(result.invocations).toBe(10);
    expect(result.simulatedMs).toBe(400); // 10 batches, 3 at a time, 100 ms each
  });

  it('waits up to the batching window for a full batch', async () => {
    const sim = new QueueSimulator({ batchSize: 10, batchWindowSeconds: 2, maxConcurrency: 1 });
    sim.send('alone');
    const starts: number[] = [];

    const result = await sim.run(async () => {
      starts.push(sim.clock.now());
    });

    expect(result.invocations).toBe(1);
    expect((starts[0] ?? 0) - (result.batches[0]?.startedAt ?? 0)).toBe(0);
    expect(result.simulatedMs).toBe(2000);
  });

  it('FIFO: delivers no record of a group while one of its records is in flight, and keeps group order', async () => {
    const sim = new QueueSimulator({
      fifo: true,
      batchSize: 3,
      maxConcurrency: 4,
      visibilityTimeoutSeconds: 5,
      functionTimeoutSeconds: 5,
    });
    for (let i = 0; i < 12; i++) sim.send({ group: `g${i % 3}`, n: i }, { groupId: `g${i % 3}` });
    const inFlight = new Set<string>();
    const order = new Map<string, number[]>();

    await sim.run(async (event) => {
      const groups = new Set(event.Records.map((r) => r.attributes.MessageGroupId as string));
      for (const group of groups) {
        expect(inFlight.has(group)).toBe(false);
        inFlight.add(group);
      }
      for (const record of event.Records) {
        const { group, n } = JSON.parse(record.body) as { group: string; n: number };
        order.set(group, [...(order.get(group) ?? []), n]);
      }
      await sim.clock.sleep(50);
      for (const group of groups) inFlight.delete(group);
    });

    expect(Object.fromEntries(order)).toEqual({ g0: [0, 3, 6, 9], g1: [1, 4, 7, 10], g2: [2, 5, 8, 11] });
    expect(sim.queue.arn.endsWith('.fifo')).toBe(true);
  });

  it('FIFO: requires a group id', () => {
    expect(() => new QueueSimulator({ fifo: true }).send('x')).toThrow('needs a group id');
  });

  it('delivers duplicates at the configured rate, some to concurrent invocations', async () => {
    const sim = new QueueSimulator({ seed: 5, duplicateRate: 0.2, maxConcurrency: 5, batchSize: 5 });
    for (let i = 0; i < 500; i++) sim.send(`m${i}`);
    const runningIds = new Set<string>();
    let concurrentCopies = 0;

    const result = await sim.run(async (event) => {
      for (const id of ids(event)) {
        if (runningIds.has(id)) concurrentCopies++;
        runningIds.add(id);
      }
      await sim.clock.sleep(10 + (Number(event.Records[0]?.body.slice(1)) % 7) * 15); // uneven, so invocations overlap
      for (const id of ids(event)) runningIds.delete(id);
    });

    expect(result.duplicatesDelivered).toBeGreaterThan(60);
    expect(result.duplicatesDelivered).toBeLessThan(140);
    expect(result.deliveries).toBe(500 + result.duplicatesDelivered);
    expect(concurrentCopies).toBeGreaterThan(0);
    expect(result.undelivered).toEqual([]);
  });

  it('crashes invocations at the configured rate: the reply is lost and the batch comes back', async () => {
    const sim = new QueueSimulator({ seed: 2, crashRate: 0.3, batchSize: 2 });
    for (let i = 0; i < 100; i++) sim.send(`m${i}`);

    const result = await sim.run(async () => {
      await sim.clock.sleep(30_000 - 1);
    });

    expect(result.results.crash).toBeGreaterThan(5);
    expect(result.deletions).toBe(100);
    expect(result.deliveries).toBeGreaterThan(100);
  });

  it('is deterministic for a seed', async () => {
    const run = async (seed: number) => {
      const sim = new QueueSimulator({
        seed,
        duplicateRate: 0.1,
        crashRate: 0.05,
        maxReceiveCount: 4,
        maxConcurrency: 4,
      });
      for (let i = 0; i < 300; i++) sim.send({ i });
      const result = await sim.run(
        createBatchHandler(
          async (record) => {
            await sim.clock.sleep(record.body.length * 3);
            if (record.body.includes('7')) throw new Error('sevens fail');
          },
          { concurrency: 2 },
        ),
      );
      return JSON.stringify(result.batches);
    };

    const [a, b, c] = await Promise.all([run(11), run(11), run(12)]);

    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('stops at maxSimulatedMs, and reports what was left', async () => {
    const sim = new QueueSimulator({ maxConcurrency: 1, batchSize: 1 });
    for (let i = 0; i < 10; i++) sim.send(`m${i}`);

    const result = await sim.run(() => sim.clock.sleep(1000), { maxSimulatedMs: 3500 });

    expect(result.deletions).toBe(3);
    expect(result.undelivered).toHaveLength(7);
  });

  it('fails clearly when a handler waits on something other than the clock', async () => {
    const sim = new QueueSimulator();
    sim.send('x');

    await expect(sim.run(() => new Promise(() => {}), { stallMs: 50 })).rejects.toThrow('sim.clock.sleep');
  });

  it('runs the library deadline on simulated time: a hung record is reported before the function times out', async () => {
    const sim = new QueueSimulator({ functionTimeoutSeconds: 10, maxReceiveCount: 5 });
    const hung = sim.send('hang');
    sim.send('quick');
    let attempts = 0;

    const result = await sim.run(
      createBatchHandler(
        async (record, { signal }) => {
          if (record.body === 'hang' && ++attempts === 1) await sim.clock.sleep(60_000, { signal });
        },
        { concurrency: 2, timeoutMarginMs: 500 },
      ),
    );

    expect(result.results.timeout).toBe(0);
    expect(result.batches[0]?.reported).toEqual([hung]);
    expect((result.batches[0]?.endedAt ?? 0) - (result.batches[0]?.startedAt ?? 0)).toBe(9500);
    expect(result.deletions).toBe(2);
  });
});
