import { describe, expect, it } from 'vitest';
import { createBatchHandler, createBatchProcessor, DEFAULTS, InvalidOptionsError } from '../../src/index.js';

const noop = () => {};

describe('option checks at factory time', () => {
  it.each<[string, unknown, string]>([
    ['concurrency 0', { concurrency: 0 }, 'Expected `concurrency` to be an integer >= 1, got `0` (number)'],
    ['concurrency 1.5', { concurrency: 1.5 }, 'Expected `concurrency` to be an integer >= 1, got `1.5` (number)'],
    ['concurrency "4"', { concurrency: '4' }, 'Expected `concurrency` to be an integer >= 1, got `"4"` (string)'],
    ['concurrency Infinity', { concurrency: Number.POSITIVE_INFINITY }, 'got `Infinity` (number)'],
    [
      'a bad envelope',
      { envelope: 'sqs' },
      "Expected `envelope` to be `'sns'` or `'eventbridge'`, got `\"sqs\"` (string)",
    ],
    ['a bad fifoFailure', { fifoFailure: 'stop' }, "Expected `fifoFailure` to be `'stop-batch'` or `'stop-group'`"],
    [
      'a negative margin',
      { timeoutMarginMs: -1 },
      'Expected `timeoutMarginMs` to be a finite number >= 0, got `-1` (number)',
    ],
    ['a NaN margin', { timeoutMarginMs: Number.NaN }, 'got `NaN` (number)'],
    [
      'a non-boolean throwOnFullBatchFailure',
      { throwOnFullBatchFailure: 'yes' },
      'Expected `throwOnFullBatchFailure` to be a boolean',
    ],
    [
      'a logger without error()',
      { logger: { info() {}, warn() {}, debug() {} } },
      'Expected `logger` to be an object with',
    ],
    ['a null logger', { logger: null }, 'got `null` (null)'],
    ['a schema that is not a Standard Schema', { schema: { parse() {} } }, 'Expected `schema` to be a Standard Schema'],
    ['a schema that is a function', { schema: () => {} }, 'got a function'],
    ['a schema that is null', { schema: null }, 'got `null` (null)'],
    [
      'an unknown key',
      { concurency: 2 },
      'Unknown option `concurency` (did you mean `concurrency`?). Expected one of: `schema`',
    ],
    ['an unrelated unknown key', { colour: 2 }, 'Unknown option `colour`. Expected one of:'],
    ['options that are not an object', 4, 'Expected options to be an object, got `4` (number)'],
    ['options that are an array', [], 'Expected options to be an object, got an array'],
  ])('rejects %s', (_label, options, message) => {
    const create = () => createBatchHandler(noop, options as never);

    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(message);
  });

  it('rejects a processRecord that is not a function', () => {
    expect(() => createBatchHandler('nope' as never)).toThrow(
      'Expected `processRecord` to be a function, got `"nope"` (string)',
    );
    expect(() => createBatchProcessor(undefined as never)).toThrow(InvalidOptionsError);
  });

  it('has a stable code and name', () => {
    const error = (() => {
      try {
        createBatchHandler(noop, { concurrency: 0 });
      } catch (e) {
        return e as InvalidOptionsError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('INVALID_OPTIONS');
    expect(error?.name).toBe('InvalidOptionsError');
  });

  it('accepts every documented option, and undefined values as defaults', () => {
    expect(() =>
      createBatchHandler(noop, {
        schema: undefined,
        envelope: undefined,
        concurrency: 10,
        fifoFailure: 'stop-group',
        timeoutMarginMs: 0,
        logger: console,
        throwOnFullBatchFailure: false,
      }),
    ).not.toThrow();
    expect(() => createBatchHandler(noop, undefined)).not.toThrow();
  });

  it('documents its defaults in one frozen object', () => {
    expect(DEFAULTS).toEqual({
      concurrency: 1,
      fifoFailure: 'stop-batch',
      timeoutMarginMs: 1000,
      throwOnFullBatchFailure: true,
      idempotency: { ttlSeconds: 86_400, validatePayload: false, inProgressTtlSeconds: 900, timeoutMs: 5000 },
      onPermanentFailure: 'retry',
      backoff: { baseSeconds: 5, maxSeconds: 900, jitter: 'full' },
    });
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(Object.isFrozen(DEFAULTS.idempotency)).toBe(true);
  });
});

describe('option values in messages', () => {
  it('quotes symbols and booleans as they are', () => {
    expect(() => createBatchHandler(noop, { concurrency: Symbol.for('x') } as never)).toThrow(
      'got `Symbol(x)` (symbol)',
    );
    expect(() => createBatchHandler(noop, { concurrency: true } as never)).toThrow('got `true` (boolean)');
  });
});
