// Redis for the test suite: where it is, whether it answers, and hygiene:
// every key a test run writes carries the run's tag, and the run's global
// teardown deletes them all. Runner-agnostic (no vitest import), so the
// packed-package example runner uses it too.
import { randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when something accepts TCP connections at the Redis URL. */
export function redisReachable(url = REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The environment variable that carries the run's tag to test workers and child processes. */
export const RUN_TAG_VARIABLE = 'SQS_PARTIAL_BATCH_TEST_RUN';

/** A fresh tag for one test run. */
export function newRunTag(): string {
  return `sqs-partial-batch-test-${randomUUID().slice(0, 18)}`;
}

/** The current run's tag; throws when the run has none (a test started outside `vitest run` or the pack scripts). */
export function runTag(): string {
  const tag = process.env[RUN_TAG_VARIABLE];
  if (!tag) {
    throw new Error(
      `${RUN_TAG_VARIABLE} is not set: Redis tests need the run's tag, which vitest's global setup (test/setup/redis.ts) provides`,
    );
  }
  return tag;
}

/**
 * A key prefix for one Redis store in this run: the run's tag, what it is
 * for, and a random id, so tests never share keys and the run's teardown
 * finds every key. Use it for every `RedisIdempotencyStore` in a test.
 */
export function redisKeyPrefix(purpose: string): string {
  return `${runTag()}:${purpose}:${randomUUID()}:`;
}

/**
 * Deletes every key whose name contains `tag`, then scans again.
 * @returns How many keys were deleted, and the names of any that remain.
 */
export async function deleteRunKeys(url: string, tag: string): Promise<{ deleted: number; remaining: string[] }> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await client.connect();
  try {
    const pattern = `*${tag}*`;
    let deleted = 0;
    for (const keys of await scanAll(client, pattern)) deleted += await client.unlink(...keys);
    const remaining = (await scanAll(client, pattern)).flat();
    return { deleted, remaining };
  } finally {
    client.disconnect();
  }
}

async function scanAll(client: Redis, pattern: string): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) pages.push(keys);
    cursor = next;
  } while (cursor !== '0');
  return pages;
}
