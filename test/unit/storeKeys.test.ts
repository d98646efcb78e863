import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { keyRefusal, quoteKey } from '../../src/idempotency/keys.js';
import {
  IdempotencyInProgressError,
  IdempotencyPayloadMismatchError,
  IdempotencyStoreError,
  InvalidOptionsError,
} from '../../src/index.js';
import { DynamoDBIdempotencyStore } from '../../src/stores/dynamodb.js';
import { RedisIdempotencyStore } from '../../src/stores/redis.js';

const long = `order-${'9'.repeat(2042)}`; // 2,048 chars

describe('quoteKey', () => {
  const fingerprint = (key: string) => createHash('sha256').update(key, 'utf16le').digest('hex').slice(0, 12);

  it.each<[string, string, number]>([
    ['a short key', 'order-1', 7],
    ['a long key', long, 2048],
    ['a key with a lone surrogate', 'a\ud800"b', 4],
    ['a huge key', 'x'.repeat(1_234_567), 1_234_567],
  ])('names %s by fingerprint and length, quoting none of it', (_label, key, length) => {
    const quoted = quoteKey(key);
    expect(quoted).toBe(`key#${fingerprint(key)} (${length.toLocaleString('en-US')} chars)`);
    expect(quoted).not.toContain(key.slice(0, 5));
  });

  it('tells keys apart that UTF-8 would merge', () => {
    expect(quoteKey('\ud800')).not.toBe(quoteKey('\udfff'));
  });

  it('idempotency errors never quote the key, which they keep as a property', () => {
    const inProgress = new IdempotencyInProgressError('m-1', long, 'is held');
    const mismatch = new IdempotencyPayloadMismatchError('m-1', long);

    for (const error of [inProgress, mismatch]) {
      expect(error.message).not.toContain('order-');
      expect(error.key).toBe(long);
    }
  });
});

describe('keyRefusal', () => {
  it('accepts well-formed strings and refuses lone surrogates and non-strings', () => {
    expect(keyRefusal('order-😀-\ufffd')).toBeUndefined();
    expect(keyRefusal('a\udc00')).toMatch(/^Idempotency key key#[0-9a-f]{12} \(2 chars\) is not well-formed UTF-16/);
    expect(keyRefusal(42)).toBe('An idempotency key must be a string, got number');
    expect(keyRefusal(null)).toBe('An idempotency key must be a string, got null');
  });
});

describe('DynamoDBIdempotencyStore refuses what DynamoDB would reject or merge, without a request', () => {
  const make = () => {
    const send = vi.fn(async () => ({}));
    return { send, store: new DynamoDBIdempotencyStore({ tableName: 't', client: { send } as never }) };
  };
  const oversized = `order-${'x'.repeat(3000)}`;

  it('answers a key over 2,048 bytes of UTF-8 with an error quoting it shortened', async () => {
    const { send, store } = make();

    const [result] = await store.claim([{ key: oversized, token: 't', inProgressUntil: 1, payloadHash: undefined }], 0);

    expect(send).not.toHaveBeenCalled();
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(IdempotencyStoreError);
    expect((error as Error).message).toBe(
      `Idempotency key ${quoteKey(oversized)} is 3006 bytes in UTF-8; a DynamoDB partition key holds at most 2048`,
    );
  });

  it('counts bytes, not characters', async () => {
    const { store } = make();
    const wide = 'é'.repeat(1025); // 1,025 chars, 2,050 bytes

    const [result] = await store.claim([{ key: wide, token: 't', inProgressUntil: 1, payloadHash: undefined }], 0);

    expect((result as { error: Error }).error.message).toMatch(/is 2050 bytes in UTF-8/);
  });

  it('completes the other keys of the call, then rejects for the refused ones', async () => {
    const { send, store } = make();

    const completing = store.complete(
      [
        { key: oversized, token: 't', expiresAt: 1, payloadHash: undefined },
        { key: 'ok', token: 't', expiresAt: 1, payloadHash: undefined },
        { key: '\udfff', token: 't', expiresAt: 1, payloadHash: undefined },
      ],
      0,
    );

    await expect(completing).rejects.toThrow(
      /^The store did not complete 2 of the keys; it wrote the others\. Idempotency key key#[0-9a-f]{12} \(3,006 chars\) is 3006 bytes .* \(and 1 more keys refused\)$/,
    );
    expect(send).toHaveBeenCalledTimes(1);
    const [command] = send.mock.calls[0] as unknown as [{ input: { RequestItems: Record<string, unknown[]> } }];
    expect(command.input.RequestItems.t).toHaveLength(1);
  });
});

describe('RedisIdempotencyStore', () => {
  it('rejects a key prefix that is not well-formed UTF-16, since every key would then be', () => {
    expect(() => new RedisIdempotencyStore({ client: { call: async () => [] }, keyPrefix: 'app:\ud800' })).toThrow(
      new InvalidOptionsError('Expected `keyPrefix` to be well-formed UTF-16 (no lone surrogate), got "app:\\ud800"'),
    );
  });

  it('quotes an unexpected reply shortened, or names its type', async () => {
    const replies: unknown[] = [`x${'y'.repeat(5000)}`, 42, null, [1], Buffer.from('zz')];
    const store = new RedisIdempotencyStore({ client: { call: async () => replies } });
    const claims = replies.map((_, i) => ({ key: `k${i}`, token: 't', inProgressUntil: 1, payloadHash: undefined }));

    const results = await store.claim(claims, 0);

    expect(results.map((r) => (r as { error: Error }).error.message)).toEqual([
      `Unexpected Redis reply for a claim: ${quoteKey(`x${'y'.repeat(5000)}`)}`,
      'Unexpected Redis reply for a claim: number',
      'Unexpected Redis reply for a claim: null',
      'Unexpected Redis reply for a claim: an array',
      'Unexpected Redis reply for a claim: a 2-byte buffer',
    ]);
  });
});
