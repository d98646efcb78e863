import { InvalidOptionsError } from '../errors.js';
import type {
  ClaimResult,
  IdempotencyClaim,
  IdempotencyCompletion,
  IdempotencyRelease,
  IdempotencyStore,
} from '../idempotency/store.js';
import { describeValue, rejectUnknownKeys } from '../optionChecks.js';

/**
 * Options of {@link MemoryIdempotencyStore}.
 *
 * @example
 * ```ts
 * import { MemoryIdempotencyStore, type MemoryIdempotencyStoreOptions } from 'sqs-partial-batch';
 *
 * const options: MemoryIdempotencyStoreOptions = { maxEntries: 1000 };
 * const store = new MemoryIdempotencyStore(options);
 * ```
 */
export interface MemoryIdempotencyStoreOptions {
  /**
   * Most keys kept; past it the least recently written key is forgotten.
   * @default 10000
   */
  readonly maxEntries?: number;
}

type Entry =
  | { readonly state: 'in-progress'; readonly token: string; readonly until: number; readonly hash: string | undefined }
  | { readonly state: 'completed'; readonly until: number; readonly hash: string | undefined };

/**
 * An idempotency store in this process's memory, bounded in size. It makes
 * redelivery safe within one Lambda execution environment (a warm container),
 * which is enough for tests, local runs and the demo; for production, where
 * many environments consume one queue, use the DynamoDB or Redis store.
 *
 * @example
 * ```ts
 * import { createBatchHandler, MemoryIdempotencyStore } from 'sqs-partial-batch';
 *
 * const store = new MemoryIdempotencyStore({ maxEntries: 5000 });
 * export const handler = createBatchHandler(async (record) => {}, { idempotency: { store } });
 * ```
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  /**
   * @param options - See {@link MemoryIdempotencyStoreOptions}.
   * @throws InvalidOptionsError for an unknown option or a bad `maxEntries`.
   */
  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    rejectUnknownKeys(options, ['maxEntries']);
    const { maxEntries = 10_000 } = options;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new InvalidOptionsError(`Expected \`maxEntries\` to be an integer >= 1, got ${describeValue(maxEntries)}`);
    }
    this.maxEntries = maxEntries;
  }

  /** Number of keys currently held (expired ones included until they are overwritten or evicted). */
  get size(): number {
    return this.entries.size;
  }

  async claim(claims: readonly IdempotencyClaim[], now: number): Promise<readonly ClaimResult[]> {
    return claims.map(({ key, token, inProgressUntil, payloadHash }): ClaimResult => {
      const entry = this.entries.get(key);
      const renewal = entry?.state === 'in-progress' && entry.token === token;
      if (entry !== undefined && entry.until > now && !renewal) {
        return entry.state === 'completed'
          ? { status: 'completed', payloadHash: entry.hash }
          : { status: 'in-progress', inProgressUntil: entry.until, payloadHash: entry.hash };
      }
      this.write(key, { state: 'in-progress', token, until: inProgressUntil, hash: payloadHash });
      return { status: 'claimed' };
    });
  }

  async complete(completions: readonly IdempotencyCompletion[], _now?: number): Promise<void> {
    for (const { key, expiresAt, payloadHash } of completions) {
      this.write(key, { state: 'completed', until: expiresAt, hash: payloadHash });
    }
  }

  async release(releases: readonly IdempotencyRelease[]): Promise<void> {
    for (const { key, token } of releases) {
      const entry = this.entries.get(key);
      if (entry?.state === 'in-progress' && entry.token === token) this.entries.delete(key);
    }
  }

  /** Forgets every key. */
  clear(): void {
    this.entries.clear();
  }

  private write(key: string, entry: Entry): void {
    this.entries.delete(key); // re-insert, so Map order is least recently written first
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
