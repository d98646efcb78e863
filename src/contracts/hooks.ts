import type { SQSRecord } from 'aws-lambda';
import type { BatchResult, RecordOutcome } from '../types.js';
import type { AttachedCircuit } from './circuit.js';

/**
 * What a feature sees of an invocation when it starts.
 */
export interface InvocationStart {
  readonly records: readonly SQSRecord[];
  /** Message ids as read on entry. */
  readonly ids: readonly string[];
  /** When the invocation started, on its clock (epoch ms). */
  readonly startedAt: number;
  readonly now: () => number;
  /**
   * Whether a host runs the invocation (the consumer, which polls SQS
   * itself). Then nothing around the call is the records' parent: the
   * context active when it runs is the consumer's, long gone.
   */
  readonly hosted: boolean;
  /** With `largePayloads`: how many records had their payload fetched from S3 so far. */
  readonly offloaded?: (() => number) | undefined;
  /** The circuit breaker, when there is one: its metrics join the invocation's. */
  readonly circuit: AttachedCircuit | undefined;
}

/**
 * The points at which a feature (metrics, tracing, a consumer's heartbeat)
 * follows one invocation, without adding branches to the loop. Every method
 * is optional and must not throw; the engine guards each call anyway.
 */
export interface InvocationHooks {
  /** A record's turn came: it is about to be parsed and run. Not called for records that never start. */
  recordStarted?(index: number): void;
  /** Runs `call` (the user's function for one record) and returns its result; may wrap it, e.g. inside a span. */
  callRecord?: ((index: number, call: () => unknown) => unknown) | undefined;
  /**
   * A record has its outcome (before the failure policy): once per started
   * record, and once per record the FIFO rules skip (those never start).
   */
  recordSettled?(outcome: RecordOutcome): void;
  /** The invocation has its answer: every outcome is final. */
  answered?(result: BatchResult): void;
}

/** A feature: made once per handler from its options, asked for hooks once per invocation. */
export interface Feature {
  /**
   * A promise while the feature cannot start yet (its code is still being
   * imported), else `undefined`. Asked before each invocation, which waits
   * for it; it must not reject.
   */
  ready?(): Promise<void> | undefined;
  start(invocation: InvocationStart): InvocationHooks | undefined;
}

/** A promise while any feature is not ready, else `undefined` (the usual case, which costs no promise). */
export function whenReady(features: readonly Feature[]): Promise<unknown> | undefined {
  let pending: Array<Promise<void>> | undefined;
  for (const feature of features) {
    const ready = feature.ready?.();
    if (ready === undefined) continue;
    pending ??= [];
    pending.push(ready);
  }
  return pending === undefined ? undefined : Promise.all(pending);
}

/** One set of hooks that calls every feature's, each guarded so a broken feature cannot cost a record. */
export function combineHooks(all: ReadonlyArray<InvocationHooks | undefined>): InvocationHooks | undefined {
  const hooks = all.filter((h): h is InvocationHooks => h !== undefined);
  if (hooks.length === 0) return undefined;
  const wrappers = hooks.filter((h) => h.callRecord !== undefined);
  return {
    recordStarted(index) {
      for (const h of hooks) guard(() => h.recordStarted?.(index));
    },
    callRecord:
      wrappers.length === 0
        ? undefined
        : (index, call) =>
            wrappers.reduceRight<() => unknown>(
              (next, h) => () => {
                let entered = false;
                try {
                  return h.callRecord?.(index, () => {
                    entered = true;
                    return next();
                  });
                } catch (error) {
                  // The feature broke before calling through: run the record without it.
                  if (!entered) return next();
                  throw error;
                }
              },
              call,
            )(),
    recordSettled(outcome) {
      for (const h of hooks) guard(() => h.recordSettled?.(outcome));
    },
    answered(result) {
      for (const h of hooks) guard(() => h.answered?.(result));
    },
  };
}

function guard(run: () => void): void {
  try {
    run();
  } catch {
    // A feature that throws must not turn into lost records.
  }
}
