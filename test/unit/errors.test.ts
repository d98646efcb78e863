import { describe, expect, it } from 'vitest';
import {
  describeError,
  FullBatchFailureError,
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
    [10n, 'bigint value'],
  ])('describeError(%s)', (value, text) => {
    expect(describeError(value)).toBe(text);
  });
});
