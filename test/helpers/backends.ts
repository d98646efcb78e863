import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { REDIS_URL, redisReachable } from './redis.js';

export { REDIS_URL, redisReachable } from './redis.js';

/**
 * Whether to skip Redis suites: never in CI (they must fail when Redis is
 * down), and outside CI only when Redis is unreachable, with a message.
 */
export async function skipRedis(): Promise<boolean> {
  if (await redisReachable()) return false;
  if (process.env.CI === 'true') return false;
  console.warn(
    `Redis is not reachable at ${REDIS_URL}: skipping Redis tests. Start it with\n` +
      '  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n' +
      'or set REDIS_URL. With CI=true these tests fail instead.',
  );
  return true;
}

export interface Dynalite {
  readonly endpoint: string;
  client(options?: { maxAttempts?: number }): DynamoDBClient;
  /** Creates a fresh table with a string partition key `id` and returns its name. */
  createTable(keyAttribute?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts dynalite (an in-memory DynamoDB API) on a free loopback port. */
export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = (options: { maxAttempts?: number } = {}) =>
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      ...options,
    });
  const admin = client();
  return {
    endpoint,
    client,
    async createTable(keyAttribute = 'id') {
      const name = `idempotency-${randomUUID()}`;
      await admin.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: keyAttribute, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: keyAttribute, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      return name;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
