import { describe, expect, it } from 'vitest';
import {
  describeError,
  FullBatchFailureError,
  IdempotencyPayloadError,
  InvalidEventError,
  InvalidOptionsError,
  InvocationTimeoutError,
  type RecordOutcome,
  RecordValidationError,
  SqsPartialBatchError,
} from '../../src/index.js';

describe('errors', () => {
  it.each([
    [
      new RecordValidationError('m-1', 'schema', [{ message: 'bad', path: [] }]),
      'RecordValidationError',
      'RECORD_VALIDATION',
    ],
    [new FullBatchFailureError([]), 'FullBatchFailureError', 'FULL_BATCH_FAILURE'],
    [new InvalidEventError('x'), 'InvalidEventError', 'INVALID_EVENT'],
    [new InvalidOptionsError('x'), 'InvalidOptionsError', 'INVALID_OPTIONS'],
    [new InvocationTimeoutError('x'), 'InvocationTimeoutError', 'INVOCATION_TIMEOUT'],
    [new IdempotencyPayloadError('m-1', 'x'), 'IdempotencyPayloadError', 'IDEMPOTENCY_PAYLOAD'],
  ])('%s has a literal name and code and shares one base class', (error, name, code) => {
    expect(error).toBeInstanceOf(SqsPartialBatchError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('passes the cause through', () => {
    const cause = new Error('root');
    expect(new InvalidEventError('x', { cause }).cause).toBe(cause);
  });

  it('formats validation issue paths with dots and indexes', () => {
    const error = new RecordValidationError('m-1', 'schema', [
      { message: 'Required', path: ['lines', 0, 'sku'] },
      { message: 'Too small', path: [2] },
      { message: 'Unknown', path: [Symbol.for('s')] },
    ]);

    expect(error.message).toBe(
      'Record "m-1" failed schema validation: lines[0].sku: Required; [2]: Too small; Symbol(s): Unknown',
    );
    expect(error.issues).toHaveLength(3);
  });

  it('keeps object path segments from Standard Schema issues as their keys', async () => {
    const { createBatchProcessor } = await import('../../src/index.js');
    const processBatch = createBatchProcessor(() => {}, {
      schema: {
        '~standard': {
          version: 1,
          vendor: 't',
          validate: () => ({ issues: [{ message: 'bad', path: [{ key: 'a' }, 1] }] }),
        },
      },
    });

    const { outcomes } = await processBatch({
      Records: [{ messageId: 'm', body: '{}' } as never],
    });

    expect((outcomes[0] as { error: RecordValidationError }).error.issues).toEqual([
      { message: 'bad', path: ['a', 1] },
    ]);
  });

  it('FullBatchFailureError lists every record, skipped ones with their reason', () => {
    const thrown = new TypeError('kaput');
    const outcomes: RecordOutcome[] = [
      { status: 'failed', messageId: 'a', index: 0, error: thrown },
      { status: 'invalid', messageId: 'b', index: 1, error: new RecordValidationError('b', 'json', []) },
      { status: 'skipped', messageId: 'c', index: 2, reason: 'fifo-batch-stopped' },
    ];

    const error = new FullBatchFailureError(outcomes);

    expect(error.errors.map((e) => e.messageId)).toEqual(['a', 'b', 'c']);
    expect(error.errors[2]?.error).toBe('skipped (fifo-batch-stopped)');
    expect(error.cause).toBe(thrown);
    expect(error.message).toBe(
      'All 3 records of the batch failed, so the whole batch is returned to the queue. First failure (a): TypeError: kaput',
    );
  });

  it.each<[unknown, string]>([
    [new TypeError('boom'), 'TypeError: boom'],
    ['plain', 'plain'],
    [{ code: 42 }, '{"code":42} (object)'],
    [undefined, 'undefined (undefined)'],
    [null, 'null (null)'],
    [10n, '10n (bigint)'],
    [Symbol('s'), 'Symbol(s) (symbol)'],
    [{ total: 12n }, '{"total":"12n"} (object)'],
  ])('describeError(%s)', (value, text) => {
    expect(describeError(value)).toBe(text);
  });
});

/** Values that throw on every read: what a hostile `processRecord` or schema can throw or return. */
function hostile() {
  const throwing = () => {
    throw new Error('trap');
  };
  const everyTrap = new Proxy(
    {},
    {
      get: throwing,
      has: throwing,
      ownKeys: throwing,
      getPrototypeOf: throwing,
      getOwnPropertyDescriptor: throwing,
      defineProperty: throwing,
      set: throwing,
      apply: throwing,
    },
  );
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const badMessage = new Error('hidden');
  Object.defineProperty(badMessage, 'message', { get: throwing });
  const badName = new TypeError('visible');
  Object.defineProperty(badName, 'name', { get: throwing });
  const symbolMessage = new Error('x');
  Object.defineProperty(symbolMessage, 'message', { value: Symbol('m') });
  const badToString = new Error('x');
  Object.defineProperty(badToString, 'message', { value: { toString: throwing } });
  return {
    'an error whose message getter throws': badMessage,
    'an error whose name getter throws': badName,
    'an error whose message is a symbol': symbolMessage,
    'an error whose message cannot become a string': badToString,
    'a Proxy that throws on every trap': everyTrap,
    'a revoked Proxy': revoked,
    'an object whose toJSON throws': { toJSON: throwing },
    'an object with a getter that throws': {
      get field() {
        return throwing();
      },
    },
    'an object holding itself': (() => {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    })(),
  } as Record<string, unknown>;
}

describe('describing hostile values never throws', () => {
  it.each(Object.entries(hostile()))('describeError(%s)', (_label, value) => {
    const text = describeError(value);

    expect(typeof text).toBe('string');
    expect(text.length).toBeGreaterThan(0);
  });

  it('says what it could read', () => {
    const values = hostile();

    expect(describeError(values['an error whose message getter throws'])).toBe(
      'Error: (the message could not be read)',
    );
    expect(describeError(values['an error whose name getter throws'])).toBe('Error: visible');
    expect(describeError(values['an error whose message is a symbol'])).toBe('Error: Symbol(m)');
    expect(describeError(values['a revoked Proxy'])).toBe('an unreadable object');
  });

  it.each(Object.entries(hostile()))('FullBatchFailureError with a first error that is %s', (_label, value) => {
    const outcomes: RecordOutcome[] = [{ status: 'failed', messageId: 'a', index: 0, error: value }];

    const error = new FullBatchFailureError(outcomes);

    expect(error.message).toMatch(/^All 1 records of the batch failed.*First failure \(a\): ./);
    expect(error.cause).toBe(value);
    expect(error.errors[0]?.error).toBe(value);
  });

  it('RecordValidationError copies hostile issues into plain ones: symbols, null segments, throwing getters', () => {
    const values = hostile();
    const throwingIssue = {
      get message(): string {
        throw new Error('no message');
      },
      get path(): PropertyKey[] {
        throw new Error('no path');
      },
    };
    const issues = [
      { message: 'null segment', path: ['lines', null, 0] },
      { message: 'symbol and segment objects', path: [Symbol('s'), { key: 'a' }, { key: 2 }, { key: null }, {}] },
      { message: 'hostile segments', path: [values['a revoked Proxy'], values['a Proxy that throws on every trap']] },
      { message: 42, path: 'not an array' },
      throwingIssue,
      null,
      values['a Proxy that throws on every trap'],
    ];

    const error = new RecordValidationError('m-1', 'schema', issues as never);

    expect(error.issues).toEqual([
      { message: 'null segment', path: ['lines', 'null', 0] },
      { message: 'symbol and segment objects', path: [expect.any(Symbol), 'a', 2, 'null', '[object Object]'] },
      { message: 'hostile segments', path: ['?', '?'] },
      { message: '42', path: [] },
      { message: '(the issue message could not be read)', path: ['?'] },
      { message: '(the issue message could not be read)', path: ['?'] },
      { message: '(the issue message could not be read)', path: ['?'] },
    ]);
    expect(error.message).toContain('lines.null[0]: null segment; Symbol(s).a[2].null.[object Object]');
  });

  it.each<[string, unknown]>([
    ['not an array', { length: 2 }],
    ['undefined', undefined],
    ['a revoked Proxy', hostile()['a revoked Proxy']],
    [
      'an array whose items throw',
      new Proxy([1], {
        get: (_target, key) => {
          if (key === 'length') return 1;
          throw new Error(`trap ${String(key)}`);
        },
      }),
    ],
  ])('RecordValidationError with issues that are %s still has one issue', (_label, issues) => {
    const error = new RecordValidationError('m-1', 'schema', issues as never);

    expect(error.issues).toHaveLength(1);
    expect(error.message).toMatch(/^Record "m-1" failed schema validation: /);
  });
});
