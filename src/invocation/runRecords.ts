import type { SQSRecord } from 'aws-lambda';
import { type RecordValidationError, returnedFailure } from '../errors.js';
import { ParseFailure, PendingParse } from '../parse.js';
import { type RecordRunner, Settling, schedule } from '../schedule.js';
import type { BatchRecord, RecordOutcome, SkipReason } from '../types.js';
import { isPromiseLike } from '../util.js';
import type { Invocation } from './invocation.js';
import { RecordCtx } from './recordContext.js';
import { type ParsedBodies, toBatchRecord } from './records.js';

/**
 * Phase 4, run the records: the scheduler starts them (in order, in a pool,
 * or by FIFO group) and this runner parses each body when its record starts
 * (unless phase 2 already did), applies the idempotency gate, and calls the
 * user's function. Resolves when no record is running and none may start.
 */
export function runRecords(invocation: Invocation, parsed?: ParsedBodies): Promise<void> {
  const { engine } = invocation;
  return schedule(
    {
      count: invocation.count,
      // Probes of a half-open circuit run one at a time: once they close it, the rest of the batch follows.
      concurrency: invocation.gate?.probing ? 1 : engine.options.concurrency,
      groups: invocation.groups,
      fifoFailure: engine.options.fifoFailure,
    },
    new Runner(invocation, parsed),
  );
}

class Runner implements RecordRunner {
  constructor(
    private readonly invocation: Invocation,
    private readonly parsed: ParsedBodies | undefined,
  ) {}

  /**
   * Whether a record may start: while the deadline leaves time, the host (a
   * consumer) has not stopped, and the circuit breaker lets it.
   */
  canStart(): boolean {
    const { deadline, host, gate } = this.invocation;
    if (!((host === undefined || host.canStart()) && (deadline === undefined || deadline.hasTime()))) return false;
    if (gate === undefined || gate.mayStart()) return true;
    this.invocation.shortCircuited = true;
    return false;
  }

  skip(index: number, reason: SkipReason): void {
    this.invocation.settle({ status: 'skipped', messageId: this.invocation.ids[index] as string, index, reason });
  }

  start(index: number): boolean | PromiseLike<unknown> | Settling {
    // A host's shared limit (the consumer's slots): the record starts once it has one, or is given back.
    const waiting = this.invocation.host?.acquire?.(index);
    if (waiting === undefined) return this.begin(index);
    return new Settling(
      waiting.then((granted) => {
        if (granted) return this.settleWhenDone(index, this.begin(index));
        this.skip(index, 'shutdown');
        return false;
      }),
    );
  }

  /** Starts the record: the idempotency gate, then the user's function (parsing its body first, unless phase 2 did). */
  private begin(index: number): boolean | PromiseLike<unknown> | Settling {
    const { invocation } = this;
    const refusal = invocation.host?.refusal?.(index);
    if (refusal !== undefined) return this.failed(index, refusal);
    if (invocation.started !== undefined) invocation.started[index] = 1;
    invocation.gate?.started();
    invocation.hooks?.recordStarted?.(index);
    if (this.parsed === undefined) return this.parseAndRun(index);

    const record = this.parsed[index];
    this.parsed[index] = undefined; // from here on only this call holds it, so it can be collected early
    const idempotency = invocation.idempotency;
    const gate = idempotency?.gate(index);
    if (record instanceof ParseFailure || record === undefined) {
      // A missing offloaded object may yet be a duplicate's, whose first run deleted it: its key decided.
      return gate?.kind === 'decided' ? invocation.settle(gate.outcome) : this.unreadable(index, record);
    }
    if (gate === undefined || gate.kind === 'run') return this.run(index, record);
    if (gate.kind === 'decided') return invocation.settle(gate.outcome);
    return new Settling(
      (idempotency as NonNullable<typeof idempotency>)
        .follow(record, index, gate)
        .then((outcome) => invocation.settle(outcome)),
    );
  }

  succeeded(index: number, value?: unknown): boolean {
    // A returned `false`, `Error` or partial-batch response means "failed" to whoever wrote it: never delete it.
    if (value !== undefined) {
      const error = returnedFailure(this.invocation.ids[index] as string, value);
      if (error !== undefined) return this.failed(index, error);
    }
    return this.invocation.succeed(index);
  }

  failed(index: number, error: unknown): boolean {
    return this.invocation.settle({ status: 'failed', messageId: this.invocation.ids[index] as string, index, error });
  }

  /** Without idempotency each body is read when its record starts, so no record object outlives its run. */
  private parseAndRun(index: number): boolean | PromiseLike<unknown> | Settling {
    const { invocation } = this;
    const raw = invocation.records[index] as SQSRecord;
    const messageId = invocation.ids[index] as string;
    const body = invocation.readBody(index);
    if (body instanceof ParseFailure) return this.unreadable(index, body);
    if (body instanceof PendingParse) {
      return new Settling(
        body.promise.then((read) =>
          read instanceof ParseFailure
            ? this.unreadable(index, read)
            : this.settleWhenDone(index, this.run(index, toBatchRecord(raw, messageId, read))),
        ),
      );
    }
    return this.run(index, toBatchRecord(raw, messageId, body));
  }

  /**
   * Calls the user's function. A value it returns settles the record now; a
   * promise (or any thenable) is handed to the scheduler to await. A `then`
   * getter that throws fails the record, like a throw.
   */
  private run(index: number, record: BatchRecord<unknown>): boolean | PromiseLike<unknown> {
    const { invocation } = this;
    const { processRecord } = invocation.engine;
    const ctx = new RecordCtx(invocation, record, index);
    if (invocation.called !== undefined) invocation.called[index] = 1;
    const hooks = invocation.hooks;
    let result: unknown;
    try {
      result =
        hooks?.callRecord === undefined
          ? processRecord(record, ctx)
          : hooks.callRecord(index, () => processRecord(record, ctx));
      if (isPromiseLike(result)) return result;
    } catch (error) {
      return this.failed(index, error);
    }
    return this.succeeded(index, result);
  }

  /** A body that could not be read: invalid (no retry can help) or failed (the schema broke, S3 failed; retried). */
  private unreadable(index: number, failure: ParseFailure | undefined): boolean {
    const messageId = this.invocation.ids[index] as string;
    if (failure === undefined) return this.failed(index, new Error('The record was not read before the run'));
    const { error } = failure;
    const outcome: RecordOutcome = failure.permanent
      ? { status: 'invalid', messageId, index, error: error as RecordValidationError }
      : { status: 'failed', messageId, index, error };
    return this.invocation.settle(outcome);
  }

  /** Settles a record once the work `run` (or `begin`) returned is done; answers whether it succeeded. */
  private settleWhenDone(
    index: number,
    work: boolean | PromiseLike<unknown> | Settling,
  ): boolean | PromiseLike<boolean> {
    if (typeof work === 'boolean') return work;
    if (work instanceof Settling) return work.done;
    return Promise.resolve(work).then(
      (value: unknown) => this.succeeded(index, value),
      (error: unknown) => this.failed(index, error),
    );
  }
}
