import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createBatchProcessor,
  type IdempotencyClaim,
  IdempotencyStoreError,
  MemoryIdempotencyStore,
} from '../../src/index.js';
import { sqsEvent } from '../helpers/events.js';

const NOW = 1_000_000;

const claimOf = (key: string, inProgressUntil = NOW + 60_000, token = 't'): IdempotencyClaim => ({
  key,
  token,
  inProgressUntil,
  payloadHash: undefined,
});
const completion = (key: string, expiresAt = NOW + 60_000) => ({ key, token: 't', expiresAt, payloadHash: undefined });

/** The status each key would get if claimed now (claiming them as a side effect). */
async function statuses(store: MemoryIdempotencyStore, keys: string[], now = NOW): Promise<string[]> {
  return (
    await store.claim(
      keys.map((k) => claimOf(k, now + 60_000, 'probe')),
      now,
    )
  ).map((r) => r.status);
}

describe('MemoryIdempotencyStore: what a full store forgets', () => {
  it('forgets the least recently written completed key first', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2 });
    await store.complete([completion('a'), completion('b')], NOW);
    await store.complete([completion('a')], NOW); // rewritten: now b is the oldest

    expect(await store.claim([claimOf('c')], NOW)).toEqual([{ status: 'claimed' }]);
    expect(store.size).toBe(2);
    expect(await statuses(store, ['a'])).toEqual(['completed']);
    expect(store.size).toBe(2); // a was there: no eviction
  });

  it('forgets completed keys before claims in progress, even older claims', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 3 });
    await store.claim([claimOf('held-1'), claimOf('held-2')], NOW);
    await store.complete([completion('done')], NOW);

    await store.claim([claimOf('new')], NOW);

    const probe = await store.claim([claimOf('held-1', NOW + 1, 'x'), claimOf('held-2', NOW + 1, 'x')], NOW);
    expect(probe.map((r) => r.status)).toEqual(['in-progress', 'in-progress']);
    expect(store.size).toBe(3);
  });

  it('forgets a lapsed claim before a completed key', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2 });
    await store.claim([claimOf('lapsed', NOW + 10)], NOW);
    await store.complete([completion('done', NOW + 60_000)], NOW);

    await store.claim([claimOf('new', NOW + 60_000)], NOW + 10);

    const probe = await store.claim([claimOf('done', NOW + 60_000, 'x'), claimOf('new', NOW + 60_000, 'x')], NOW + 10);
    expect(probe.map((r) => r.status)).toEqual(['completed', 'in-progress']);
  });

  it('finds a lapsed claim behind a live one (claims written out of deadline order)', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 3 });
    await store.claim([claimOf('long', NOW + 60_000)], NOW);
    await store.claim([claimOf('short-1', NOW + 10), claimOf('short-2', NOW + 10)], NOW);

    const results = await store.claim([claimOf('new-1', NOW + 60_000), claimOf('new-2', NOW + 60_000)], NOW + 10);

    expect(results).toEqual([{ status: 'claimed' }, { status: 'claimed' }]);
    expect((await store.claim([claimOf('long', NOW + 60_000, 'x')], NOW + 10))[0]?.status).toBe('in-progress');
  });

  it('fails a new claim closed when only live claims are left, and forgets none of them', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2 });
    await store.claim([claimOf('a'), claimOf('b')], NOW);

    const [result] = await store.claim([claimOf('c')], NOW);

    expect(result?.status).toBe('error');
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(IdempotencyStoreError);
    expect((error as IdempotencyStoreError).operation).toBe('claim');
    expect((error as Error).message).toMatch(
      /^The memory store is full \(maxEntries 2\) of claims still in progress, so it did not record the claim of key key#[0-9a-f]{12} \(1 chars\) rather than forget one of them$/,
    );
    expect(
      (await store.claim([claimOf('a', NOW + 1, 'x'), claimOf('b', NOW + 1, 'x')], NOW)).map((r) => r.status),
    ).toEqual(['in-progress', 'in-progress']);
    // Once a claim is released, the key fits.
    await store.release([{ key: 'a', token: 't' }]);
    expect(await store.claim([claimOf('c')], NOW)).toEqual([{ status: 'claimed' }]);
  });

  it('two batches with more keys than maxEntries never both run a key', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 3 });
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const processBatch = createBatchProcessor(
      async (record) => {
        ran.push(record.body);
        await gate;
      },
      { concurrency: 5, idempotency: { store, key: (record) => record.body } },
    );
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];

    const first = processBatch(sqsEvent(keys));
    await vi.waitFor(() => expect(ran.length).toBe(3));
    const second = processBatch(sqsEvent(keys));
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const [a, b] = await Promise.all([first, second]);

    expect(new Set(ran).size).toBe(ran.length); // no key ran twice
    expect(a.outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed', 'failed']);
    expect(b.outcomes.every((o) => o.status === 'failed' || o.status === 'duplicate')).toBe(true);
  });

  it('a completion that finds only live claims is not recorded, and says so; the others are', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2 });
    await store.claim([claimOf('a'), claimOf('b')], NOW);

    await expect(store.complete([completion('elsewhere'), completion('a')], NOW)).rejects.toThrow(
      /did not complete 1 of the keys; it wrote the others\. The memory store is full \(maxEntries 2\)/,
    );
    expect(await statuses(store, ['a'])).toEqual(['completed']);
  });
});

describe('MemoryIdempotencyStore: eviction is O(1) per key', () => {
  const iteration = ['keys', 'values', 'entries', 'forEach', Symbol.iterator] as const;
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('claims 10,000 new keys into a full store without iterating its index', async () => {
    // 0.1.0 evicted with `entries.keys().next()` per key: V8 skips every deleted slot
    // from the start of the Map on each call, so a full store went quadratic.
    const store = new MemoryIdempotencyStore({ maxEntries: 20_000 });
    const fill = Array.from({ length: 20_000 }, (_, i) => `old-${i}`);
    await store.claim(
      fill.map((k) => claimOf(k)),
      NOW,
    );
    await store.complete(
      fill.map((k) => completion(k)),
      NOW,
    );
    const spies = iteration.map((method) => vi.spyOn(Map.prototype, method as 'keys'));

    const pending = store.claim(
      Array.from({ length: 10_000 }, (_, i) => claimOf(`new-${i}`)),
      NOW,
    ); // the work is synchronous: nothing else runs until it returns
    const calls = spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    const results = await pending;

    expect(calls).toBe(0);
    expect(results.every((r) => r.status === 'claimed')).toBe(true);
    expect(store.size).toBe(20_000);
    expect(await statuses(store, ['old-10001', 'old-9999'])).toEqual(['completed', 'claimed']);
  });
});
