import { IdempotencyStoreError } from '../errors.js';
import { keyRefusal, partitionByKey, quoteKey, refusedMessage } from '../idempotency/keys.js';
import type {
  ClaimResult,
  IdempotencyClaim,
  IdempotencyCompletion,
  IdempotencyRelease,
  IdempotencyStore,
} from '../idempotency/store.js';
import { connectRedis, type IoRedisLike, type NodeRedisLike, runScript, type Script, script } from './redisClient.js';

export type { IoRedisLike, NodeRedisLike } from './redisClient.js';

/**
 * Options of {@link RedisIdempotencyStore}.
 *
 * @example
 * ```ts
 * import type { RedisIdempotencyStoreOptions } from 'sqs-partial-batch/redis';
 * import { Redis } from 'ioredis';
 *
 * const options: RedisIdempotencyStoreOptions = { client: new Redis(), keyPrefix: 'orders:idempotency:' };
 * ```
 */
export interface RedisIdempotencyStoreOptions {
  /** A connected ioredis or node-redis client. The store never connects, quits or configures it. */
  readonly client: IoRedisLike | NodeRedisLike;
  /**
   * Put before every key. For Redis Cluster, use a hash tag (`'{idempotency}:'`)
   * so that one batch's keys share a slot and one script can hold them.
   * @default 'sqs-partial-batch:'
   */
  readonly keyPrefix?: string;
}

/** Keys per script call: big batches are split so one call never blocks Redis for long. */
const CHUNK = 500;

// Entries are strings `state|token|until|hash`: state `p` (in progress) or `c`
// (completed), `until` in epoch ms from the caller's clock. A claim over an
// in-progress entry with the same token renews it. Redis expires the key
// at `until` too (PX), and the scripts compare `until` with the caller's `now`, so
// correctness does not depend on when Redis deletes it.

const CLAIM = `local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 3
  local current = redis.call('GET', KEYS[i])
  if current then
    local untilMs = tonumber(string.match(current, '^[^|]*|[^|]*|([^|]*)'))
    if untilMs == nil or untilMs <= now then current = false end
  end
  if current and string.match(current, '^p|([^|]*)|') == ARGV[base + 1] then current = false end
  if current then
    out[i] = current
  else
    local untilMs = tonumber(ARGV[base + 2])
    redis.call('SET', KEYS[i], 'p|' .. ARGV[base + 1] .. '|' .. ARGV[base + 2] .. '|' .. ARGV[base + 3], 'PX', math.max(1, untilMs - now))
    out[i] = ''
  end
end
return out`;

const COMPLETE = `local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 3
  local untilMs = tonumber(ARGV[base + 2])
  redis.call('SET', KEYS[i], 'c|' .. ARGV[base + 1] .. '|' .. ARGV[base + 2] .. '|' .. ARGV[base + 3], 'PX', math.max(1, untilMs - now))
end
return #KEYS`;

const RELEASE = `local released = 0
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  if current and string.match(current, '^p|([^|]*)|') == ARGV[i] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
return released`;

const SCRIPTS = { claim: script(CLAIM), complete: script(COMPLETE), release: script(RELEASE) };

/**
 * An idempotency store on Redis (or Valkey), for ioredis and node-redis clients.
 * Each batch's claims are one script call (one round trip), and so are its
 * completions and its releases; every script runs atomically on the server.
 * Scripts are called by SHA and sent once per server when it does not know them.
 *
 * @example
 * ```ts
 * import { createBatchHandler } from 'sqs-partial-batch';
 * import { RedisIdempotencyStore } from 'sqs-partial-batch/redis';
 * import { Redis } from 'ioredis';
 *
 * const store = new RedisIdempotencyStore({ client: new Redis(process.env.REDIS_URL!) });
 * export const handler = createBatchHandler(async (record) => {}, { idempotency: { store } });
 * ```
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly send: (args: string[]) => Promise<unknown>;
  private readonly prefix: string;

  /**
   * @param options - See {@link RedisIdempotencyStoreOptions}.
   * @throws InvalidOptionsError when `client` is neither an ioredis nor a node-redis client, or `keyPrefix` is not a string.
   */
  constructor(options: RedisIdempotencyStoreOptions) {
    ({ send: this.send, prefix: this.prefix } = connectRedis(options));
  }

  async claim(claims: readonly IdempotencyClaim[], now: number): Promise<readonly ClaimResult[]> {
    const { accepted, refused } = partitionByKey(claims);
    const replies = await this.chunked(accepted, (chunk) =>
      this.run(
        SCRIPTS.claim,
        chunk.map((c) => c.key),
        [
          String(Math.floor(now)),
          ...chunk.flatMap((c) => [c.token, String(Math.ceil(c.inProgressUntil)), c.payloadHash ?? '']),
        ],
      ),
    );
    if (refused.length === 0) return replies.map(parseClaimReply);
    let next = 0;
    return claims.map((claim): ClaimResult => {
      const refusal = keyRefusal(claim.key);
      if (refusal !== undefined) return { status: 'error', error: new IdempotencyStoreError('claim', refusal) };
      return parseClaimReply(replies[next++]);
    });
  }

  async complete(completions: readonly IdempotencyCompletion[], now: number = Date.now()): Promise<void> {
    const { accepted, refused } = partitionByKey(completions);
    await this.chunked(accepted, async (chunk) => {
      await this.run(
        SCRIPTS.complete,
        chunk.map((c) => c.key),
        [
          String(Math.floor(now)),
          ...chunk.flatMap((c) => [c.token, String(Math.ceil(c.expiresAt)), c.payloadHash ?? '']),
        ],
      );
      return [];
    });
    if (refused.length > 0) throw new IdempotencyStoreError('complete', refusedMessage('complete', refused));
  }

  async release(releases: readonly IdempotencyRelease[]): Promise<void> {
    const { accepted, refused } = partitionByKey(releases);
    await this.chunked(accepted, async (chunk) => {
      await this.run(
        SCRIPTS.release,
        chunk.map((r) => r.key),
        chunk.map((r) => r.token),
      );
      return [];
    });
    if (refused.length > 0) throw new IdempotencyStoreError('release', refusedMessage('release', refused));
  }

  private async chunked<T, R>(items: readonly T[], call: (chunk: readonly T[]) => Promise<readonly R[]>): Promise<R[]> {
    if (items.length === 0) return [];
    if (items.length <= CHUNK) return [...(await call(items))];
    const calls: Array<Promise<readonly R[]>> = [];
    for (let i = 0; i < items.length; i += CHUNK) calls.push(call(items.slice(i, i + CHUNK)));
    return (await Promise.all(calls)).flat();
  }

  private async run(source: Script, keys: string[], args: string[]): Promise<unknown[]> {
    const reply = await runScript(
      this.send,
      source,
      keys.map((key) => this.prefix + key),
      args,
    );
    return Array.isArray(reply) ? reply : [reply];
  }
}

function parseClaimReply(reply: unknown): ClaimResult {
  if (reply === '') return { status: 'claimed' };
  const text = typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString('utf8') : undefined;
  const [state, , until, hash] = (text ?? '').split('|');
  const payloadHash = hash === undefined || hash === '' ? undefined : hash;
  if (state === 'c') return { status: 'completed', payloadHash };
  if (state === 'p') return { status: 'in-progress', inProgressUntil: Number(until), payloadHash };
  return {
    status: 'error',
    error: new IdempotencyStoreError('claim', `Unexpected Redis reply for a claim: ${describeReply(reply)}`),
  };
}

/** A reply as messages quote it: its type, and for a string its first characters (`quoteKey` shortens it). */
function describeReply(reply: unknown): string {
  if (typeof reply === 'string') return quoteKey(reply);
  if (Buffer.isBuffer(reply)) return `a ${reply.length}-byte buffer`;
  return reply === null ? 'null' : Array.isArray(reply) ? 'an array' : typeof reply;
}

export { RedisCircuitStateStore, type RedisCircuitStateStoreOptions } from './redisCircuit.js';
