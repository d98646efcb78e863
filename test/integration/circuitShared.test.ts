import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitStateStore } from '../../src/circuit/index.js';
import { createBatchHandler } from '../../src/index.js';
import { DynamoDBCircuitStateStore } from '../../src/stores/dynamodb.js';
import { RedisCircuitStateStore } from '../../src/stores/redis.js';
import { REDIS_URL, skipRedis, startDynalite } from '../helpers/backends.js';
import { sqsEvent } from '../helpers/events.js';
import { redisKeyPrefix } from '../helpers/redis.js';

const dynalite = await startDynalite();
const table = await dynalite.createTable();
let io: Redis | undefined;
let node: ReturnType<typeof createClient> | undefined;
const redisSkipped = await skipRedis();

beforeAll(async () => {
  if (redisSkipped) return;
  io = new Redis(REDIS_URL);
  node = createClient({ url: REDIS_URL });
  await node.connect();
});
afterAll(async () => {
  await io?.quit();
  await node?.quit();
  await dynalite.close();
});

const backends: Array<[string, boolean, () => CircuitStateStore]> = [
  [
    'Redis (ioredis)',
    redisSkipped,
    () => new RedisCircuitStateStore({ client: io as Redis, keyPrefix: redisKeyPrefix('circuit') }),
  ],
  [
    'Redis (node-redis)',
    redisSkipped,
    () =>
      new RedisCircuitStateStore({
        client: node as ReturnType<typeof createClient>,
        keyPrefix: redisKeyPrefix('circuit'),
      }),
  ],
  ['DynamoDB (dynalite)', false, () => new DynamoDBCircuitStateStore({ tableName: table, client: dynalite.client() })],
];

describe.each(backends)('a circuit shared through %s', (_name, skip, makeStore) => {
  it.skipIf(skip)('writes only over the version it names, and reads back what it wrote', async () => {
    const store = makeStore();
    const name = `contract-${Math.random()}`;
    const open = { state: 'open', until: Date.now() + 60_000, opens: 1, version: 1 } as const;

    expect(await store.read(name)).toBeUndefined();
    expect(await store.write(name, open, 3)).toBe(false);
    expect(await store.write(name, open, 0)).toBe(true);
    expect(await store.write(name, { ...open, version: 2 }, 0)).toBe(false);

    expect(await store.read(name)).toEqual(open);
  });

  it.skipIf(skip)(
    'two instances open together: the second runs no record once the first opened the circuit',
    async () => {
      const store = makeStore();
      const name = `orders-${Math.random()}`;
      const calls = { a: 0, b: 0 };
      const instanceA = createBatchHandler(
        async () => {
          calls.a++;
          throw new Error('payments are down');
        },
        { logger: false, circuitBreaker: new CircuitBreaker({ store, name, whenOpen: 'report' }) },
      );
      const instanceB = createBatchHandler(
        async () => {
          calls.b++;
        },
        { logger: false, circuitBreaker: new CircuitBreaker({ store, name, whenOpen: 'report' }) },
      );

      // B runs while the circuit is closed.
      expect((await instanceB(sqsEvent(['b-1']))).batchItemFailures).toEqual([]);
      // A's batch: five failures in a row open the circuit; the rest of A's batch does not run.
      const a = await instanceA(sqsEvent(['1', '2', '3', '4', '5', '6', '7'])).catch((error: unknown) => error);
      expect(calls.a).toBe(5);
      expect(a).toMatchObject({ code: 'FULL_BATCH_FAILURE' });
      // B has seen no failure of its own, and runs nothing: the shared circuit is open.
      const b = await instanceB(sqsEvent(['b-2', 'b-3']));
      expect(calls.b).toBe(1);
      expect(b.batchItemFailures).toHaveLength(2);
      expect(await store.read(name)).toMatchObject({ state: 'open' });
    },
  );
});
