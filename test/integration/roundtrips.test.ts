import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../src/index.js';
import { DynamoDBIdempotencyStore } from '../../src/stores/dynamodb.js';
import { type IoRedisLike, type NodeRedisLike, RedisIdempotencyStore } from '../../src/stores/redis.js';
import { type Dynalite, REDIS_URL, skipRedis, startDynalite } from '../helpers/backends.js';
import { failedIds, sqsEvent } from '../helpers/events.js';
import { redisKeyPrefix } from '../helpers/redis.js';

const bodies = (n: number, fail = -1) => Array.from({ length: n }, (_, i) => (i === fail ? 'fail' : `ok-${i}`));
const processRecord = (record: { body: string }) => {
  if (record.body === 'fail') throw new Error('fail');
};

describe.skipIf(await skipRedis())('Redis round trips per batch', () => {
  let io: Redis;
  let node: ReturnType<typeof createClient>;
  beforeAll(async () => {
    io = new Redis(REDIS_URL);
    node = createClient({ url: REDIS_URL });
    await node.connect();
  });
  afterAll(async () => {
    await io.quit();
    await node.quit();
  });

  const counted = {
    ioredis: (log: string[]): IoRedisLike => ({
      call: (command, ...args) => {
        log.push(command);
        return io.call(command, ...args);
      },
    }),
    'node-redis': (log: string[]): NodeRedisLike => ({
      sendCommand: (args) => {
        log.push(args[0] as string);
        return node.sendCommand(args);
      },
    }),
  };

  it.each(Object.keys(counted) as Array<keyof typeof counted>)(
    '%s: one script call for the claims and one for the completions of a 10-record batch',
    async (name) => {
      const log: string[] = [];
      const store = new RedisIdempotencyStore({ client: counted[name](log), keyPrefix: redisKeyPrefix('roundtrips') });
      const handler = createBatchHandler(processRecord, { concurrency: 10, idempotency: { store } });
      await handler(sqsEvent(bodies(10))); // the server learns the scripts
      await handler(sqsEvent(bodies(10, 3)));
      log.length = 0;

      const happy = await handler(sqsEvent(bodies(10)));
      const happyCalls = [...log];
      log.length = 0;
      const withFailure = await handler(sqsEvent(bodies(10, 3)));

      expect(happy.batchItemFailures).toEqual([]);
      expect(happyCalls).toEqual(['EVALSHA', 'EVALSHA']);
      expect(failedIds(withFailure)).toHaveLength(1);
      expect(log).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA']); // claims, then completions and the release side by side
    },
  );

  it('sends a script once when the server does not know it (NOSCRIPT), then uses its SHA', async () => {
    const log: string[] = [];
    const store = new RedisIdempotencyStore({ client: counted.ioredis(log), keyPrefix: redisKeyPrefix('roundtrips') });
    await io.call('SCRIPT', 'FLUSH');

    await store.claim(
      [{ key: 'k', token: 't', inProgressUntil: Date.now() + 1000, payloadHash: undefined }],
      Date.now(),
    );
    await store.claim(
      [{ key: 'k2', token: 't', inProgressUntil: Date.now() + 1000, payloadHash: undefined }],
      Date.now(),
    );

    expect(log).toEqual(['EVALSHA', 'EVAL', 'EVALSHA']);
  });
});

describe('DynamoDB requests per batch', () => {
  let dynalite: Dynalite;
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(async () => {
    await dynalite.close();
  });

  it('claims concurrently (all in flight at once) and completes with one BatchWriteItem per 25 records', async () => {
    const client = dynalite.client();
    const commands: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName as string);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const store = new DynamoDBIdempotencyStore({ tableName: await dynalite.createTable(), client });
    const handler = createBatchHandler(processRecord, { concurrency: 10, idempotency: { store } });

    await handler(sqsEvent(bodies(10)));

    expect(commands.filter((c) => c === 'PutItemCommand')).toHaveLength(10);
    expect(commands.filter((c) => c === 'BatchWriteItemCommand')).toHaveLength(1);
    expect(commands).toHaveLength(11);
    expect(maxInFlight).toBe(10);

    commands.length = 0;
    await handler(sqsEvent(bodies(60)));
    expect(commands.filter((c) => c === 'BatchWriteItemCommand')).toHaveLength(3);
  });
});

describe('DynamoDB items', () => {
  it('carry an epoch-seconds TTL attribute and a configurable key attribute', async () => {
    const dynalite = await startDynalite();
    try {
      const client = dynalite.client();
      const tableName = await dynalite.createTable('pk');
      const store = new DynamoDBIdempotencyStore({ tableName, client, keyAttribute: 'pk', ttlAttribute: 'ttl' });
      const before = Date.now();
      const handler = createBatchHandler(() => {}, { idempotency: { store, key: () => 'order-1', ttlSeconds: 3600 } });

      await handler(sqsEvent(['a']));
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'order-1' } } }));

      const ttl = Number(Item?.ttl?.N);
      expect(Item?.state?.S).toBe('COMPLETED');
      expect(ttl).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 3600);
      expect(ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
    } finally {
      await dynalite.close();
    }
  });
});
