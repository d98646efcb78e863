import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { IdempotencyStoreError, InvalidOptionsError } from '../errors.js';
import { keyRefusal, partitionByKey, quoteKey, refusedMessage } from '../idempotency/keys.js';
import type {
  ClaimResult,
  IdempotencyClaim,
  IdempotencyCompletion,
  IdempotencyRelease,
  IdempotencyStore,
} from '../idempotency/store.js';
import { isConditionFailure } from './dynamodbConditions.js';

/**
 * Options of {@link DynamoDBIdempotencyStore}.
 *
 * @example
 * ```ts
 * import type { DynamoDBIdempotencyStoreOptions } from 'sqs-partial-batch/dynamodb';
 *
 * const options: DynamoDBIdempotencyStoreOptions = { tableName: 'idempotency', keyAttribute: 'pk' };
 * ```
 */
export interface DynamoDBIdempotencyStoreOptions {
  /** The table; its partition key is a string attribute named `keyAttribute`, with no sort key. */
  readonly tableName: string;
  /** The client to use. @default new DynamoDBClient({}) (region and credentials from the environment) */
  readonly client?: DynamoDBClient;
  /** Name of the string partition key attribute. @default 'id' */
  readonly keyAttribute?: string;
  /**
   * Name of the attribute holding the expiry in epoch seconds; enable DynamoDB
   * TTL on it so old items get deleted. Correctness never depends on that
   * deletion: claims compare times themselves.
   * @default 'expiration'
   */
  readonly ttlAttribute?: string;
}

/** BatchWriteItem's limit. */
const BATCH_WRITE_LIMIT = 25;
/** Attempts for unprocessed batch writes and claim races before giving up. */
const ATTEMPTS = 5;
/** DynamoDB's limit for a partition key, in bytes of UTF-8. */
const MAX_KEY_BYTES = 2048;

/**
 * Why this store refuses `key` without asking DynamoDB: it is not
 * well-formed UTF-16 (see `keyRefusal`), or too long for a partition key (one
 * such key in a `BatchWriteItem` would fail the 24 others with it).
 */
function dynamoRefusal(key: string): string | undefined {
  const refusal = keyRefusal(key);
  if (refusal !== undefined) return refusal;
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    return `Idempotency key ${quoteKey(key)} is ${bytes} bytes in UTF-8; a DynamoDB partition key holds at most ${MAX_KEY_BYTES}`;
  }
  return undefined;
}

// Item: { [keyAttribute]: S, state: 'IN_PROGRESS' | 'COMPLETED', token: S, untilMs: N (epoch ms),
//         payloadHash?: S, [ttlAttribute]: N (epoch seconds, for DynamoDB TTL) }

/**
 * An idempotency store on a DynamoDB table. Claims are conditional writes
 * issued concurrently (one request per key, all in flight at once, atomic per
 * key); completions are batched 25 to a `BatchWriteItem`; releases are
 * conditional deletes, concurrent. Needs `dynamodb:PutItem`, `GetItem`,
 * `DeleteItem` and `BatchWriteItem` on the table.
 *
 * @example
 * ```ts
 * import { createBatchHandler } from 'sqs-partial-batch';
 * import { DynamoDBIdempotencyStore } from 'sqs-partial-batch/dynamodb';
 *
 * const store = new DynamoDBIdempotencyStore({ tableName: process.env.IDEMPOTENCY_TABLE! });
 * export const handler = createBatchHandler(async (record) => {}, { idempotency: { store } });
 * ```
 */
export class DynamoDBIdempotencyStore implements IdempotencyStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly keyAttribute: string;
  private readonly ttlAttribute: string;

  /**
   * @param options - See {@link DynamoDBIdempotencyStoreOptions}.
   * @throws InvalidOptionsError when `tableName` is missing or empty.
   */
  constructor(options: DynamoDBIdempotencyStoreOptions) {
    const {
      tableName,
      client,
      keyAttribute = 'id',
      ttlAttribute = 'expiration',
    } = options ?? ({} as DynamoDBIdempotencyStoreOptions);
    if (typeof tableName !== 'string' || tableName === '') {
      throw new InvalidOptionsError(
        `Expected \`tableName\` to be a non-empty string, got ${tableName === '' ? 'an empty string' : typeof tableName}`,
      );
    }
    this.client = client ?? new DynamoDBClient({});
    this.table = tableName;
    this.keyAttribute = keyAttribute;
    this.ttlAttribute = ttlAttribute;
  }

  claim(claims: readonly IdempotencyClaim[], now: number): Promise<readonly ClaimResult[]> {
    return Promise.all(
      claims.map((claim): ClaimResult | Promise<ClaimResult> => {
        const refusal = dynamoRefusal(claim.key);
        if (refusal !== undefined) return { status: 'error', error: new IdempotencyStoreError('claim', refusal) };
        return this.claimOne(claim, now);
      }),
    );
  }

  async complete(completions: readonly IdempotencyCompletion[], _now?: number): Promise<void> {
    const { accepted, refused } = partitionByKey(completions, dynamoRefusal);
    const requests: WriteRequest[] = accepted.map(({ key, token, expiresAt, payloadHash }) => ({
      PutRequest: { Item: this.item(key, 'COMPLETED', token, expiresAt, payloadHash) },
    }));
    const chunks: Array<Promise<void>> = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
      chunks.push(this.batchWrite(requests.slice(i, i + BATCH_WRITE_LIMIT)));
    }
    await Promise.all(chunks);
    if (refused.length > 0) throw new IdempotencyStoreError('complete', refusedMessage('complete', refused));
  }

  async release(releases: readonly IdempotencyRelease[]): Promise<void> {
    const { accepted, refused } = partitionByKey(releases, dynamoRefusal);
    await Promise.all(
      accepted.map(async ({ key, token }) => {
        try {
          await this.client.send(
            new DeleteItemCommand({
              TableName: this.table,
              Key: { [this.keyAttribute]: { S: key } },
              ConditionExpression: '#state = :inProgress AND #token = :token',
              ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
              ExpressionAttributeValues: { ':inProgress': { S: 'IN_PROGRESS' }, ':token': { S: token } },
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error; // someone else's claim, or completed: leave it
        }
      }),
    );
    if (refused.length > 0) throw new IdempotencyStoreError('release', refusedMessage('release', refused));
  }

  private async claimOne(claim: IdempotencyClaim, now: number): Promise<ClaimResult> {
    const { key, token, inProgressUntil, payloadHash } = claim;
    try {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        try {
          await this.client.send(
            new PutItemCommand({
              TableName: this.table,
              Item: this.item(key, 'IN_PROGRESS', token, inProgressUntil, payloadHash),
              // Free, lapsed, or ours already (a renewal under the same token).
              ConditionExpression:
                'attribute_not_exists(#k) OR #until <= :now OR (#state = :inProgress AND #token = :token)',
              ExpressionAttributeNames: {
                '#k': this.keyAttribute,
                '#until': 'untilMs',
                '#state': 'state',
                '#token': 'token',
              },
              ExpressionAttributeValues: {
                ':now': { N: String(Math.floor(now)) },
                ':inProgress': { S: 'IN_PROGRESS' },
                ':token': { S: token },
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          );
          return { status: 'claimed' };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          // The service returns the item that blocked the claim; emulators may not, so read it then.
          const existing = (error as { Item?: Record<string, AttributeValue> }).Item ?? (await this.read(key));
          const state = existing && this.stateOf(existing, now);
          if (state !== undefined) return state;
          // It expired or was deleted between the two calls: try again.
        }
      }
      return {
        status: 'error',
        error: new IdempotencyStoreError(
          'claim',
          `Could not claim key ${quoteKey(key)}: it kept changing under concurrent claims (${ATTEMPTS} attempts)`,
        ),
      };
    } catch (error) {
      return { status: 'error', error };
    }
  }

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { [this.keyAttribute]: { S: key } }, ConsistentRead: true }),
    );
    return Item;
  }

  private stateOf(item: Record<string, AttributeValue>, now: number): ClaimResult | undefined {
    const until = Number(item.untilMs?.N);
    if (!(until > now)) return undefined;
    const payloadHash = item.payloadHash?.S;
    return item.state?.S === 'COMPLETED'
      ? { status: 'completed', payloadHash }
      : { status: 'in-progress', inProgressUntil: until, payloadHash };
  }

  private item(
    key: string,
    state: 'IN_PROGRESS' | 'COMPLETED',
    token: string,
    untilMs: number,
    payloadHash: string | undefined,
  ): Record<string, AttributeValue> {
    const item: Record<string, AttributeValue> = {
      [this.keyAttribute]: { S: key },
      state: { S: state },
      token: { S: token },
      untilMs: { N: String(Math.ceil(untilMs)) },
      [this.ttlAttribute]: { N: String(Math.ceil(untilMs / 1000)) },
    };
    if (payloadHash !== undefined) item.payloadHash = { S: payloadHash };
    return item;
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; attempt < ATTEMPTS && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }),
      );
      pending = UnprocessedItems?.[this.table] ?? [];
    }
    if (pending.length > 0)
      throw new Error(`DynamoDB left ${pending.length} completions unprocessed after ${ATTEMPTS} attempts`);
  }
}

export { DynamoDBCircuitStateStore, type DynamoDBCircuitStateStoreOptions } from './dynamodbCircuit.js';
