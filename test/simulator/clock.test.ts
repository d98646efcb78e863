import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../src/index.js';
import { QueueSimulator, type SimulatedMessage, sqsRecord, VirtualClock } from '../../src/testing/index.js';

describe('VirtualClock', () => {
  it('fires timers in time order, then in the order they were set, only when advanced', () => {
    const clock = new VirtualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    clock.setTimeout(() => fired.push('c'), 20);
    const cancelled = clock.setTimeout(() => fired.push('never'), 15);
    clock.setTimeout(() => fired.push('now'), Number.NaN);
    clock.clearTimeout(cancelled);
    clock.clearTimeout(cancelled);

    expect(clock.nextAt()).toBe(1000);
    clock.advanceTo(1015);
    expect(fired).toEqual(['now', 'a']);
    clock.advanceTo(1020);
    expect(fired).toEqual(['now', 'a', 'b', 'c']);
    expect(clock.now()).toBe(1020);
    expect(clock.nextAt()).toBeUndefined();
  });

  it('sleeps on simulated time, and a signal ends a sleep early or at once', async () => {
    const clock = new VirtualClock(0);
    const controller = new AbortController();
    const woke: number[] = [];

    const short = clock.sleep(50).then(() => woke.push(clock.now()));
    const forever = clock.sleep(Number.POSITIVE_INFINITY, { signal: controller.signal });
    clock.advanceTo(50);
    await short;
    controller.abort(new Error('stop'));

    expect(woke).toEqual([50]);
    await expect(forever).rejects.toThrow('stop');
    await expect(clock.sleep(10, { signal: controller.signal })).rejects.toThrow('stop');
  });

  it('drops the timers of an invocation once it is frozen', () => {
    const clock = new VirtualClock(0);
    const owner = { alive: true, sleeping: 0 };
    const fired: string[] = [];
    clock.owner.run(owner, () => clock.setTimeout(() => fired.push('owned'), 10));
    clock.setTimeout(() => fired.push('free'), 10);
    owner.alive = false;

    clock.advanceTo(10);

    expect(fired).toEqual(['free']);
  });
});

describe('QueueSimulator edge cases', () => {
  it('counts a handler that throws synchronously as an error', async () => {
    const sim = new QueueSimulator({ maxReceiveCount: 1 });
    sim.send('x');

    const result = await sim.run(() => {
      throw new Error('sync');
    });

    expect(result.results.error).toBe(1);
    expect(result.dlqMoves).toBe(1);
  });

  it('ignores a delete with a stale receipt handle, as SQS may', () => {
    const sim = new QueueSimulator({ visibilityTimeoutSeconds: 1, functionTimeoutSeconds: 1 });
    sim.send('slow');
    const [first] = sim.queue.receive(1) as [SimulatedMessage];
    const stale = first.receiptHandle as string;
    sim.clock.advanceTo(sim.clock.now() + 1000);
    sim.queue.expireVisibility(first, stale); // its visibility timeout ran out
    const [again] = sim.queue.receive(1) as [SimulatedMessage];

    expect(again).toBe(first);
    expect(sim.queue.delete(first, stale)).toBe(false); // the earlier receive's handle no longer deletes
    expect(sim.queue.delete(first, first.receiptHandle as string)).toBe(true);
  });

  it('FIFO: records held back behind a poison message count receives too, and can reach the DLQ with it', async () => {
    const sim = new QueueSimulator({
      fifo: true,
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 5,
      functionTimeoutSeconds: 5,
      queueName: 'ledger.fifo',
    });
    const poison = sim.send('poison', { groupId: 'g' });
    const after = sim.send('after', { groupId: 'g' });
    const seen: string[] = [];

    const result = await sim.run(
      createBatchHandler(
        (record) => {
          seen.push(record.body);
          if (record.body === 'poison') throw new Error('never');
        },
        { throwOnFullBatchFailure: false },
      ),
    );

    expect(result.deadLettered).toEqual([poison, after]);
    expect(seen).toEqual(['poison', 'poison']); // 'after' was reported, never run, in both deliveries
    expect(sim.queue.arn).toMatch(/:ledger\.fifo$/);
  });

  it('reports progress every `progressEvery` invocations', async () => {
    const sim = new QueueSimulator({ batchSize: 1, maxConcurrency: 1 });
    for (let i = 0; i < 9; i++) sim.send(`m${i}`);
    const seen: number[] = [];

    await sim.run(async () => {}, { progressEvery: 3, onProgress: (r) => seen.push(r.invocations) });

    expect(seen).toEqual([3, 6, 9]);
  });

  it('reports progress once more at the end when the last report missed something', async () => {
    const sim = new QueueSimulator({ batchSize: 1, maxConcurrency: 1, maxReceiveCount: 1 });
    for (let i = 0; i < 4; i++) sim.send(`m${i}`);
    const seen: string[] = [];

    await sim.run(
      async (event) => {
        if (event.Records[0]?.body === 'm3') throw new Error('poison');
      },
      { progressEvery: 2, onProgress: (r) => seen.push(`${r.invocations}/${r.deletions}/${r.dlqMoves}`) },
    );

    // m3 fails on its only delivery; it moves to the DLQ on the next receive, after the last invocation.
    expect(seen).toEqual(['2/2/0', '4/3/0', '4/3/1']);
  });

  it('builds records that fit the builders shape', () => {
    const sim = new QueueSimulator({ fifo: true });
    sim.send('x', { groupId: 'g' });
    const [message] = sim.queue.receive(1);
    const record = sim.queue.toRecord(message as never);

    expect(Object.keys(record).sort()).toEqual(Object.keys(sqsRecord('x')).sort());
    expect(record.attributes.MessageGroupId).toBe('g');
  });
});
