// MemoryIdempotencyStore at maxEntries 100,000: how long claiming a batch of
// 10,000 new keys takes while the store fills, and once every new key evicts
// an old one. Each batch is then completed, as the engine does, so the store
// fills with completed keys, the ones it may evict. Times are CPU time of this
// process, steadier than wall time on a shared machine. With O(1) eviction the
// evicting batches cost the same however many there are (in our runs about
// 2x a filling batch); 0.1.0's grew with the evictions before them (45x).
import { MemoryIdempotencyStore } from '../../src/index.js';
import { median, table } from './fixtures.js';

const MAX_ENTRIES = 100_000;
const gc = (globalThis as { gc?: () => void }).gc;
const BATCH = 10_000;

export interface EvictionRow {
  readonly phase: 'filling' | 'evicting';
  readonly batches: number;
  readonly ms: number;
}

/** Claims `rounds` batches of 10,000 new keys into one store (10 rounds fill it); median claim time per phase. */
export async function measureStoreEviction(rounds: number): Promise<EvictionRow[]> {
  const store = new MemoryIdempotencyStore({ maxEntries: MAX_ENTRIES });
  const filling: number[] = [];
  const evicting: number[] = [];
  const now = Date.now();
  for (let round = 0; round < rounds; round++) {
    const keys = Array.from({ length: BATCH }, (_, i) => `order-${round}-${i}`);
    const full = store.size >= MAX_ENTRIES;
    gc?.(); // each batch starts on a collected heap, so one phase does not pay for the other's garbage
    const started = process.cpuUsage();
    const results = await store.claim(
      keys.map((key) => ({ key, token: 't', inProgressUntil: now + 60_000, payloadHash: undefined })),
      now,
    );
    const { user, system } = process.cpuUsage(started);
    (full ? evicting : filling).push((user + system) / 1000);
    if (results.some((r) => r.status !== 'claimed')) throw new Error('a claim was refused');
    await store.complete(
      keys.map((key) => ({ key, token: 't', expiresAt: now + 3_600_000, payloadHash: undefined })),
      now,
    );
  }
  return [
    { phase: 'filling', batches: filling.length, ms: median(filling) },
    { phase: 'evicting', batches: evicting.length, ms: median(evicting) },
  ];
}

export function storeEvictionTable(rows: readonly EvictionRow[]): string {
  const [filling, evicting] = rows;
  const ratio = filling && evicting ? (evicting.ms / filling.ms).toFixed(2) : 'n/a';
  return `${table(
    ['MemoryIdempotencyStore, maxEntries 100,000', 'batches of 10,000 claims', 'CPU ms per batch (median)'],
    rows.map((r) => [r.phase, r.batches, r.ms.toFixed(1)]),
  )}\n\nevicting / filling: **${ratio}x**`;
}
