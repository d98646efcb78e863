import { IdempotencyStoreError } from '../errors.js';
import { keyRefusal, partitionByKey, quoteKey, refusedMessage } from '../idempotency/keys.js';
import type {
  ClaimResult,
  IdempotencyClaim,
  IdempotencyCompletion,
  IdempotencyRelease,
  IdempotencyStore,
} from '../idempotency/store.js';
import { integerIn, rejectUnknownKeys } from '../optionChecks.js';

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
   * Most keys kept. When full, a new key takes the place of a lapsed claim or
   * of an expired or completed key, least recently written first. A claim
   * still in progress is never forgotten: when only those are left, a new
   * claim fails closed with `IdempotencyStoreError` (its record is retried).
   * @default 10000
   */
  readonly maxEntries?: number;
}

/** One key, linked into the queue of its state, oldest write first. */
interface Entry {
  key: string;
  state: 'in-progress' | 'completed';
  token: string;
  until: number;
  hash: string | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

/** A doubly linked list of entries: append, remove and peek are O(1). */
class Queue {
  head: Entry | undefined;
  private tail: Entry | undefined;

  append(entry: Entry): void {
    entry.prev = this.tail;
    entry.next = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
  }

  remove(entry: Entry): void {
    if (entry.prev === undefined) this.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
  }

  clear(): void {
    this.head = undefined;
    this.tail = undefined;
  }
}

/**
 * An idempotency store in this process's memory, bounded in size. It makes
 * redelivery safe within one Lambda execution environment (a warm container),
 * which is enough for tests, local runs and the demo; for production, where
 * many environments consume one queue, use the DynamoDB or Redis store.
 *
 * Every operation is O(1) per key, full or not. When full, a new key takes
 * the place of a lapsed claim or of an expired or completed key (least
 * recently written first); a claim still in progress is never forgotten, so a
 * new claim that finds only those fails closed (`error`, the record is
 * retried) rather than let two invocations run one key.
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
  /** In-progress claims and completed keys, each oldest write first. */
  private readonly claims = new Queue();
  private readonly completed = new Queue();
  private readonly maxEntries: number;

  /**
   * @param options - See {@link MemoryIdempotencyStoreOptions}.
   * @throws InvalidOptionsError for an unknown option or a bad `maxEntries`.
   */
  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    rejectUnknownKeys(options, ['maxEntries']);
    const { maxEntries = 10_000 } = options;
    integerIn('maxEntries', maxEntries, 1, Number.MAX_SAFE_INTEGER);
    this.maxEntries = maxEntries;
  }

  /** Number of keys currently held (expired ones included until they are overwritten or evicted). */
  get size(): number {
    return this.entries.size;
  }

  async claim(claims: readonly IdempotencyClaim[], now: number): Promise<readonly ClaimResult[]> {
    const room = { swept: false };
    return claims.map(({ key, token, inProgressUntil, payloadHash }): ClaimResult => {
      const refusal = keyRefusal(key);
      if (refusal !== undefined) return { status: 'error', error: new IdempotencyStoreError('claim', refusal) };
      const entry = this.entries.get(key);
      const renewal = entry?.state === 'in-progress' && entry.token === token;
      if (entry !== undefined && entry.until > now && !renewal) {
        return entry.state === 'completed'
          ? { status: 'completed', payloadHash: entry.hash }
          : { status: 'in-progress', inProgressUntil: entry.until, payloadHash: entry.hash };
      }
      if (!this.write(key, 'in-progress', token, inProgressUntil, payloadHash, now, room)) {
        return { status: 'error', error: new IdempotencyStoreError('claim', this.fullMessage(key, 'claim')) };
      }
      return { status: 'claimed' };
    });
  }

  async complete(completions: readonly IdempotencyCompletion[], now: number = Date.now()): Promise<void> {
    const { accepted, refused } = partitionByKey(completions);
    const unwritten = [...refused];
    const room = { swept: false };
    for (const { key, token, expiresAt, payloadHash } of accepted) {
      if (!this.write(key, 'completed', token, expiresAt, payloadHash, now, room)) {
        unwritten.push(this.fullMessage(key, 'completion'));
      }
    }
    if (unwritten.length > 0) throw new IdempotencyStoreError('complete', refusedMessage('complete', unwritten));
  }

  async release(releases: readonly IdempotencyRelease[]): Promise<void> {
    const { accepted, refused } = partitionByKey(releases);
    for (const { key, token } of accepted) {
      const entry = this.entries.get(key);
      if (entry?.state === 'in-progress' && entry.token === token) this.forget(entry);
    }
    if (refused.length > 0) throw new IdempotencyStoreError('release', refusedMessage('release', refused));
  }

  /** Forgets every key. */
  clear(): void {
    this.entries.clear();
    this.claims.clear();
    this.completed.clear();
  }

  /**
   * Writes `key` as the newest entry of its state, making room first when
   * the key is new and the store is full. Returns false, writing nothing, when
   * only live claims could make room.
   */
  private write(
    key: string,
    state: Entry['state'],
    token: string,
    until: number,
    hash: string | undefined,
    now: number,
    room: { swept: boolean },
  ): boolean {
    let entry = this.entries.get(key);
    if (entry !== undefined) {
      this.queueOf(entry).remove(entry);
    } else {
      if (this.entries.size >= this.maxEntries) {
        entry = this.evictOne(now, room); // reused for the new key: a full store allocates nothing
        if (entry === undefined) return false;
        entry.key = key;
      } else {
        entry = { key, state, token, until, hash, prev: undefined, next: undefined };
      }
      this.entries.set(key, entry);
    }
    entry.state = state;
    entry.token = token;
    entry.until = until;
    entry.hash = hash;
    this.queueOf(entry).append(entry);
    return true;
  }

  /**
   * Forgets one entry, in this order: the oldest claim if it has lapsed, the
   * oldest completed key (expired ones are the oldest, as every completion
   * gets the same TTL), any lapsed claim (one pass over the claims, once per
   * store call). Returns the forgotten entry, or `undefined` when every
   * entry is a live claim.
   */
  private evictOne(now: number, room: { swept: boolean }): Entry | undefined {
    const oldestClaim = this.claims.head;
    const victim =
      oldestClaim !== undefined && oldestClaim.until <= now
        ? oldestClaim
        : (this.completed.head ?? this.sweep(now, room));
    if (victim !== undefined) this.forget(victim);
    return victim;
  }

  /** Forgets every lapsed claim but the first, which it returns; does nothing the second time in one call. */
  private sweep(now: number, room: { swept: boolean }): Entry | undefined {
    if (room.swept) return undefined;
    room.swept = true;
    let found: Entry | undefined;
    for (let entry = this.claims.head; entry !== undefined; ) {
      const next = entry.next;
      if (entry.until <= now) {
        if (found === undefined) found = entry;
        else this.forget(entry);
      }
      entry = next;
    }
    return found;
  }

  private forget(entry: Entry): void {
    this.queueOf(entry).remove(entry);
    this.entries.delete(entry.key);
  }

  private queueOf(entry: Entry): Queue {
    return entry.state === 'completed' ? this.completed : this.claims;
  }

  private fullMessage(key: string, what: 'claim' | 'completion'): string {
    return `The memory store is full (maxEntries ${this.maxEntries}) of claims still in progress, so it did not record the ${what} of key ${quoteKey(key)} rather than forget one of them`;
  }
}
