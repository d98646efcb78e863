import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { payloadHash } from '../../src/idempotency/payloadHash.js';
import {
  type ClaimResult,
  createBatchHandler,
  createBatchProcessor,
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyPayloadMismatchError,
  type IdempotencyStore,
  IdempotencyStoreError,
  InvalidOptionsError,
  MemoryIdempotencyStore,
} from '../../src/index.js';
import { DynamoDBIdempotencyStore } from '../../src/stores/dynamodb.js';
import { RedisIdempotencyStore } from '../../src/stores/redis.js';
import { sqsEvent } from '../helpers/events.js';

/** A store whose claim answers are scripted. */
function scripted(answer: (key: string) => ClaimResult | Promise<ClaimResult>): IdempotencyStore & {
  completed: string[];
  released: string[];
} {
  const completed: string[] = [];
  const released: string[] = [];
  return {
    completed,
    released,
    claim: async (claims) => Promise.all(claims.map((c) => answer(c.key))),
    complete: async (c) => void completed.push(...c.map((x) => x.key)),
    release: async (r) => void released.push(...r.map((x) => x.key)),
  };
}

describe('idempotency option checks', () => {
  const store = new MemoryIdempotencyStore();
  it.each<[string, unknown, string]>([
    ['not an object', 'yes', 'Expected `idempotency` to be an object with a `store`, got `"yes"` (string)'],
    ['no store', {}, 'Expected `idempotency.store` to be an idempotency store'],
    [
      'a store missing release',
      { store: { claim() {}, complete() {} } },
      'with `claim`, `complete` and `release` methods',
    ],
    [
      'a key that is not a function',
      { store, key: 'orderId' },
      'Expected `idempotency.key` to be a function, got `"orderId"` (string)',
    ],
    [
      'a zero ttl',
      { store, ttlSeconds: 0 },
      'Expected `idempotency.ttlSeconds` to be a finite number > 0, got `0` (number)',
    ],
    [
      'an infinite timeout',
      { store, timeoutMs: Number.POSITIVE_INFINITY },
      'Expected `idempotency.timeoutMs` to be a finite number > 0',
    ],
    ['a string inProgressTtlSeconds', { store, inProgressTtlSeconds: '60' }, '`idempotency.inProgressTtlSeconds`'],
    [
      'a non-boolean validatePayload',
      { store, validatePayload: 1 },
      'Expected `idempotency.validatePayload` to be a boolean',
    ],
    ['an unknown key', { store, ttl: 5 }, 'Unknown option `idempotency.ttl` (did you mean `idempotency.ttlSeconds`?)'],
  ])('rejects %s', (_label, idempotency, message) => {
    const create = () => createBatchHandler(() => {}, { idempotency } as never);
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(message);
  });
});

describe('idempotency keys and claims', () => {
  it('fails a record whose key function throws or returns a bad key, and runs the others', async () => {
    const store = scripted(() => ({ status: 'claimed' }));
    const ran: string[] = [];
    const processBatch = createBatchProcessor((record) => void ran.push(record.body), {
      idempotency: {
        store,
        key: (record) => {
          if (record.body === 'throw') throw new Error('no key');
          if (record.body === 'empty') return '';
          if (record.body === 'number') return 42 as unknown as string;
          return record.body;
        },
      },
    });

    const { outcomes } = await processBatch(sqsEvent(['ok', 'throw', 'empty', 'number']));

    expect(ran).toEqual(['ok']);
    expect(outcomes.slice(1).every((o) => o.status === 'failed' && o.error instanceof IdempotencyKeyError)).toBe(true);
    expect((outcomes[1] as { error: Error }).error.message).toContain(
      'the idempotency key function threw: Error: no key',
    );
    expect((outcomes[2] as { error: Error }).error.message).toContain('got an empty string');
    expect((outcomes[3] as { error: Error }).error.message).toContain('got number');
  });

  it('claims nothing when no record has a key (all invalid)', async () => {
    const claim = vi.fn();
    const processBatch = createBatchProcessor(() => {}, {
      schema: z.object({ a: z.string() }),
      idempotency: { store: { claim, complete: async () => {}, release: async () => {} } },
    });

    const { outcomes } = await processBatch(sqsEvent(['nope']));

    expect(claim).not.toHaveBeenCalled();
    expect(outcomes[0]?.status).toBe('invalid');
  });

  it('fails closed when the store answers the wrong number of results or an unknown status', async () => {
    const short: IdempotencyStore = { claim: async () => [], complete: async () => {}, release: async () => {} };
    const odd = scripted(() => ({ status: 'maybe' }) as unknown as ClaimResult);
    const run = vi.fn();

    const a = await createBatchProcessor(run, { idempotency: { store: short } })(sqsEvent(['x']));
    const b = await createBatchProcessor(run, { idempotency: { store: odd } })(sqsEvent(['x']));

    expect(run).not.toHaveBeenCalled();
    expect((a.outcomes[0] as { error: Error }).error).toBeInstanceOf(IdempotencyStoreError);
    expect((a.outcomes[0] as { error: Error }).error.message).toContain('0 results for 1 claims');
    expect((b.outcomes[0] as { error: Error }).error.message).toContain('unknown status');
  });

  it('fails closed when the store takes longer than timeoutMs', async () => {
    const slow = scripted(() => new Promise<ClaimResult>(() => {}));
    const run = vi.fn();

    const { outcomes } = await createBatchProcessor(run, { idempotency: { store: slow, timeoutMs: 20 } })(
      sqsEvent(['x']),
    );

    expect(run).not.toHaveBeenCalled();
    expect((outcomes[0] as { error: IdempotencyStoreError }).error.operation).toBe('claim');
    expect((outcomes[0] as { error: Error }).error.message).toContain('within 20 ms');
  });

  it('keeps an error the store reports per key, and a mismatch against an in-progress claim', async () => {
    const own = new IdempotencyStoreError('claim', 'throttled');
    const store = scripted((key) =>
      key === 'a'
        ? { status: 'error', error: own }
        : { status: 'in-progress', inProgressUntil: Date.now() + 1000, payloadHash: 'different' },
    );
    const processBatch = createBatchProcessor(() => {}, {
      idempotency: { store, key: (record) => record.body, validatePayload: true },
    });

    const { outcomes } = await processBatch(sqsEvent(['a', 'b']));

    expect((outcomes[0] as { error: unknown }).error).toBe(own);
    expect((outcomes[1] as { error: unknown }).error).toBeInstanceOf(IdempotencyPayloadMismatchError);
  });

  it('completes succeeded records and releases failed and skipped ones, but not records still running', async () => {
    const store = scripted(() => ({ status: 'claimed' }));
    const processBatch = createBatchProcessor(
      (record) => {
        if (record.body === 'fail') throw new Error('x');
      },
      { idempotency: { store, key: (record) => record.body } },
    );

    await processBatch(sqsEvent(['ok', 'fail', 'after'], { fifo: true }));

    expect(store.completed).toEqual(['ok']);
    expect(store.released).toEqual(['fail', 'after']);
  });

  it('a follower of a leader that a FIFO failure skipped is reported, not run', async () => {
    const store = scripted(() => ({ status: 'claimed' }));
    const ran: string[] = [];
    const processBatch = createBatchProcessor(
      (record) => {
        ran.push(record.body);
        if (record.body === 'boom') throw new Error('x');
      },
      {
        fifoFailure: 'stop-group',
        concurrency: 2,
        idempotency: { store, key: (record) => record.body.replace(/-\d$/, '') },
      },
    );
    const event = sqsEvent(['boom', 'k-1', 'other', 'k-2'], { fifo: true, groupId: (i) => (i < 2 ? 'g1' : 'g2') });

    const { outcomes } = await processBatch(event);

    expect(ran).toEqual(['boom', 'other']);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'skipped', 'succeeded', 'failed']);
    expect((outcomes[3] as { error: unknown }).error).toBeInstanceOf(IdempotencyInProgressError);
  });

  it('logs a release that fails, and a store call that throws synchronously', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const store: IdempotencyStore = {
      claim: async (claims) => claims.map(() => ({ status: 'claimed' })),
      complete: async () => {},
      release: () => {
        throw new Error('release exploded');
      },
    };
    const processBatch = createBatchProcessor(
      () => {
        throw new Error('x');
      },
      { logger, idempotency: { store } },
    );

    await processBatch(sqsEvent(['a']));

    const logged = logger.error.mock.calls.find(([message]) => String(message).startsWith('Idempotency store'));
    const error = (logged?.[1] as { error?: IdempotencyStoreError } | undefined)?.error;
    expect(error?.operation).toBe('release');
    expect(error?.message).toContain('release exploded');
  });
});

describe('payloadHash', () => {
  it('is stable across key order, distinguishes values, and hashes strings as themselves', () => {
    expect(payloadHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(payloadHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(payloadHash({ a: 1 })).not.toBe(payloadHash({ a: 2 }));
    expect(payloadHash('{"a":1}')).not.toBe(payloadHash({ a: 1, b: undefined, c: 10n }));
    expect(payloadHash('text')).toMatch(/^[\w-]{43}$/);
  });
});

describe('MemoryIdempotencyStore', () => {
  it('forgets the least recently written completed keys past maxEntries', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2 });
    const now = Date.now();
    const claim = (key: string) =>
      store.claim([{ key, token: 't', inProgressUntil: now + 1000, payloadHash: undefined }], now);
    const complete = (key: string) =>
      store.complete([{ key, token: 't', expiresAt: now + 1000, payloadHash: undefined }], now);

    await complete('a');
    await complete('b');
    await complete('c');

    expect(store.size).toBe(2);
    expect((await claim('a'))[0]?.status).toBe('claimed'); // a was forgotten
    store.clear();
    expect(store.size).toBe(0);
  });

  it('checks its options', () => {
    expect(() => new MemoryIdempotencyStore({ maxEntries: 0 })).toThrow(
      'Expected `maxEntries` to be an integer >= 1, got `0` (number)',
    );
    expect(() => new MemoryIdempotencyStore({ max: 1 } as never)).toThrow(InvalidOptionsError);
  });
});

describe('store constructors', () => {
  it('RedisIdempotencyStore needs an ioredis or node-redis client and a string prefix', () => {
    expect(() => new RedisIdempotencyStore({ client: {} as never })).toThrow(InvalidOptionsError);
    expect(() => new RedisIdempotencyStore(undefined as never)).toThrow(/got `undefined`/);
    expect(() => new RedisIdempotencyStore({ client: null as never })).toThrow(/got `null`/);
    expect(() => new RedisIdempotencyStore({ client: { call: async () => null }, keyPrefix: 5 as never })).toThrow(
      'Expected `keyPrefix` to be a string, got `5` (number)',
    );
  });

  it('RedisIdempotencyStore turns an unexpected reply into a per-key error, and passes other errors on', async () => {
    const weird = new RedisIdempotencyStore({ client: { call: async () => ['x|y'] } });
    const failing = new RedisIdempotencyStore({
      client: {
        call: async () => {
          throw new Error('READONLY You cannot write against a read only replica.');
        },
      },
    });

    const [result] = await weird.claim([{ key: 'k', token: 't', inProgressUntil: 1, payloadHash: undefined }], 0);

    expect(result?.status).toBe('error');
    await expect(failing.complete([{ key: 'k', token: 't', expiresAt: 1, payloadHash: undefined }], 0)).rejects.toThrow(
      'READONLY',
    );
  });

  it('DynamoDBIdempotencyStore needs a table name', () => {
    expect(() => new DynamoDBIdempotencyStore({ tableName: '' })).toThrow(InvalidOptionsError);
    expect(() => new DynamoDBIdempotencyStore(undefined as never)).toThrow('got undefined');
  });
});
