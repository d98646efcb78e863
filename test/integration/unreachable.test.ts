import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { createBatchHandler, type IdempotencyStore, IdempotencyStoreError } from '../../src/index.js';
import { DynamoDBIdempotencyStore } from '../../src/stores/dynamodb.js';
import { RedisIdempotencyStore } from '../../src/stores/redis.js';
import { startDynalite } from '../helpers/backends.js';
import { failedIds, lambdaContext, sqsEvent } from '../helpers/events.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('an unreachable store fails closed and does not hang the handler', () => {
  const stores: Array<[string, () => Promise<{ store: IdempotencyStore; close: () => Promise<void> | void }>]> = [
    [
      'ioredis (default retry options)',
      async () => {
        const client = new Redis({ host: '127.0.0.1', port: await closedPort(), lazyConnect: false });
        client.on('error', () => {});
        return { store: new RedisIdempotencyStore({ client }), close: () => client.disconnect() };
      },
    ],
    [
      'node-redis (reconnecting)',
      async () => {
        const client = createClient({ socket: { host: '127.0.0.1', port: await closedPort(), reconnectStrategy: 50 } });
        client.on('error', () => {});
        void client.connect().catch(() => {});
        return {
          store: new RedisIdempotencyStore({ client }),
          close: async () => {
            client.destroy();
          },
        };
      },
    ],
    [
      'DynamoDB (connection refused)',
      async () => {
        const dynalite = await startDynalite();
        const table = await dynalite.createTable();
        await dynalite.close(); // the table's server is gone now
        const client = dynalite.client({ maxAttempts: 1 });
        return { store: new DynamoDBIdempotencyStore({ tableName: table, client }), close: () => client.destroy() };
      },
    ],
  ];

  it.each(stores)('%s', async (_name, open) => {
    const { store, close } = await open();
    let runs = 0;
    const handler = createBatchHandler(
      () => {
        runs++;
      },
      { throwOnFullBatchFailure: false, idempotency: { store, timeoutMs: 500 } },
    );
    const event = sqsEvent(['a', 'b', 'c']);
    try {
      const response = await handler(event, lambdaContext({ remainingMs: 10_000 }));

      expect(runs).toBe(0);
      expect(failedIds(response)).toEqual(event.Records.map((r) => r.messageId));
    } finally {
      await close();
    }
  });

  it('stops waiting for a hanging store at the invocation deadline: the records are reported, not run', async () => {
    const hanging: IdempotencyStore = {
      claim: () => new Promise(() => {}),
      complete: async () => {},
      release: async () => {},
    };
    const { createBatchProcessor } = await import('../../src/index.js');
    const processBatch = createBatchProcessor(() => {}, { timeoutMarginMs: 100, idempotency: { store: hanging } });

    const event = sqsEvent(['a']);
    const { outcomes, response } = await processBatch(event, lambdaContext({ remainingMs: 300 }));

    expect(outcomes[0]).toMatchObject({ status: 'skipped', reason: 'timeout' });
    expect(failedIds(response)).toEqual([event.Records[0]?.messageId]);
  });

  it('reports IdempotencyStoreError as the error of each record whose claim failed', async () => {
    const failing: IdempotencyStore = {
      claim: async (claims) =>
        claims.map((_, i) => (i === 0 ? { status: 'claimed' } : { status: 'error', error: new Error('throttled') })),
      complete: async () => {},
      release: async () => {},
    };
    const { createBatchProcessor } = await import('../../src/index.js');
    let runs = 0;
    const processBatch = createBatchProcessor(
      () => {
        runs++;
      },
      { idempotency: { store: failing } },
    );

    const { outcomes } = await processBatch(sqsEvent(['a', 'b']));

    expect(runs).toBe(1);
    expect(outcomes[1]).toMatchObject({ status: 'failed', error: expect.any(IdempotencyStoreError) });
    expect((outcomes[1] as { error: IdempotencyStoreError }).error.message).toContain('throttled');
  });
});
