import type { SQSRecord } from 'aws-lambda';
import type { CircuitState } from '../circuit/store.js';
import type { SqsClientLike } from '../failurePolicy/options.js';
import type { BatchLogger, RecordOutcome } from '../types.js';
import type { Budget } from './budget.js';

/**
 * The key under which a `CircuitBreaker` (`sqs-partial-batch/circuit-breaker`)
 * hands an engine its circuit. A symbol, so the core holds none of the
 * breaker's code: a handler without `circuitBreaker` does not carry it.
 */
export const CIRCUIT: unique symbol = Symbol.for('sqs-partial-batch.circuit');

/** What runs the engine: the Lambda handler, the processor, or the container consumer. */
export type CircuitHost = 'handler' | 'processor' | 'consumer';

/** What the `circuitBreaker` option holds. */
export interface CircuitSource {
  /**
   * Attaches the breaker to an engine, once, when the handler is created.
   * Throws `InvalidOptionsError` for a setting the host does not take.
   *
   * @param keys - The option keys the host takes: the handler's, the processor's or the consumer's.
   * @param backoffClient - The client of `backoff`, the default SQS client for records not run.
   */
  [CIRCUIT](
    keys: readonly string[],
    logger: BatchLogger | undefined,
    backoffClient: SqsClientLike | undefined,
  ): AttachedCircuit;
}

/** A circuit breaker as one engine holds it. */
export interface AttachedCircuit {
  readonly control: CircuitControl;
  /** How many messages a consumer receives to probe a half-open circuit. */
  readonly halfOpenRecords: number;
  /**
   * What a handler does with a result in which no record ran because the
   * circuit was open: throw the error it answers (`whenOpen: 'error'`), or
   * return the response (`'report'`). `undefined` for any other result.
   */
  verdict(outcomes: readonly RecordOutcome[], now: number): Error | 'report' | undefined;
  /**
   * The run is over: settles the probe, stores the state the run changed,
   * and in Lambda sets the visibility of records not run (see `parking.ts`).
   * Within `budget`; never rejects.
   */
  finish(gate: CircuitGate, run: FinishedRun, outcomes: readonly RecordOutcome[], budget: Budget): Promise<void>;
  /** The circuit's metrics for a result: records not run because it was open, and whether it is open (1) or closed (0). */
  measure(outcomes: readonly RecordOutcome[], now: number): readonly [shortCircuited: number, open: number];
}

/** What the circuit breaker sees of a run that is over. */
export interface FinishedRun {
  readonly records: readonly SQSRecord[];
  readonly clock: { now(): number };
  /** The consumer, which releases its records itself; `undefined` in Lambda. */
  readonly host: unknown;
  readonly logger: BatchLogger | undefined;
}

/**
 * What the circuit breaker lets one invocation do, asked once the
 * invocation starts (see `CircuitControl.enter`). None of its methods throws.
 */
export interface CircuitGate {
  /** Whether no record may run at all: the circuit was open when the invocation started. */
  readonly shut: boolean;
  /** Whether records must run one at a time: they probe a half-open circuit. */
  readonly probing: boolean;
  /** Whether one more record may start now (`false` stops the batch: the rest is short-circuited). */
  mayStart(): boolean;
  /** A record starts. */
  started(): void;
  /**
   * A record of `run` has its outcome: during the run, or, for a record still
   * running when the run was concluded, after it (`run.isClosed`).
   */
  settled(outcome: RecordOutcome, run: GatedRun): void;
  /** The run is over: a probe's verdict is in. Answers the writes still storing the state (each bounded by the store timeout). */
  finish(now: number): Promise<void> | undefined;
  /** Seconds until the circuit may let records through (0 when closed): how long records not run stay away. */
  delaySeconds(now: number): number;
}

/** What the gate sees of its invocation. */
export interface GatedRun {
  readonly records: readonly SQSRecord[];
  /** Which records `processRecord` was called for: only their outcomes say something about what it calls. */
  readonly called: Uint8Array | undefined;
  readonly clock: { now(): number };
  readonly isClosed: boolean;
  /** The consumer, or `undefined` in Lambda. */
  readonly host: unknown;
}

/** The circuit's state machine as the engine sees it. */
export interface CircuitControl {
  /** The breaker's gate for one invocation; the state store is asked within its timeout. Never rejects. */
  enter(now: number): Promise<CircuitGate>;
  /** The circuit's state as this process last saw it. */
  state(now: number): CircuitState;
  /** Milliseconds until the circuit may let records through: 0 when closed. */
  waitMs(now: number): number;
}
