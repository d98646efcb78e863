import type { SQSRecord } from 'aws-lambda';
import { ParseFailure, PendingParse, parseBody } from '../parse.js';
import type { RecordOutcome } from '../types.js';
import type { InvocationPayloads } from './contract.js';
import type { ResolvedLargePayloads } from './options.js';
import type { S3Pointer } from './pointer.js';
import { deleteObjects, fetchPayload, pointerIn } from './reader.js';

/** Whether a body may be a pointer, directly or in an SNS `Message`: only then is it read as one. */
function mayPoint(body: unknown): body is string {
  return typeof body === 'string' && body.includes('S3Pointer');
}

/**
 * The offloaded payloads of one invocation (`largePayloads`): fetches them
 * before parsing, at most `concurrency` at once, and remembers which records
 * had one, for the `RecordsOffloaded` metric and `deleteAfterSuccess`.
 */
export class Payloads implements InvocationPayloads {
  private readonly fetched: Array<S3Pointer | undefined> = [];
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  count = 0;

  constructor(
    private readonly settings: ResolvedLargePayloads,
    private readonly concurrency: number,
  ) {}

  parse(
    ...[index, raw, messageId, schema, envelope, signal]: Parameters<InvocationPayloads['parse']>
  ): PendingParse | undefined {
    const { body } = raw;
    if (!mayPoint(body)) return undefined;
    const read = this.slot(() => fetchPayload(this.settings, body, envelope, messageId, signal)).then(
      (fetched): unknown => {
        if (fetched instanceof ParseFailure) return fetched;
        let parsed: unknown;
        if (fetched === undefined) {
          parsed = parseBody(raw, messageId, schema, envelope);
        } else {
          this.fetched[index] = fetched.pointer;
          this.count++;
          parsed = parseBody({ body: fetched.text } as SQSRecord, messageId, schema, fetched.envelope);
        }
        return parsed instanceof PendingParse ? parsed.promise : parsed;
      },
    );
    return new PendingParse(read);
  }

  /**
   * Deletes the object of each record that succeeded, unless a record of the
   * batch that did not succeed points to it too: never for failed, invalid,
   * skipped, dead-lettered or dropped records, nor for duplicates.
   */
  async deleteSucceeded(
    ...[records, outcomes, envelope, completed, budget, log]: Parameters<InvocationPayloads['deleteSucceeded']>
  ): Promise<void> {
    if (!this.settings.deleteAfterSuccess || this.count === 0) return;
    if (!completed) {
      log('warn', 'Large payload objects were kept: the idempotency completions of their records were not written', {
        records: this.count,
      });
      return;
    }
    const name = ({ bucket, key }: S3Pointer) => `${bucket}\n${key}`;
    const targets = new Map<string, S3Pointer>();
    const kept = new Set<string>();
    // By position: a handler's successes share one outcome object, whose `index` is not theirs.
    for (let index = 0; index < outcomes.length; index++) {
      const { status } = outcomes[index] as RecordOutcome;
      const pointer = this.fetched[index];
      if (status === 'succeeded') {
        if (pointer !== undefined) targets.set(name(pointer), pointer);
      } else if (status !== 'duplicate') {
        const other = pointer ?? pointerIn(records[index]?.body, envelope);
        if (typeof other === 'object') kept.add(name(other));
      }
    }
    const doomed = [...targets].filter(([id]) => !kept.has(id)).map(([, pointer]) => pointer);
    if (doomed.length === 0) return;
    const { timeoutMs } = this.settings;
    const failures = await deleteObjects(this.settings, doomed, (call) =>
      budget.within(call, timeoutMs, (ms, spent) =>
        spent && ms === 0
          ? new Error("No time was left before the invocation's deadline")
          : new Error(`S3 did not answer within ${ms} ms`),
      ),
    );
    for (const { bucket, error } of failures) {
      log('error', 'Could not delete a large payload object after its record succeeded; the record keeps its outcome', {
        bucket,
        error,
      });
    }
  }

  /** Runs `call` once fewer than `concurrency` fetches are running. */
  private async slot<T>(call: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await call();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
