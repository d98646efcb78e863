import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdempotencyClaim, IdempotencyStore } from '../../src/index.js';
import { storeBackends } from '../helpers/stores.js';

const claim = (key: string, token: string, inProgressUntil: number, payloadHash?: string): IdempotencyClaim => ({
  key,
  token,
  inProgressUntil,
  payloadHash,
});

describe.each(storeBackends())('store contract: $name', (backend) => {
  describe.skipIf(backend.skip)('claims', () => {
    let store: IdempotencyStore;
    beforeAll(async () => {
      await backend.open();
      store = await backend.create();
    });
    afterAll(async () => {
      await backend.close();
    });

    it('claims an unseen key, and answers in-progress to a second claimant, with the hash it stored', async () => {
      const now = Date.now();

      const first = await store.claim([claim('a', 't1', now + 60_000, 'hash-a')], now);
      const second = await store.claim([claim('a', 't2', now + 60_000, 'other')], now);

      expect(first).toEqual([{ status: 'claimed' }]);
      expect(second).toEqual([{ status: 'in-progress', inProgressUntil: now + 60_000, payloadHash: 'hash-a' }]);
    });

    it('answers every key of a batch in order, mixing states', async () => {
      const now = Date.now();
      await store.claim([claim('b-held', 't0', now + 60_000)], now);
      await store.complete([{ key: 'b-done', token: 't0', expiresAt: now + 60_000, payloadHash: undefined }], now);

      const results = await store.claim(
        [claim('b-new', 't1', now + 60_000), claim('b-held', 't1', now + 60_000), claim('b-done', 't1', now + 60_000)],
        now,
      );

      expect(results.map((r) => r.status)).toEqual(['claimed', 'in-progress', 'completed']);
    });

    it('lets a claim lapse at inProgressUntil, judged by the caller clock', async () => {
      const now = Date.now();
      await store.claim([claim('c', 't1', now + 1000)], now);

      expect((await store.claim([claim('c', 't2', now + 5000)], now + 999))[0]?.status).toBe('in-progress');
      expect((await store.claim([claim('c', 't2', now + 5000)], now + 1000))[0]?.status).toBe('claimed');
    });

    it('completes keys until expiresAt, over any claim, keeping the payload hash', async () => {
      const now = Date.now();
      await store.claim([claim('d', 't1', now + 60_000)], now);
      await store.complete([{ key: 'd', token: 't1', expiresAt: now + 120_000, payloadHash: 'hash-d' }], now);

      expect(await store.claim([claim('d', 't2', now + 60_000)], now + 119_000)).toEqual([
        { status: 'completed', payloadHash: 'hash-d' },
      ]);
      expect((await store.claim([claim('d', 't2', now + 200_000)], now + 120_000))[0]?.status).toBe('claimed');
    });

    it('renews an in-progress claim under the same token, moving inProgressUntil', async () => {
      const now = Date.now();
      await store.claim([claim('g', 't1', now + 1000, 'hash-g')], now);

      const renewed = await store.claim([claim('g', 't1', now + 5000, 'hash-g')], now + 500);

      expect(renewed).toEqual([{ status: 'claimed' }]);
      expect(await store.claim([claim('g', 't2', now + 9000)], now + 2000)).toEqual([
        { status: 'in-progress', inProgressUntil: now + 5000, payloadHash: 'hash-g' },
      ]);
      expect((await store.claim([claim('g', 't2', now + 9000)], now + 5000))[0]?.status).toBe('claimed');
    });

    it('renews neither a completed key nor a claim under another token', async () => {
      const now = Date.now();
      await store.claim([claim('h-theirs', 'them', now + 60_000)], now);
      await store.claim([claim('h-done', 'me', now + 60_000)], now);
      await store.complete([{ key: 'h-done', token: 'me', expiresAt: now + 60_000, payloadHash: undefined }], now);

      const results = await store.claim(
        [claim('h-theirs', 'me', now + 90_000), claim('h-done', 'me', now + 90_000)],
        now,
      );

      expect(results.map((r) => r.status)).toEqual(['in-progress', 'completed']);
    });

    it('judges expiry by the caller clock, even one far from the real time (simulations)', async () => {
      const now = Date.now() - 3_600_000; // a simulated clock an hour behind
      await store.claim([claim('f', 't1', now + 60_000)], now);
      await store.complete([{ key: 'f', token: 't1', expiresAt: now + 60_000, payloadHash: undefined }], now);

      expect((await store.claim([claim('f', 't2', now + 90_000)], now + 30_000))[0]?.status).toBe('completed');
      expect((await store.claim([claim('f', 't2', now + 90_000)], now + 60_000))[0]?.status).toBe('claimed');
    });

    it('releases only the claimant own in-progress entries', async () => {
      const now = Date.now();
      await store.claim([claim('e-mine', 'me', now + 60_000), claim('e-theirs', 'them', now + 60_000)], now);
      await store.complete([{ key: 'e-done', token: 'me', expiresAt: now + 60_000, payloadHash: undefined }], now);

      await store.release([
        { key: 'e-mine', token: 'me' },
        { key: 'e-theirs', token: 'me' },
        { key: 'e-done', token: 'me' },
        { key: 'e-missing', token: 'me' },
      ]);

      const after = await store.claim(
        [claim('e-mine', 'x', now + 60_000), claim('e-theirs', 'x', now + 60_000), claim('e-done', 'x', now + 60_000)],
        now,
      );
      expect(after.map((r) => r.status)).toEqual(['claimed', 'in-progress', 'completed']);
    });

    it('handles an empty batch and large batches', async () => {
      const now = Date.now();
      expect(await store.claim([], now)).toEqual([]);
      await store.complete([], now);
      await store.release([]);
      const keys = Array.from({ length: 700 }, (_, i) => `bulk-${i}`); // more than one Redis script call (500 keys)

      const claimed = await store.claim(
        keys.map((k) => claim(k, 't', now + 60_000)),
        now,
      );
      await store.complete(
        keys.map((key) => ({ key, token: 't', expiresAt: now + 60_000, payloadHash: undefined })),
        now,
      );
      const again = await store.claim(
        keys.map((k) => claim(k, 'u', now + 60_000)),
        now,
      );

      expect(claimed.every((r) => r.status === 'claimed')).toBe(true);
      expect(again.every((r) => r.status === 'completed')).toBe(true);
    }, 30_000);

    it('gives exactly one claimant each key when claims race', async () => {
      const now = Date.now();
      const keys = Array.from({ length: 20 }, (_, i) => `race-${i}`);

      const all = await Promise.all(
        Array.from({ length: 8 }, (_, c) =>
          store.claim(
            keys.map((k) => claim(k, `token-${c}`, now + 60_000)),
            now,
          ),
        ),
      );

      for (let k = 0; k < keys.length; k++) {
        expect(all.filter((results) => results[k]?.status === 'claimed')).toHaveLength(1);
      }
    });

    it('refuses keys that are not well-formed UTF-16, so two distinct keys never merge', async () => {
      // Stored as UTF-8, every lone surrogate becomes U+FFFD: "\ud800" and "\udfff" would be one key.
      const now = Date.now();
      const lone = ['\ud800', '\udfff', 'order-\ud83d', 'order-\ude00'];

      const results = await store.claim(
        [...lone.map((key, i) => claim(key, `t${i}`, now + 60_000)), claim('fine-\ufffd', 't', now + 60_000)],
        now,
      );

      expect(results.map((r) => r.status)).toEqual(['error', 'error', 'error', 'error', 'claimed']);
      for (const result of results.slice(0, 4)) {
        expect((result as { error: Error }).error.message).toMatch(/is not well-formed UTF-16/);
      }
      // Nothing was written under what UTF-8 makes of them.
      const replaced = ['\ufffd', 'order-\ufffd'].map((key) => claim(key, 'u', now + 60_000));
      expect((await store.claim(replaced, now)).map((r) => r.status)).toEqual(['claimed', 'claimed']);
    });

    it('refuses such keys in complete and release too, writing the other keys of the call', async () => {
      const now = Date.now();
      const done = (key: string) => ({ key, token: 't', expiresAt: now + 60_000, payloadHash: 'h' });
      await store.claim([claim('g-ok', 't', now + 60_000), claim('g-held', 't', now + 60_000)], now);

      await expect(store.complete([done('\ud800'), done('g-ok')], now)).rejects.toThrow(/is not well-formed UTF-16/);
      await expect(
        store.release([
          { key: '\udfff', token: 't' },
          { key: 'g-held', token: 't' },
        ]),
      ).rejects.toThrow(/is not well-formed UTF-16/);

      const after = await store.claim([claim('g-ok', 'u', now + 60_000), claim('g-held', 'u', now + 60_000)], now);
      expect(after).toEqual([{ status: 'completed', payloadHash: 'h' }, { status: 'claimed' }]);
    });

    it('quotes a long key shortened in its errors', async () => {
      const now = Date.now();
      const key = `order-${'x'.repeat(3000)}\ud800`;

      const [result] = await store.claim([claim(key, 't', now + 60_000)], now);

      const { message } = (result as { error: Error }).error;
      expect(message).toMatch(/key#[0-9a-f]{12} \(3,007 chars\)/);
      expect(message).not.toContain('order-');
      expect(message.length).toBeLessThan(300);
    });

    it('accepts keys with any characters', async () => {
      const now = Date.now();
      const key = 'order|42 ünïcødé {tag} "quoted"';

      expect((await store.claim([claim(key, 't', now + 60_000)], now))[0]?.status).toBe('claimed');
      await store.complete([{ key, token: 't', expiresAt: now + 60_000, payloadHash: 'h' }], now);
      expect(await store.claim([claim(key, 'u', now + 60_000)], now)).toEqual([
        { status: 'completed', payloadHash: 'h' },
      ]);
    });
  });
});
