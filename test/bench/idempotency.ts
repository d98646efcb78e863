// Idempotency cost per 10-record batch: store requests and wall time, ours and
// Powertools', against the real Redis server and against dynalite.
import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { createBatchHandler, type IdempotencyStore } from '../../src/index.js';
import { DynamoDBIdempotencyStore } from '../../src/stores/dynamodb.js';
import { RedisIdempotencyStore } from '../../src/stores/redis.js';
import { lambdaContext } from '../../src/testing/index.js';
import { REDIS_URL, startDynalite } from '../helpers/backends.js';
import { median, orderEvent, table } from './fixtures.js';

type Handler = (event: SQSEvent, context: Context) => Promise<unknown>;
interface Row {
  readonly store: string;
  readonly library: string;
  readonly requests: number;
  readonly msPerBatch: number;
}

const work = async (): Promise<void> => {};

function ours(store: IdempotencyStore): Handler {
  return createBatchHandler(work, { idempotency: { store } });
}

function powertools(persistenceStore: CachePersistenceLayer | DynamoDBPersistenceLayer): Handler {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'messageId' });
  const processor = new BatchProcessor(EventType.SQS);
  const record = makeIdempotent(async (_record: SQSRecord) => {}, { persistenceStore, config });
  return async (event, context) => {
    config.registerLambdaContext(context);
    return processPartialResponse(event, record, processor, { context });
  };
}

/** Runs `batches` fresh 10-record batches; returns requests per batch (from `count`) and the median wall time. */
async function run(
  handler: Handler,
  count: () => Promise<number>,
  batches: number,
): Promise<{ requests: number; ms: number }> {
  await handler(orderEvent(10), lambdaContext()); // warm: connections, scripts
  const times: number[] = [];
  const before = await count();
  for (let i = 0; i < batches; i++) {
    const event = orderEvent(10);
    const started = performance.now();
    await handler(event, lambdaContext());
    times.push(performance.now() - started);
  }
  const requests = ((await count()) - before) / batches;
  return { requests, ms: median(times) };
}

export async function measureIdempotency(batches: number): Promise<Row[]> {
  const rows: Row[] = [];

  // Redis: commands each library sends (one round trip each), counted on the client.
  const io = new Redis(REDIS_URL);
  const node = createClient({ url: REDIS_URL });
  await node.connect();
  let sent = 0;
  const commands = async () => sent;
  const countedIo = {
    call: (command: string, ...args: Array<string | number>) => {
      sent++;
      return io.call(command, ...args);
    },
  };
  const countedNode = {
    sendCommand: (args: string[]) => {
      sent++;
      return node.sendCommand(args);
    },
  };
  const countedCache = new Proxy(node, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'get' || property === 'set' || property === 'del') {
        return (...args: unknown[]) => {
          sent++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  try {
    const prefix = `bench:${randomUUID()}:`;
    const a = await run(ours(new RedisIdempotencyStore({ client: countedIo, keyPrefix: prefix })), commands, batches);
    rows.push({ store: 'Redis', library: 'sqs-partial-batch (ioredis)', requests: a.requests, msPerBatch: a.ms });
    const b = await run(ours(new RedisIdempotencyStore({ client: countedNode, keyPrefix: prefix })), commands, batches);
    rows.push({ store: 'Redis', library: 'sqs-partial-batch (@redis/client)', requests: b.requests, msPerBatch: b.ms });
    const c = await run(powertools(new CachePersistenceLayer({ client: countedCache as never })), commands, batches);
    rows.push({ store: 'Redis', library: 'Powertools (@redis/client)', requests: c.requests, msPerBatch: c.ms });
  } finally {
    await Promise.all([io.quit(), node.quit()]);
  }

  // DynamoDB (dynalite): requests counted by a middleware on each client.
  const dynalite = await startDynalite();
  try {
    const counted = (): { client: DynamoDBClient; count: () => Promise<number> } => {
      const client = dynalite.client();
      let requests = 0;
      client.middlewareStack.add(
        (next) => async (args) => {
          requests++;
          return next(args);
        },
        { step: 'initialize', name: 'countRequests' },
      );
      return { client, count: async () => requests };
    };
    const mine = counted();
    const a = await run(
      ours(new DynamoDBIdempotencyStore({ tableName: await dynalite.createTable(), client: mine.client })),
      mine.count,
      batches,
    );
    rows.push({ store: 'DynamoDB (dynalite)', library: 'sqs-partial-batch', requests: a.requests, msPerBatch: a.ms });
    const theirs = counted();
    const b = await run(
      powertools(
        new DynamoDBPersistenceLayer({ tableName: await dynalite.createTable(), awsSdkV3Client: theirs.client }),
      ),
      theirs.count,
      batches,
    );
    rows.push({ store: 'DynamoDB (dynalite)', library: 'Powertools', requests: b.requests, msPerBatch: b.ms });
  } finally {
    await dynalite.close();
  }
  return rows;
}

export function idempotencyTable(rows: readonly Row[]): string {
  return table(
    ['store', 'library', 'requests per 10-record batch', 'wall time per batch (ms, median)'],
    rows.map((r) => [r.store, r.library, r.requests.toFixed(1), r.msPerBatch.toFixed(2)]),
  );
}
