import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BatchLogger, createBatchHandler } from '../../src/index.js';
import { lambdaContext, sqsEvent } from '../helpers/events.js';
import { captureOutput, withLogLevel } from '../helpers/stdout.js';

let output: ReturnType<typeof captureOutput> | undefined;
afterEach(() => output?.restore());

const lines = (stream: 'stdout' | 'stderr' | 'both' = 'both') =>
  (stream === 'both' ? [...(output?.stdout ?? []), ...(output?.stderr ?? [])] : (output?.[stream] ?? [])).map(
    (line) => JSON.parse(line) as Record<string, unknown>,
  );

describe('the default logger', () => {
  it('with no options, logs a failed record once, as one JSON line with its messageId and error, never its body', async () => {
    const handler = withLogLevel('INFO', () =>
      createBatchHandler(
        (record) => {
          if (record.body.startsWith('bad')) throw new TypeError('card declined');
        },
        { throwOnFullBatchFailure: false },
      ),
    );
    const event = sqsEvent(['good', 'bad SECRET-BODY']);
    output = captureOutput();

    await handler(event, lambdaContext());

    const logged = lines();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'ERROR',
      message: 'Record failed',
      messageId: event.Records[1]?.messageId,
      error: { name: 'TypeError', message: 'card declined', stack: expect.any(String) },
    });
    expect(output.stderr.join('\n')).not.toContain('SECRET-BODY');
  });

  it('logs invalid records with the error code, and records not run at warn', async () => {
    const handler = withLogLevel('INFO', () =>
      createBatchHandler(
        (record) => {
          if (record.body === 2) throw new Error('stop');
        },
        {
          schema: { '~standard': { version: 1, vendor: 't', validate: (v: unknown) => ({ value: v as number }) } },
          throwOnFullBatchFailure: false,
          fifoFailure: 'stop-group',
        },
      ),
    );
    const event = sqsEvent(['1', 'nope', '2', '3'], { fifo: true, groupId: (i) => `g${Math.min(i, 2)}` });
    output = captureOutput();

    await handler(event);

    expect(lines().map((l) => [l.level, l.message, l.messageId, (l.error as { code?: string })?.code])).toEqual([
      ['ERROR', 'Record failed validation', event.Records[1]?.messageId, 'RECORD_VALIDATION'],
      ['ERROR', 'Record failed', event.Records[2]?.messageId, undefined],
      [
        'WARN',
        'Record not started after a failure in its FIFO message group; it is reported as a failure to keep order',
        event.Records[3]?.messageId,
        undefined,
      ],
    ]);
  });

  it('honours AWS_LAMBDA_LOG_LEVEL', async () => {
    process.env.AWS_LAMBDA_LOG_LEVEL = 'ERROR';
    try {
      const handler = withLogLevel('INFO', () =>
        createBatchHandler(
          (_record, ctx) => {
            ctx.logger.info('not shown');
            ctx.logger.warn('not shown either');
            ctx.logger.error('shown');
          },
          { throwOnFullBatchFailure: false },
        ),
      );
      output = captureOutput();
      await handler(sqsEvent(['a']));
      expect(lines().map((l) => l.message)).toEqual(['shown']);
    } finally {
      delete process.env.AWS_LAMBDA_LOG_LEVEL;
    }
  });
});

describe('ctx.logger: lines carry the record, under any concurrency', () => {
  /** Ten records that log before and after an await, interleaved. */
  async function runConcurrently(logger: BatchLogger | undefined) {
    const event = sqsEvent(
      Array.from({ length: 10 }, (_, i) => String(i)),
      { fifo: true, groupId: (i) => `g${i % 5}` },
    );
    const handler = createBatchHandler(
      async (record, ctx) => {
        ctx.logger.info(`start ${record.body}`, { step: 1 });
        await new Promise((resolve) => setTimeout(resolve, (10 - Number(record.body)) * 2));
        ctx.logger.info(`end ${record.body}`);
      },
      { concurrency: 10, ...(logger === undefined ? {} : { logger }) },
    );
    await handler(event);
    return event;
  }

  const expectBound = (
    event: ReturnType<typeof sqsEvent>,
    entries: Array<{ message: string; messageId?: unknown; messageGroupId?: unknown }>,
  ) => {
    expect(entries).toHaveLength(20);
    for (const entry of entries) {
      const index = Number(entry.message.split(' ')[1]);
      expect(entry.messageId).toBe(event.Records[index]?.messageId);
      expect(entry.messageGroupId).toBe(`g${index % 5}`);
    }
  };

  it('the default logger', async () => {
    output = captureOutput();
    const event = await withLogLevel('INFO', () => runConcurrently(undefined));
    expectBound(event, lines() as never);
  });

  it('the Powertools Logger (a child logger per record)', async () => {
    const logger = new Logger({ serviceName: 'orders', logLevel: 'INFO' });
    output = captureOutput();
    const event = await runConcurrently(logger);
    const entries = lines();
    expect(entries.every((e) => e.service === 'orders')).toBe(true);
    expectBound(event, entries as never);
  });

  it('pino-style loggers (child(bindings))', async () => {
    const entries: Array<{ message: string } & Record<string, unknown>> = [];
    const make = (
      bindings: Record<string, unknown>,
    ): BatchLogger & { child(b: Record<string, unknown>): BatchLogger } => {
      const write = (message: string, attributes?: Record<string, unknown>) =>
        void entries.push({ ...bindings, ...attributes, message });
      return { debug: write, info: write, warn: write, error: write, child: (b) => make({ ...bindings, ...b }) };
    };
    const event = await runConcurrently(make({ app: 'orders' }));
    expect(entries.every((e) => e.app === 'orders')).toBe(true);
    expectBound(event, entries);
  });

  it('a plain object logger (fields merged into each call)', async () => {
    const entries: Array<{ message: string } & Record<string, unknown>> = [];
    const write = (message: string, attributes?: Record<string, unknown>) =>
      void entries.push({ ...attributes, message });
    const event = await runConcurrently({ debug: write, info: write, warn: write, error: write });
    expect(entries.filter((e) => e.message.startsWith('start')).every((e) => e.step === 1)).toBe(true);
    expectBound(event, entries);
  });

  it('is silent with logger: false, and made only when used', async () => {
    const child = vi.fn();
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn(), child };
    await createBatchHandler(() => {}, { logger })(sqsEvent(['a', 'b']));
    expect(child).not.toHaveBeenCalled();

    output = captureOutput();
    await createBatchHandler((_record, ctx) => ctx.logger.error('x'), { logger: false })(sqsEvent(['a']));
    expect(lines()).toEqual([]);
  });
});

describe('loggers that misbehave', () => {
  it('falls back to merging fields when a logger cannot make a child', async () => {
    const entries: Array<Record<string, unknown>> = [];
    const write = (message: string, attributes?: Record<string, unknown>) =>
      void entries.push({ ...attributes, message });
    const base = { debug: write, info: write, warn: write, error: write };
    const loggers = [
      {
        ...base,
        createChild: () => {
          throw new Error('no children here');
        },
      },
      { ...base, child: () => ({ info: 'not a logger' }) },
      { ...base, createChild: () => null },
    ];
    for (const logger of loggers) {
      const event = sqsEvent(['a']);
      await createBatchHandler((_record, ctx) => ctx.logger.info('hello', { n: 1 }, { m: 2 }), { logger })(event);
      expect(entries.pop()).toEqual({ message: 'hello', messageId: event.Records[0]?.messageId, n: 1, m: 2 });
    }
  });

  it('the default logger writes what JSON cannot hold, and never throws', async () => {
    const handler = withLogLevel('DEBUG', () =>
      createBatchHandler((_record, ctx) => {
        const cyclic: Record<string, unknown> = { name: 'cycle' };
        cyclic.self = cyclic;
        const hostile = new Error('hostile');
        Object.defineProperty(hostile, 'code', {
          get() {
            throw new Error('no code');
          },
        });
        ctx.logger.debug('values', { big: 12n, cyclic, hostile });
        ctx.logger.info('unserializable', {
          toJSON() {
            throw new Error('cannot');
          },
        });
        ctx.logger.warn('warned');
      }),
    );
    output = captureOutput();

    await handler(sqsEvent(['a']));

    const [debug, info] = lines('stdout');
    expect(debug).toMatchObject({
      level: 'DEBUG',
      big: '12',
      cyclic: { name: 'cycle', self: '[Circular]' },
      hostile: { name: 'Error', message: 'hostile' },
    });
    expect(info).toEqual({ timestamp: expect.any(String), level: 'INFO', message: 'unserializable' });
    expect(lines('stderr')).toEqual([expect.objectContaining({ level: 'WARN', message: 'warned' })]);
  });
});
