import type { Context } from 'aws-lambda';
import { childLogger } from '../observability/logging.js';
import type { BatchLogger, BatchRecord, RecordContext } from '../types.js';
import type { Invocation } from './invocation.js';

/**
 * The `ctx` one record's function gets. Its logger is made on first use
 * (most records never log), and carries the record's `messageId` (and
 * `messageGroupId` on FIFO), so lines of concurrent records read apart.
 */
export class RecordCtx implements RecordContext {
  private recordLogger: BatchLogger | undefined;

  constructor(
    private readonly invocation: Invocation,
    private readonly record: BatchRecord<unknown>,
    private readonly index: number,
  ) {}

  get context(): Context | undefined {
    return this.invocation.context;
  }

  get signal(): AbortSignal {
    const { host } = this.invocation;
    return host === undefined ? this.invocation.signal : host.signal(this.index);
  }

  get logger(): BatchLogger {
    if (this.recordLogger === undefined) {
      const { messageId, messageGroupId } = this.record;
      this.recordLogger = childLogger(
        this.invocation.logger,
        messageGroupId === undefined ? { messageId } : { messageId, messageGroupId },
      );
    }
    return this.recordLogger;
  }
}
