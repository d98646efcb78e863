import { CIRCUIT_RECORD_TTL_MS, type CircuitSnapshot, type CircuitStateStore } from '../circuit/store.js';
import { connectRedis, type IoRedisLike, type NodeRedisLike, runScript, script } from './redisClient.js';

/**
 * Options of {@link RedisCircuitStateStore}.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisCircuitStateStoreOptions } from 'sqs-partial-batch/redis';
 *
 * const options: RedisCircuitStateStoreOptions = { client: new Redis(), keyPrefix: 'orders:' };
 * ```
 */
export interface RedisCircuitStateStoreOptions {
  /** A connected ioredis or node-redis client. The store never connects, quits or configures it. */
  readonly client: IoRedisLike | NodeRedisLike;
  /** Put before the key `circuit:<name>`. @default 'sqs-partial-batch:' */
  readonly keyPrefix?: string;
}

// The value is `state|until|opens|version`; a write is a script that compares the stored version first.
const WRITE = script(`local current = redis.call('GET', KEYS[1])
local version = 0
if current then version = tonumber(string.match(current, '([^|]*)$')) or -1 end
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`);

/**
 * Where a `CircuitBreaker` shared by several instances keeps its state, on
 * Redis (or Valkey), for ioredis and node-redis clients: one key per
 * circuit, read with one `GET` per batch, written (a script that checks the
 * version first, atomically) only when the circuit changes state. Keys
 * expire a day after their last write.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createBatchHandler } from 'sqs-partial-batch';
 * import { CircuitBreaker } from 'sqs-partial-batch/circuit-breaker';
 * import { RedisCircuitStateStore } from 'sqs-partial-batch/redis';
 *
 * const store = new RedisCircuitStateStore({ client: new Redis(process.env.REDIS_URL!) });
 * export const handler = createBatchHandler(async () => {}, { circuitBreaker: new CircuitBreaker({ store }) });
 * ```
 */
export class RedisCircuitStateStore implements CircuitStateStore {
  private readonly send: (args: string[]) => Promise<unknown>;
  private readonly prefix: string;

  /**
   * @param options - See {@link RedisCircuitStateStoreOptions}.
   * @throws InvalidOptionsError when `client` is neither an ioredis nor a node-redis client, or `keyPrefix` is not a string.
   */
  constructor(options: RedisCircuitStateStoreOptions) {
    const { send, prefix } = connectRedis(options);
    this.send = send;
    this.prefix = `${prefix}circuit:`;
  }

  async read(name: string): Promise<CircuitSnapshot | undefined> {
    const reply = await this.send(['GET', this.prefix + name]);
    if (reply === null || reply === undefined) return undefined;
    const [state, until, opens, version] = String(reply).split('|');
    return {
      state: state as CircuitSnapshot['state'],
      until: Number(until),
      opens: Number(opens),
      version: Number(version),
    };
  }

  async write(name: string, next: CircuitSnapshot, expectedVersion: number): Promise<boolean> {
    const value = `${next.state}|${next.until}|${next.opens}|${next.version}`;
    const ttlMs = Math.max(0, next.until - Date.now()) + CIRCUIT_RECORD_TTL_MS;
    const reply = await runScript(
      this.send,
      WRITE,
      [this.prefix + name],
      [String(expectedVersion), value, String(Math.ceil(ttlMs))],
    );
    return Number(reply) === 1;
  }
}
