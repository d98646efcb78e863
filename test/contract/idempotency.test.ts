import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  createBatchHandler,
  createBatchProcessor,
  IdempotencyInProgressError,
  IdempotencyPayloadMismatchError,
  type IdempotencyStore,
  IdempotencyStoreError,
} from '../../src/index.js';
import { failedIds, lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.js';
import { storeBackends } from '../helpers/stores.js';

const Order = z.object({ orderId: z.string(), amountCents: z.number().int(), fail: z.boolean().optional() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(storeBackends())('idempotent handler semantics: $name', (backend) => {
  describe.skipIf(backend.skip)('through the handler', () => {
    let store: IdempotencyStore;
    beforeAll(async () => {
      await backend.open();
      store = await backend.create();
    });
    afterAll(async () => {
      await backend.close();
    });

    /** A handler keyed by orderId that counts how often each order's work ran. */
    function charging(options: { validatePayload?: boolean; ttlSeconds?: number; concurrency?: number } = {}) {
      const runs = new Map<string, number>();
      const processBatch = createBatchProcessor(
        async (record) => {
          runs.set(record.body.orderId, (runs.get(record.body.orderId) ?? 0) + 1);
          await sleep(1);
          if (record.body.fail) throw new Error(`card declined for ${record.body.orderId}`);
        },
        {
          schema: Order,
          concurrency: options.concurrency ?? 1,
          idempotency: {
            store,
            key: (record) => record.body.orderId,
            ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
            ...(options.validatePayload === undefined ? {} : { validatePayload: options.validatePayload }),
          },
        },
      );
      return { runs, processBatch };
    }

    it('1-2. runs a new key once; a redelivery (same messageId) or a resend (new messageId) is a duplicate, reported as success', async () => {
      const { runs, processBatch } = charging();
      const first = sqsEvent([{ orderId: 'o-1', amountCents: 100 }]);
      const resent = sqsEvent([{ orderId: 'o-1', amountCents: 100 }]);

      const a = await processBatch(first);
      const b = await processBatch(first);
      const c = await processBatch(resent);

      expect(runs.get('o-1')).toBe(1);
      expect(a.outcomes[0]?.status).toBe('succeeded');
      expect(b.outcomes[0]).toMatchObject({ status: 'duplicate', key: 'o-1' });
      expect(c.outcomes[0]?.status).toBe('duplicate');
      expect(b.response.batchItemFailures).toEqual([]);
      expect(c.response.batchItemFailures).toEqual([]);
    });

    it('defaults the key to the messageId', async () => {
      let runs = 0;
      const handler = createBatchHandler(
        () => {
          runs++;
        },
        { idempotency: { store } },
      );
      const record = sqsRecord('same body');

      await handler(sqsEvent([record]));
      await handler(sqsEvent([record]));
      await handler(sqsEvent(['same body']));

      expect(runs).toBe(2);
    });

    it('3. fails a record whose key another invocation holds, without running it', async () => {
      const { runs, processBatch } = charging();
      await store.claim(
        [{ key: 'o-3', token: 'another-invocation', inProgressUntil: Date.now() + 60_000, payloadHash: undefined }],
        Date.now(),
      );
      const event = sqsEvent([
        { orderId: 'o-3', amountCents: 1 },
        { orderId: 'o-3b', amountCents: 1 },
      ]);

      const { outcomes, response } = await processBatch(event);

      expect(runs.has('o-3')).toBe(false);
      expect(outcomes[0]).toMatchObject({ status: 'failed', error: expect.any(IdempotencyInProgressError) });
      expect(failedIds(response)).toEqual([event.Records[0]?.messageId]);
    });

    it('3. holds claims until the invocation deadline, so a timed-out invocation blocks its keys only briefly', async () => {
      let calls = 0;
      const processBatch = createBatchProcessor(
        async () => {
          calls++;
          if (calls === 1) await new Promise(() => {}); // hangs past the deadline
        },
        { timeoutMarginMs: 100, idempotency: { store, key: () => `deadline-${backend.name}` } },
      );

      const first = await processBatch(sqsEvent(['hang']), lambdaContext({ remainingMs: 400 }));
      const blocked = await processBatch(sqsEvent(['hang']), lambdaContext({ remainingMs: 5000 }));
      await sleep(150);
      const after = await processBatch(sqsEvent(['hang']), lambdaContext({ remainingMs: 5000 }));

      expect(first.outcomes[0]?.status).toBe('failed');
      expect(blocked.outcomes[0]).toMatchObject({ status: 'failed', error: expect.any(IdempotencyInProgressError) });
      expect(after.outcomes[0]?.status).toBe('succeeded');
      expect(calls).toBe(2);
    });

    it('3. without a context, claims last the documented default (900 s)', async () => {
      const processBatch = createBatchProcessor(() => {}, {
        idempotency: { store, key: () => `no-context-${backend.name}` },
      });
      const before = Date.now();
      const hold = store.claim; // observe the claim the processor makes
      let until = 0;
      const spy: IdempotencyStore = {
        claim: (claims, now) => {
          until = claims[0]?.inProgressUntil ?? 0;
          return hold.call(store, claims, now);
        },
        complete: (c, now) => store.complete(c, now),
        release: (r) => store.release(r),
      };
      await createBatchProcessor(() => {}, { idempotency: { store: spy } })(sqsEvent(['x']));
      await processBatch(sqsEvent(['y']));

      expect(until - before).toBeGreaterThanOrEqual(900_000);
      expect(until - Date.now()).toBeLessThanOrEqual(900_000);
    });

    it('4. releases the claim when processRecord fails, so the retry runs the work', async () => {
      const { runs, processBatch } = charging();
      const failing = sqsEvent([{ orderId: 'o-4', amountCents: 1, fail: true }]);

      const first = await processBatch(failing);
      const retry = await processBatch(failing);

      expect(runs.get('o-4')).toBe(2);
      expect(first.outcomes[0]?.status).toBe('failed');
      expect(retry.outcomes[0]?.status).toBe('failed');
    });

    it('5. runs a key that appears twice in one batch once; the second follows the first', async () => {
      const { runs, processBatch } = charging({ concurrency: 4 });
      const event = sqsEvent([
        { orderId: 'o-5', amountCents: 1 },
        { orderId: 'o-5f', amountCents: 1, fail: true },
        { orderId: 'o-5', amountCents: 1 },
        { orderId: 'o-5f', amountCents: 1, fail: true },
      ]);

      const { outcomes, response } = await processBatch(event);

      expect(runs.get('o-5')).toBe(1);
      expect(runs.get('o-5f')).toBe(1);
      expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'failed', 'duplicate', 'failed']);
      expect(outcomes[3]).toMatchObject({ error: expect.any(IdempotencyInProgressError) });
      expect(failedIds(response)).toEqual([event.Records[1]?.messageId, event.Records[3]?.messageId]);
    });

    it('5. in FIFO order a follower waits for its leader in another group', async () => {
      const order: string[] = [];
      const processBatch = createBatchProcessor(
        async (record) => {
          order.push(record.body.orderId);
          await sleep(5);
        },
        { schema: Order, concurrency: 2, idempotency: { store, key: (r) => `fifo-${backend.name}-${r.body.orderId}` } },
      );
      const event = sqsEvent(
        [
          { orderId: 'a', amountCents: 1 },
          { orderId: 'x', amountCents: 1 },
          { orderId: 'x', amountCents: 1 },
        ],
        { fifo: true, groupId: (i) => (i === 2 ? 'g2' : 'g1') },
      );

      const { outcomes } = await processBatch(event);

      expect(order).toEqual(['a', 'x']);
      expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'duplicate']);
    });

    it('validatePayload: the same key with a different body fails with IdempotencyPayloadMismatchError', async () => {
      const { runs, processBatch } = charging({ validatePayload: true });

      await processBatch(sqsEvent([{ orderId: 'o-p', amountCents: 100 }]));
      const same = await processBatch(sqsEvent([{ amountCents: 100, orderId: 'o-p' }]));
      const different = await processBatch(sqsEvent([{ orderId: 'o-p', amountCents: 999 }]));
      const inBatch = await processBatch(
        sqsEvent([
          { orderId: 'o-q', amountCents: 1 },
          { orderId: 'o-q', amountCents: 2 },
        ]),
      );

      expect(runs.get('o-p')).toBe(1);
      expect(same.outcomes[0]?.status).toBe('duplicate');
      expect(different.outcomes[0]).toMatchObject({
        status: 'failed',
        error: expect.any(IdempotencyPayloadMismatchError),
      });
      expect(inBatch.outcomes.map((o) => o.status)).toEqual(['succeeded', 'failed']);
    });

    it('keys built from bodies with lone surrogates never merge ({"orderId":"\\ud800"} and {"orderId":"\\udfff"})', async () => {
      const { runs, processBatch } = charging({ ttlSeconds: 1 }); // leaves no key behind for long
      const order = (id: string) => sqsEvent([sqsRecord(`{"orderId":"${id}","amountCents":1}`)]);

      const first = await processBatch(order('\\ud800'));
      const second = await processBatch(order('\\udfff'));
      const replaced = await processBatch(order('\\ufffd'));

      expect(first.outcomes[0]?.status).toBe('failed');
      expect(second.outcomes[0]?.status).toBe('failed'); // never a duplicate of the first
      expect(replaced.outcomes[0]?.status).toBe('succeeded');
      expect([...runs.keys()]).toEqual(['\ufffd']);
    });

    it('8. runs an expired completed key again', async () => {
      const { runs, processBatch } = charging({ ttlSeconds: 0.3 });
      const event = sqsEvent([{ orderId: 'o-8', amountCents: 1 }]);

      await processBatch(event);
      await processBatch(event);
      await sleep(400);
      await processBatch(event);

      expect(runs.get('o-8')).toBe(2);
    });

    it('7. concurrent invocations over overlapping keys run each key exactly once', async () => {
      const keys = Array.from({ length: 30 }, (_, i) => `race-${backend.name}-${i}`);
      const runs = new Map<string, number>();
      const handler = createBatchHandler(
        async (record) => {
          runs.set(record.body.orderId, (runs.get(record.body.orderId) ?? 0) + 1);
          await sleep(2);
        },
        {
          schema: Order,
          concurrency: 5,
          throwOnFullBatchFailure: false,
          idempotency: { store, key: (r) => r.body.orderId },
        },
      );
      // 6 "pollers", each with its own batches drawn from overlapping keys; failed records are redelivered until done
      const pending = new Map(keys.map((orderId) => [orderId, 0]));
      for (let round = 0; round < 50 && pending.size > 0; round++) {
        const batches = Array.from({ length: 6 }, (_, p) =>
          sqsEvent(
            [...pending.keys()]
              .filter((_, i) => (i + p) % 2 === 0 || p % 3 === 0)
              .map((orderId) => ({ orderId, amountCents: 1 })),
          ),
        );
        const responses = await Promise.all(batches.map((batch) => handler(batch)));
        const stillFailing = new Set<string>();
        responses.forEach((response, b) => {
          const failedSet = new Set(failedIds(response));
          for (const record of batches[b]?.Records ?? []) {
            if (failedSet.has(record.messageId)) stillFailing.add(JSON.parse(record.body).orderId);
          }
        });
        for (const key of [...pending.keys()]) if (!stillFailing.has(key)) pending.delete(key);
        await sleep(5);
      }

      expect(pending.size).toBe(0);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect(runs.size).toBe(keys.length);
    });

    it('6. a store that errors on claim fails the records closed; one that fails to complete keeps them successful and logs', async () => {
      const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
      const broken = (which: 'claim' | 'complete'): IdempotencyStore => ({
        claim: which === 'claim' ? () => Promise.reject(new Error('store down')) : (c, now) => store.claim(c, now),
        complete:
          which === 'complete' ? () => Promise.reject(new Error('store down')) : (c, now) => store.complete(c, now),
        release: (r) => store.release(r),
      });
      let runs = 0;
      const make = (which: 'claim' | 'complete') =>
        createBatchProcessor(
          () => {
            runs++;
          },
          { logger, idempotency: { store: broken(which), key: (r) => `broken-${which}-${backend.name}-${r.body}` } },
        );

      const claimFails = await make('claim')(sqsEvent(['a', 'b']));
      expect(runs).toBe(0);
      expect(claimFails.outcomes.every((o) => o.status === 'failed' && o.error instanceof IdempotencyStoreError)).toBe(
        true,
      );
      expect(claimFails.response.batchItemFailures).toHaveLength(2);

      const completeFails = await make('complete')(sqsEvent(['a']));
      expect(runs).toBe(1);
      expect(completeFails.outcomes[0]?.status).toBe('succeeded');
      expect(logger.error).toHaveBeenCalledWith(
        'Idempotency store call failed; records keep their outcome',
        expect.objectContaining({ error: expect.any(IdempotencyStoreError) }),
      );
    });
  });
});
