import { nodeCrypto } from '../builtins.js';
import { InvalidOptionsError } from '../errors.js';
import { keyRefusal } from '../idempotency/keys.js';
import { describeValue } from '../optionChecks.js';

/**
 * The one method this store needs from an ioredis client (`Redis` or `Cluster`).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { IoRedisLike } from 'sqs-partial-batch/redis';
 *
 * const client: IoRedisLike = new Redis(process.env.REDIS_URL!);
 * ```
 */
export interface IoRedisLike {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * The one method this store needs from a node-redis client (`redis` or `@redis/client`).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import type { NodeRedisLike } from 'sqs-partial-batch/redis';
 *
 * const client: NodeRedisLike = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A Redis command sender for either client; throws `InvalidOptionsError` for anything else. */
export function redisSender(client: unknown): (args: string[]) => Promise<unknown> {
  if (typeof client === 'object' && client !== null && typeof (client as IoRedisLike).call === 'function') {
    const io = client as IoRedisLike;
    return ([command, ...args]) => io.call(command as string, ...args);
  }
  if (typeof client === 'object' && client !== null && typeof (client as NodeRedisLike).sendCommand === 'function') {
    const node = client as NodeRedisLike;
    return (args) => node.sendCommand(args);
  }
  throw new InvalidOptionsError(
    `Expected \`client\` to be an ioredis client (with \`call\`) or a node-redis client (with \`sendCommand\`), got ${describe(client)}`,
  );
}

/** A Lua script and its SHA-1, by which it is called once the server knows it. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

export const script = (source: string): Script => ({
  source,
  sha: nodeCrypto().createHash('sha1').update(source).digest('hex'),
});

/** Runs `source` on `keys` (prefixed already) by SHA, sending the source once when the server does not know it. */
export async function runScript(
  send: (args: string[]) => Promise<unknown>,
  source: Script,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await send(['EVALSHA', source.sha, ...tail]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return send(['EVAL', source.source, ...tail]);
  }
}

function describe(value: unknown): string {
  return typeof value === 'object' && value !== null ? 'an object without either method' : describeValue(value);
}

/**
 * The sender and key prefix of a Redis store's options, checked: `client` is
 * an ioredis or node-redis client, `keyPrefix` well-formed text.
 *
 * @throws InvalidOptionsError for anything else.
 */
export function connectRedis(options: { readonly client: unknown; readonly keyPrefix?: unknown }): {
  send: (args: string[]) => Promise<unknown>;
  prefix: string;
} {
  const { client, keyPrefix = 'sqs-partial-batch:' } = options ?? ({} as { client: unknown });
  const send = redisSender(client);
  if (typeof keyPrefix !== 'string') {
    throw new InvalidOptionsError(`Expected \`keyPrefix\` to be a string, got ${describe(keyPrefix)}`);
  }
  if (keyRefusal(keyPrefix) !== undefined) {
    throw new InvalidOptionsError(
      `Expected \`keyPrefix\` to be well-formed UTF-16 (no lone surrogate), got ${JSON.stringify(keyPrefix)}`,
    );
  }
  return { send, prefix: keyPrefix };
}
