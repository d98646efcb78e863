import { describe, expect, it, vi } from 'vitest';
import { createBatchHandler, RecordValidationError } from '../../src/index.js';
import { failedIds, sqsEvent } from '../helpers/events.js';

function spyLogger() {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

describe('logging', () => {
  it('logs each failed or invalid record once, at error, with its messageId and error', async () => {
    const logger = spyLogger();
    const thrown = new Error('payment declined');
    const event = sqsEvent(['{"ok":true}', '{"fail":true}', 'not json']);
    const handler = createBatchHandler(
      (record) => {
        if ('fail' in record.body) throw thrown;
      },
      {
        logger,
        schema: {
          '~standard': { version: 1, vendor: 't', validate: (value: unknown) => ({ value: value as object }) },
        },
      },
    );

    await handler(event);

    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledWith('Record failed', {
      messageId: event.Records[1]?.messageId,
      error: thrown,
    });
    expect(logger.error).toHaveBeenCalledWith('Record failed validation', {
      messageId: event.Records[2]?.messageId,
      error: expect.any(RecordValidationError),
    });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('logs one warning per record skipped after a FIFO failure, with its group', async () => {
    const logger = spyLogger();
    const event = sqsEvent(['a', 'b', 'c'], { fifo: true });
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'a') throw new Error('x');
      },
      { logger, throwOnFullBatchFailure: false },
    );

    await handler(event);

    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls.map((call) => call[1])).toEqual(
      event.Records.slice(1).map((r) => ({
        messageId: r.messageId,
        messageGroupId: r.attributes.MessageGroupId,
        reason: 'fifo-batch-stopped',
      })),
    );
  });

  it('logs nothing with logger: false', async () => {
    const spies = [
      vi.spyOn(console, 'error'),
      vi.spyOn(console, 'warn'),
      vi.spyOn(console, 'log'),
      vi.spyOn(process.stdout, 'write'),
      vi.spyOn(process.stderr, 'write'),
    ];
    const handler = createBatchHandler(
      () => {
        throw new Error('x');
      },
      { throwOnFullBatchFailure: false, logger: false },
    );

    await handler(sqsEvent(['a']));

    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });

  it('still answers when the logger itself throws', async () => {
    const logger = {
      ...spyLogger(),
      error: () => {
        throw new Error('log sink down');
      },
    };
    const event = sqsEvent(['a', 'b']);
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'a') throw new Error('x');
      },
      { logger },
    );

    expect(failedIds(await handler(event))).toEqual([event.Records[0]?.messageId]);
  });
});
