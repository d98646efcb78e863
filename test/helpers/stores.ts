import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { IdempotencyStore } from '../../src/index.js';
import { MemoryIdempotencyStore } from '../../src/index.js';
import { DynamoDBIdempotencyStore } from '../../src/stores/dynamodb.js';
import { RedisIdempotencyStore } from '../../src/stores/redis.js';
import { type Dynalite, REDIS_URL, skipRedis, startDynalite } from './backends.js';
import { redisKeyPrefix } from './redis.js';

/** One backend under test: `create()` gives a fresh, empty store. */
export interface StoreBackend {
  readonly name: string;
  readonly skip: boolean;
  open(): Promise<void>;
  create(): Promise<IdempotencyStore>;
  close(): Promise<void>;
}

const redisSkipped = await skipRedis();

function memoryBackend(): StoreBackend {
  return {
    name: 'memory',
    skip: false,
    open: async () => {},
    create: async () => new MemoryIdempotencyStore(),
    close: async () => {},
  };
}

function ioredisBackend(): StoreBackend {
  let client: Redis | undefined;
  return {
    name: 'redis (ioredis)',
    skip: redisSkipped,
    async open() {
      client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    },
    create: async () => new RedisIdempotencyStore({ client: client as Redis, keyPrefix: redisKeyPrefix('contract') }),
    async close() {
      await client?.quit();
    },
  };
}

function nodeRedisBackend(): StoreBackend {
  let client: ReturnType<typeof createClient> | undefined;
  return {
    name: 'redis (node-redis)',
    skip: redisSkipped,
    async open() {
      client = createClient({ url: REDIS_URL });
      await client.connect();
    },
    create: async () =>
      new RedisIdempotencyStore({
        client: client as ReturnType<typeof createClient>,
        keyPrefix: redisKeyPrefix('contract'),
      }),
    async close() {
      await client?.quit();
    },
  };
}

function dynamoBackend(): StoreBackend {
  let server: Dynalite | undefined;
  return {
    name: 'dynamodb (dynalite)',
    skip: false,
    async open() {
      server = await startDynalite();
    },
    async create() {
      const dynalite = server as Dynalite;
      return new DynamoDBIdempotencyStore({ tableName: await dynalite.createTable(), client: dynalite.client() });
    },
    async close() {
      await server?.close();
    },
  };
}

/** Every store the contract suite runs against. */
export function storeBackends(): StoreBackend[] {
  return [memoryBackend(), ioredisBackend(), nodeRedisBackend(), dynamoBackend()];
}
