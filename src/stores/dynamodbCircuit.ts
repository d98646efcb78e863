import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CIRCUIT_RECORD_TTL_MS, type CircuitSnapshot, type CircuitStateStore } from '../circuit/store.js';
import { InvalidOptionsError } from '../errors.js';
import { isConditionFailure } from './dynamodbConditions.js';

/**
 * Options of {@link DynamoDBCircuitStateStore}.
 *
 * @example
 * ```ts
 * import type { DynamoDBCircuitStateStoreOptions } from 'sqs-partial-batch/dynamodb';
 *
 * const options: DynamoDBCircuitStateStoreOptions = { tableName: 'idempotency' };
 * ```
 */
export interface DynamoDBCircuitStateStoreOptions {
  /** The table; its partition key is a string attribute named `keyAttribute`, with no sort key (the idempotency table fits). */
  readonly tableName: string;
  /** The client to use. @default new DynamoDBClient({}) (region and credentials from the environment) */
  readonly client?: DynamoDBClient;
  /** Name of the string partition key attribute. @default 'id' */
  readonly keyAttribute?: string;
  /** Name of the attribute holding the expiry in epoch seconds (enable DynamoDB TTL on it). @default 'expiration' */
  readonly ttlAttribute?: string;
}

// Item: { [keyAttribute]: 'circuit#<name>', state: S, untilMs: N, opens: N, version: N, [ttlAttribute]: N }

/**
 * Where a `CircuitBreaker` shared by several instances keeps its state, on
 * a DynamoDB table: one item per circuit, read (strongly consistent) once
 * per batch, written (a conditional put on the version) only when the
 * circuit changes state. Needs `dynamodb:GetItem` and `PutItem`.
 *
 * @example
 * ```ts
 * import { createBatchHandler } from 'sqs-partial-batch';
 * import { CircuitBreaker } from 'sqs-partial-batch/circuit-breaker';
 * import { DynamoDBCircuitStateStore } from 'sqs-partial-batch/dynamodb';
 *
 * const store = new DynamoDBCircuitStateStore({ tableName: process.env.STATE_TABLE! });
 * export const handler = createBatchHandler(async () => {}, { circuitBreaker: new CircuitBreaker({ store }) });
 * ```
 */
export class DynamoDBCircuitStateStore implements CircuitStateStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly keyAttribute: string;
  private readonly ttlAttribute: string;

  /**
   * @param options - See {@link DynamoDBCircuitStateStoreOptions}.
   * @throws InvalidOptionsError when `tableName` is missing or empty.
   */
  constructor(options: DynamoDBCircuitStateStoreOptions) {
    const { tableName, client, keyAttribute = 'id', ttlAttribute = 'expiration' } = options ?? ({} as never);
    if (typeof tableName !== 'string' || tableName === '') {
      throw new InvalidOptionsError(`Expected \`tableName\` to be a non-empty string, got ${typeof tableName}`);
    }
    this.client = client ?? new DynamoDBClient({});
    this.table = tableName;
    this.keyAttribute = keyAttribute;
    this.ttlAttribute = ttlAttribute;
  }

  async read(name: string): Promise<CircuitSnapshot | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { [this.keyAttribute]: { S: `circuit#${name}` } },
        ConsistentRead: true,
      }),
    );
    if (Item === undefined) return undefined;
    return {
      state: Item.state?.S as CircuitSnapshot['state'],
      until: Number(Item.untilMs?.N),
      opens: Number(Item.opens?.N),
      version: Number(Item.version?.N),
    };
  }

  async write(name: string, next: CircuitSnapshot, expectedVersion: number): Promise<boolean> {
    const expires = Math.ceil((Math.max(next.until, Date.now()) + CIRCUIT_RECORD_TTL_MS) / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            [this.keyAttribute]: { S: `circuit#${name}` },
            state: { S: next.state },
            untilMs: { N: String(next.until) },
            opens: { N: String(next.opens) },
            version: { N: String(next.version) },
            [this.ttlAttribute]: { N: String(expires) },
          },
          ConditionExpression:
            expectedVersion === 0 ? 'attribute_not_exists(#key) OR #version = :expected' : '#version = :expected',
          ExpressionAttributeNames:
            expectedVersion === 0 ? { '#key': this.keyAttribute, '#version': 'version' } : { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
