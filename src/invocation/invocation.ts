import type { Context, SQSRecord } from 'aws-lambda';
import { type Clock, clockOf } from '../clock.js';
import { Budget } from '../contracts/budget.js';
import type { CircuitGate } from '../contracts/circuit.js';
import { combineHooks, type InvocationHooks } from '../contracts/hooks.js';
import type { HostedInvocation, InvocationHost } from '../contracts/host.js';
import { Deadline } from '../deadline.js';
import type { Engine } from '../engine.js';
import { hasFailurePolicy } from '../failurePolicy/options.js';
import { BatchIdempotency } from '../idempotency/guard.js';
import type { InvocationPayloads } from '../largePayloads/contract.js';
import { log } from '../observability/logging.js';
import { isSuccess } from '../outcomes.js';
import { parseBody } from '../parse.js';
import type { BatchLogger, RecordOutcome } from '../types.js';
import type { ReadEvent } from './readEvent.js';

/** The outcome every success shares when the engine does not keep them (see `Engine.keepsSuccesses`). */
const SUCCEEDED: RecordOutcome = Object.freeze({ status: 'succeeded', messageId: '', index: -1 });

/**
 * One invocation: everything that lives for one event, in one place, made
 * per call and never shared. The phases (see `runInvocation.ts`) read and
 * write it; `settle` is the one way a record gets its outcome.
 */
export class Invocation implements HostedInvocation {
  readonly records: readonly SQSRecord[];
  readonly ids: readonly string[];
  readonly groups: ReadonlyArray<string | undefined> | undefined;
  readonly count: number;
  /** Each record's outcome, by position; holes until the record settles (filled by `conclude`). */
  readonly outcomes: Array<RecordOutcome | undefined>;
  /**
   * Which records started, kept only with a deadline or a host: only they can
   * end the run with a started record still without an outcome, and
   * `conclude` must tell it (failed: it was running) from one that never
   * started (skipped).
   */
  readonly started: Uint8Array | undefined;
  readonly clock: Clock;
  readonly startedAt: number;
  readonly deadline: Deadline | undefined;
  readonly logger: BatchLogger | undefined;
  readonly idempotency: BatchIdempotency | undefined;
  /** Offloaded payloads (`largePayloads`): fetched before parsing, deleted after success. */
  readonly payloads: InvocationPayloads | undefined;
  /** Whether phase 6 has anything to do (`backoff`, or `onPermanentFailure` other than `'retry'`). */
  readonly hasFailurePolicy: boolean;
  readonly hooks: InvocationHooks | undefined;
  /** Records still running when the run was concluded (time ran out); set by `conclude`. */
  interrupted: ReadonlySet<number> | undefined;
  /** What the circuit breaker lets this invocation run; set before the run when `circuitBreaker` is on. */
  gate: CircuitGate | undefined;
  /** With a gate: which records `processRecord` was called for (their outcomes count for the circuit). */
  called: Uint8Array | undefined;
  /** Whether the circuit breaker stopped the run: records not started are short-circuited. */
  shortCircuited = false;
  private closed = false;
  private ownSignal: AbortSignal | undefined;

  constructor(
    event: ReadEvent,
    readonly context: Context | undefined,
    readonly engine: Engine,
    /** What runs the invocation outside Lambda; `undefined` for a handler. */
    readonly host: InvocationHost | undefined,
  ) {
    const { options } = engine;
    this.records = event.records;
    this.ids = event.ids;
    this.groups = event.groups;
    this.count = event.ids.length;
    this.outcomes = new Array(this.count);
    this.clock = clockOf(context);
    this.startedAt = this.clock.now();
    this.hasFailurePolicy = hasFailurePolicy(options.failurePolicy);
    this.idempotency =
      options.idempotency === undefined ? undefined : new BatchIdempotency(options.idempotency, this.count, this.clock);
    this.payloads = options.largePayloads?.start(options.concurrency);
    this.deadline = Deadline.of(
      context,
      this.clock,
      options.timeoutMarginMs,
      this.followedByCalls ? Budget.reserveFor(options.timeoutMarginMs) : 0,
    );
    this.started = this.deadline === undefined && host === undefined ? undefined : new Uint8Array(this.count);
    this.logger = options.logger;
    this.hooks = engine.features.length === 0 && host === undefined ? undefined : this.startHooks(host);
  }

  /**
   * Reads the body of the record at `index` (see `parseBody`), fetching its
   * payload first when it was offloaded to S3.
   */
  readBody(index: number): unknown {
    const { schema, envelope } = this.engine.options;
    const raw = this.records[index] as SQSRecord;
    const messageId = this.ids[index] as string;
    return (
      this.payloads?.parse(index, raw, messageId, schema, envelope, this.host?.signal(index) ?? this.signal) ??
      parseBody(raw, messageId, schema, envelope)
    );
  }

  /**
   * The signal handed to the user's function: the deadline's, or, without
   * one, a signal of this invocation's own that never aborts (made on first
   * use, so listeners never pile up on a signal shared across invocations).
   */
  get signal(): AbortSignal {
    if (this.deadline !== undefined) return this.deadline.signal;
    this.ownSignal ??= new AbortController().signal;
    return this.ownSignal;
  }

  /** Whether the run is over: outcomes no longer change. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Records a record's outcome, unless the run is over (a record still
   * running when time ran out has already been reported). Answers whether
   * the record succeeded, which is what the scheduler needs.
   */
  settle(outcome: RecordOutcome): boolean {
    this.idempotency?.settled(outcome);
    if (this.closed) return false;
    this.outcomes[outcome.index] = outcome;
    this.gate?.settled(outcome, this);
    this.hooks?.recordSettled?.(outcome);
    return isSuccess(outcome);
  }

  /** Records that the record at `index` succeeded; see `settle`. */
  succeed(index: number): boolean {
    if (this.engine.keepsSuccesses || this.hooks !== undefined || this.idempotency !== undefined || this.gate) {
      return this.settle({ status: 'succeeded', messageId: this.ids[index] as string, index });
    }
    if (this.closed) return false;
    this.outcomes[index] = SUCCEEDED;
    return true;
  }

  /** Whether the record was still running when time ran out (its outcome is then a timeout failure). */
  stillRunning(index: number): boolean {
    return this.interrupted?.has(index) === true;
  }

  /** See {@link HostedInvocation.renewClaims}. */
  renewClaims(until: number): Promise<readonly number[]> {
    return this.idempotency === undefined ? Promise.resolve([]) : this.idempotency.renew(until);
  }

  /** Whether store, SQS or S3 calls follow the run (phases 6 to 8, the circuit's state), which then keeps time for them. */
  get followedByCalls(): boolean {
    return (
      this.hasFailurePolicy ||
      this.idempotency !== undefined ||
      this.engine.options.largePayloads?.deletes === true ||
      this.engine.options.circuit !== undefined
    );
  }

  /** Ends the run: late settlements are ignored from now on. */
  close(): void {
    this.closed = true;
    this.deadline?.dispose();
  }

  /** The features' hooks for this invocation, and the host's, as one. */
  private startHooks(host: InvocationHost | undefined): InvocationHooks | undefined {
    const start = {
      records: this.records,
      ids: this.ids,
      startedAt: this.startedAt,
      now: () => this.clock.now(),
      hosted: host !== undefined,
      offloaded: this.payloads && (() => (this.payloads as InvocationPayloads).count),
      circuit: this.engine.options.circuit,
    };
    const all = this.engine.features.map((feature) => feature.start(start));
    if (host !== undefined) all.push(host.follow(this));
    return combineHooks(all);
  }
}

/** The invocation's never-throwing log function. */
export function logFor(
  invocation: Invocation,
): (level: 'warn' | 'error', message: string, attributes: Record<string, unknown>) => void {
  return (level, message, attributes) => log(invocation.logger, level, message, attributes);
}
