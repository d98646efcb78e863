import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createBatchHandler,
  type FifoFailureMode,
  type IdempotencyStore,
  MemoryIdempotencyStore,
} from '../../src/index.js';
import { RedisIdempotencyStore } from '../../src/stores/redis.js';
import { QueueSimulator, type SimulationResult } from '../../src/testing/index.js';
import { REDIS_URL, skipRedis } from '../helpers/backends.js';
import { redisKeyPrefix } from '../helpers/redis.js';

const Order = z.object({ orderId: z.string(), kind: z.enum(['ok', 'poison', 'transient', 'slow']) });
type Kind = z.infer<typeof Order>['kind'];

interface SoakOptions {
  readonly messages: number;
  readonly store: IdempotencyStore | undefined;
  readonly seed?: number;
}

/**
 * The workload of the soak: orders on a standard queue with 5% duplicate
 * deliveries, 1% poison orders (always fail), 2% transient failures (fail on
 * their first delivery), and 0.1% slow orders that would run into the
 * function timeout on their first delivery, 10 invocations at a time.
 */
async function soak({ messages, store, seed = 42 }: SoakOptions) {
  const sim = new QueueSimulator({
    seed,
    duplicateRate: 0.05,
    maxConcurrency: 10,
    batchSize: 10,
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 60,
    functionTimeoutSeconds: 15,
  });
  const kinds = new Map<string, Kind>();
  for (let i = 0; i < messages; i++) {
    const roll = i % 1000;
    const kind: Kind = roll < 10 ? 'poison' : roll < 30 ? 'transient' : roll === 500 ? 'slow' : 'ok';
    const orderId = `order-${i}`;
    kinds.set(orderId, kind);
    sim.send({ orderId, kind });
  }
  const effects = new Map<string, number>();
  let cutShort = 0;
  const handler = createBatchHandler(
    async (record, { signal }) => {
      const { orderId, kind } = record.body;
      await sim.clock.sleep(2, { signal });
      if (kind === 'poison') throw new Error(`order ${orderId} can never be charged`);
      if (kind === 'transient' && record.receiveCount === 1) throw new Error('payment provider timed out');
      if (kind === 'slow' && record.receiveCount === 1) {
        try {
          await sim.clock.sleep(10 * 60_000, { signal }); // stuck far past the 15 s function timeout
        } catch (error) {
          cutShort++;
          throw error;
        }
      }
      effects.set(orderId, (effects.get(orderId) ?? 0) + 1); // the side effect: a charge
    },
    {
      schema: Order,
      throwOnFullBatchFailure: false,
      idempotency: store === undefined ? undefined : { store, key: (record) => record.body.orderId },
    },
  );
  const result = await sim.run(handler);
  const ordersById = new Map(sim.queue.messages.map((m) => [m.messageId, JSON.parse(m.body).orderId as string]));
  return { result, kinds, effects, cutShort, ordersById };
}

function summary(label: string, result: SimulationResult, extra: Record<string, number>): void {
  console.log(
    `${label}: sent ${result.sent}, deliveries ${result.deliveries} (duplicate copies ${result.duplicatesDelivered}), ` +
      `invocations ${result.invocations} (timeouts ${result.results.timeout}), deletions ${result.deletions}, ` +
      `DLQ ${result.deadLettered.length}, ${Object.entries(extra)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}; simulated ${(result.simulatedMs / 60_000).toFixed(1)} min in ${(result.realMs / 1000).toFixed(1)} s`,
  );
}

function expectExactlyOnce(run: Awaited<ReturnType<typeof soak>>): void {
  const { result, kinds, effects, ordersById } = run;
  const poison = [...kinds].filter(([, kind]) => kind === 'poison').map(([orderId]) => orderId);
  const repeated = [...effects].filter(([, n]) => n !== 1);
  const missing = [...kinds].filter(([orderId, kind]) => kind !== 'poison' && !effects.has(orderId));
  const deadLettered = result.deadLettered.map((id) => ordersById.get(id));

  expect(repeated).toEqual([]); // no order charged twice
  expect(missing).toEqual([]); // every good order charged
  expect(poison.every((orderId) => !effects.has(orderId))).toBe(true);
  expect(new Set(deadLettered)).toEqual(new Set(poison)); // every poison order, and only those, in the DLQ
  expect(result.undelivered).toEqual([]); // nothing lost
  expect(result.results.timeout).toBe(0); // the slow orders never cost a whole batch
}

describe('soak: exactly-once side effects under at-least-once delivery', () => {
  it('100,000 orders with the memory store: each good order charged once, poison in the DLQ, nothing lost', async () => {
    const run = await soak({ messages: 100_000, store: new MemoryIdempotencyStore({ maxEntries: 200_000 }) });
    summary('soak (memory store)', run.result, {
      charges: run.effects.size,
      'cut short by the deadline': run.cutShort,
    });

    expectExactlyOnce(run);
    expect(run.result.duplicatesDelivered).toBeGreaterThan(4000);
    expect(run.cutShort).toBeGreaterThan(0);
    expect(run.effects.size).toBe(99_000);
  }, 120_000);

  it('the same soak without idempotency charges orders twice, so the soak can fail', async () => {
    const run = await soak({ messages: 100_000, store: undefined });
    const twice = [...run.effects.values()].filter((n) => n > 1).length;
    summary('soak (no idempotency)', run.result, { 'orders charged more than once': twice });

    expect(twice).toBeGreaterThan(1000);
  }, 120_000);
});

describe.skipIf(await skipRedis())('soak on Redis', () => {
  it('5,000 orders with the Redis store: each good order charged once', async () => {
    const client = new Redis(REDIS_URL);
    try {
      const store = new RedisIdempotencyStore({ client, keyPrefix: redisKeyPrefix('soak') });
      const run = await soak({ messages: 5000, store, seed: 7 });
      summary('soak (Redis store)', run.result, { charges: run.effects.size });

      expectExactlyOnce(run);
    } finally {
      await client.quit();
    }
  }, 120_000);
});

describe.each<FifoFailureMode>(['stop-batch', 'stop-group'])('FIFO soak (%s)', (fifoFailure) => {
  it('keeps each group’s side effects in send order under failures and retries', async () => {
    const sim = new QueueSimulator({
      seed: 9,
      fifo: true,
      maxConcurrency: 5,
      batchSize: 10,
      visibilityTimeoutSeconds: 20,
      functionTimeoutSeconds: 20,
      maxReceiveCount: 10,
    });
    const sent = new Map<string, number[]>();
    for (let i = 0; i < 3000; i++) {
      const group = `customer-${i % 40}`;
      sim.send({ group, n: i, flaky: i % 17 === 0 }, { groupId: group });
      sent.set(group, [...(sent.get(group) ?? []), i]);
    }
    const applied = new Map<string, number[]>();
    const handler = createBatchHandler(
      async (record) => {
        const { group, n, flaky } = JSON.parse(record.body) as { group: string; n: number; flaky: boolean };
        await sim.clock.sleep(3);
        if (flaky && record.receiveCount < 3) throw new Error('flaky downstream');
        applied.set(group, [...(applied.get(group) ?? []), n]);
      },
      { fifoFailure, concurrency: 3, throwOnFullBatchFailure: false },
    );

    const result = await sim.run(handler);
    summary(`FIFO soak (${fifoFailure})`, result, { groups: sent.size });

    expect(result.undelivered).toEqual([]);
    expect(result.deadLettered).toEqual([]);
    expect(Object.fromEntries(applied)).toEqual(Object.fromEntries(sent));
  }, 60_000);
});
