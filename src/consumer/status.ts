import type { CircuitState } from '../circuit/store.js';

/**
 * Where a consumer is in its life: made (`idle`), reading the queue's
 * attributes (`starting`), receiving (`running`), draining after `stop()`
 * or a fatal error (`stopping`), done (`stopped`).
 *
 * @example
 * ```ts
 * import type { ConsumerState } from 'sqs-partial-batch/consumer';
 *
 * const healthy = (state: ConsumerState) => state === 'starting' || state === 'running';
 * ```
 */
export type ConsumerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * What `consumer.status()` tells, for a liveness or readiness probe.
 *
 * @example
 * ```ts
 * import type { ConsumerStatus } from 'sqs-partial-batch/consumer';
 *
 * const alive = (status: ConsumerStatus) =>
 *   status.state === 'running' && Date.now() - (status.lastReceiveAt?.getTime() ?? 0) < 60_000;
 * ```
 */
export interface ConsumerStatus {
  readonly state: ConsumerState;
  /**
   * Records received and not yet finished: running, or waiting for their
   * turn or for a free slot (received ahead). Never more than `concurrency`
   * plus `prefetch`.
   */
  readonly inFlight: number;
  /** Records whose function is running now. */
  readonly running: number;
  /**
   * Messages received since the consumer started. A message received again
   * while it is still held here (its visibility ran out) counts once: the
   * new delivery joins the record already held, and is not run beside it.
   */
  readonly received: number;
  /** Records done: succeeded, or duplicates of work already done (deleted). */
  readonly succeeded: number;
  /** Records that did not succeed: failed and invalid ones (they come back), dead-lettered and dropped ones. */
  readonly failed: number;
  /** Records given back without running (visibility 0): after a FIFO failure, or when stopping. */
  readonly released: number;
  /** When a `ReceiveMessage` last succeeded (an empty long poll counts: the queue answered). */
  readonly lastReceiveAt: Date | undefined;
  /**
   * Why the consumer stopped on its own: the error `start()` rejects with
   * (`ConsumerQueueError` when the queue cannot be used). `undefined` while
   * it runs, and after a `stop()`.
   */
  readonly error: Error | undefined;
  /**
   * The circuit breaker's state, as this consumer last saw it: `open` (not
   * receiving), `half-open` (receiving only the probes) or `closed`.
   * `undefined` without `circuitBreaker`.
   */
  readonly circuit: CircuitState | undefined;
}
