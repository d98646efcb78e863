import type { SQSRecord } from 'aws-lambda';
import type { Budget } from '../contracts/budget.js';
import type { PendingParse } from '../parse.js';
import type { StandardSchemaV1 } from '../standardSchema.js';
import type { Envelope, RecordOutcome } from '../types.js';

/**
 * What the engine asks of the large-payload reader. The reader is imported
 * on demand when a handler sets `largePayloads` (or eagerly, with the
 * `sqs-partial-batch/large-payloads` entry), and registers itself here.
 */
export interface LargePayloadsReader {
  /** Checks the `largePayloads` option (throws `InvalidOptionsError`) and makes the handler's reader. */
  resolve(value: unknown): LargePayloads;
}

/** The `largePayloads` option of one handler, checked. */
export interface LargePayloads {
  /** Whether objects are deleted after success: calls then follow the run. */
  readonly deletes: boolean;
  start(concurrency: number): InvocationPayloads;
}

/** The offloaded payloads of one invocation. */
export interface InvocationPayloads {
  /** Records whose payload was fetched so far. */
  readonly count: number;
  /**
   * Reads a body as `parseBody` does, after fetching its payload when it is a
   * pointer: `undefined` when the body cannot be one (parse it as usual).
   */
  parse(
    index: number,
    raw: SQSRecord,
    messageId: string,
    schema: StandardSchemaV1 | undefined,
    envelope: Envelope | undefined,
    signal: AbortSignal,
  ): PendingParse | undefined;
  /** Deletes the objects of records that succeeded (`deleteAfterSuccess`); never rejects. */
  deleteSucceeded(
    records: readonly SQSRecord[],
    outcomes: readonly RecordOutcome[],
    envelope: Envelope | undefined,
    completed: boolean,
    budget: Budget,
    log: (level: 'warn' | 'error', message: string, attributes: Record<string, unknown>) => void,
  ): Promise<void>;
}
