/**
 * The default JSON logger's own fields win (issue #18, item 10): a call's
 * attributes cannot overwrite `timestamp`, `level` or `message`, nor the
 * record's `messageId` on `ctx.logger`; they are kept as `attributes.<name>`.
 * And writing never throws, whatever the attributes or the stream do.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatchHandler } from '../../src/index.js';
import { JsonLogger } from '../../src/observability/jsonLogger.js';
import { lambdaContext, sqsEvent } from '../helpers/events.js';
import { revokedProxy } from '../helpers/hostile.js';
import { captureOutput, withLogLevel } from '../helpers/stdout.js';

let output: ReturnType<typeof captureOutput> | undefined;
afterEach(() => {
  output?.restore();
  output = undefined;
});

/** A logger writing to arrays instead of the process's streams. */
function logger() {
  const lines: string[] = [];
  const out = { log: (line: string) => void lines.push(line), error: (line: string) => void lines.push(line) };
  return { lines, logger: new JsonLogger({}, 0, out), parsed: () => lines.map((line) => JSON.parse(line)) };
}

describe('the default logger: its fields win, yours are kept under other names', () => {
  it('`logger.error(message, { message })` keeps both, the line’s message first', () => {
    const { logger: log, parsed } = logger();

    log.error('charge failed', { message: 'card declined', level: 'DEBUG', timestamp: 'yesterday', amount: 250 });

    const [line] = parsed();
    expect(line).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'ERROR',
      message: 'charge failed',
      'attributes.message': 'card declined',
      'attributes.level': 'DEBUG',
      'attributes.timestamp': 'yesterday',
      amount: 250,
    });
    expect(Object.keys(line)).toEqual([
      'timestamp',
      'level',
      'message',
      'attributes.message',
      'attributes.level',
      'attributes.timestamp',
      'amount',
    ]);
  });

  it('ctx.logger keeps the record’s messageId; a call’s own messageId goes beside it', async () => {
    const handler = withLogLevel('INFO', () =>
      createBatchHandler((_record, ctx) => {
        ctx.logger.info('published', { messageId: 'the-new-message', message: 'x' });
      }),
    );
    const event = sqsEvent(['a']);
    output = captureOutput();

    await handler(event, lambdaContext());

    const lines = output.stdout.map((line) => JSON.parse(line));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'published',
        messageId: event.Records[0]?.messageId,
        'attributes.messageId': 'the-new-message',
        'attributes.message': 'x',
      }),
    ]);
  });

  it('a later attribute object still overrides an earlier one of the same call', () => {
    const { logger: log, parsed } = logger();

    log.info('m', { a: 1 }, { a: 2 });

    expect(parsed()[0]).toMatchObject({ message: 'm', a: 2 });
  });
});

describe('the default logger never throws', () => {
  it.each<[string, unknown]>([
    [
      'a getter that throws',
      Object.defineProperty({ ok: 1 }, 'bad', {
        enumerable: true,
        get: () => {
          throw new Error('getter');
        },
      }),
    ],
    ['a revoked proxy', revokedProxy()],
    ['an own __proto__ key', JSON.parse('{"__proto__":{"polluted":true},"ok":1}')],
    [
      'a bigint and a cycle',
      (() => {
        const o: Record<string, unknown> = { n: 10n };
        o.self = o;
        return o;
      })(),
    ],
    [
      'a toJSON that throws',
      {
        toJSON() {
          throw new Error('toJSON');
        },
      },
    ],
  ])('%s', (_label, attributes) => {
    const { logger: log, lines } = logger();

    expect(() => log.warn('careful', attributes as Record<string, unknown>)).not.toThrow();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'WARN', message: 'careful' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a stream that throws, and a message whose String() throws', () => {
    const out = {
      log: vi.fn(() => {
        throw new Error('EPIPE');
      }),
      error: vi.fn(() => {
        throw new Error('EPIPE');
      }),
    };
    const log = new JsonLogger({}, 0, out);

    expect(() => log.info('x')).not.toThrow();
    expect(() =>
      log.error({
        toString() {
          throw new Error('no text');
        },
      } as unknown as string),
    ).not.toThrow();
    expect(() =>
      log
        .child(
          Object.defineProperty({}, 'k', {
            enumerable: true,
            get: () => {
              throw new Error('g');
            },
          }),
        )
        .info('y'),
    ).not.toThrow();
  });
});
