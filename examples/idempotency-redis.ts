/**
 * Idempotency on Redis (or Valkey, ElastiCache, MemoryDB), with ioredis.
 * A node-redis client works the same way:
 *
 *   import { createClient } from 'redis';
 *   const client = await createClient({ url: process.env.REDIS_URL }).connect();
 *
 * One batch costs two round trips on the happy path: one script call for
 * every claim, one for every completion.
 */
import { Redis } from 'ioredis';
import { createBatchHandler } from 'sqs-partial-batch';
import { RedisIdempotencyStore } from 'sqs-partial-batch/redis';
import { z } from 'zod';

const Order = z.object({ orderId: z.string(), amountCents: z.number().int().positive() });

// Created once per execution environment and reused; fail fast instead of queueing
// commands forever when Redis is down (the batch then fails closed and is retried).
const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const store = new RedisIdempotencyStore({ client, keyPrefix: 'orders:idempotency:' });

export const handler = createBatchHandler(
  async (record) => {
    console.log(`charging ${record.body.amountCents} for ${record.body.orderId}`);
  },
  {
    schema: Order,
    concurrency: 8,
    idempotency: { store, key: (record) => `charge:${record.body.orderId}`, timeoutMs: 2000 },
  },
);
