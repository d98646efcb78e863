/**
 * Where a circuit is: `closed` (records run), `open` (none run until it may
 * close) or `half-open` (a few records probe whether the downstream is back).
 *
 * @example
 * ```ts
 * import type { CircuitState } from 'sqs-partial-batch';
 *
 * const running = (state: CircuitState) => state === 'closed';
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * A circuit's state as a {@link CircuitStateStore} keeps it.
 *
 * @example
 * ```ts
 * import type { CircuitSnapshot } from 'sqs-partial-batch';
 *
 * const justOpened: CircuitSnapshot = { state: 'open', until: Date.now() + 120_000, opens: 1, version: 7 };
 * ```
 */
export interface CircuitSnapshot {
  readonly state: CircuitState;
  /**
   * Epoch ms. `open`: when a probe may start. `half-open`: when the probe's
   * lease ends (records wait until then; past it another instance may probe).
   * `closed`: 0.
   */
  readonly until: number;
  /** Times the circuit opened since it was last closed: sets the next open period (`openSeconds`, doubled each time). */
  readonly opens: number;
  /** Incremented by every write: a write names the version it replaces, so two instances never both win one transition. */
  readonly version: number;
}

/**
 * Where a circuit breaker shared by several instances keeps its state: one
 * small record per circuit name, written only when the circuit changes
 * state (so a handful of writes per outage) and read once per batch.
 * `RedisCircuitStateStore` (`sqs-partial-batch/redis`) and
 * `DynamoDBCircuitStateStore` (`sqs-partial-batch/dynamodb`) implement it.
 * Whatever a store does (throws, hangs, answers garbage), the breaker fails
 * open: records run as they would without it.
 *
 * @example
 * ```ts
 * import type { CircuitSnapshot, CircuitStateStore } from 'sqs-partial-batch';
 *
 * const states = new Map<string, CircuitSnapshot>();
 * const store: CircuitStateStore = {
 *   read: async (name) => states.get(name),
 *   write: async (name, next, expectedVersion) => {
 *     if ((states.get(name)?.version ?? 0) !== expectedVersion) return false;
 *     states.set(name, next);
 *     return true;
 *   },
 * };
 * ```
 */
export interface CircuitStateStore {
  /** The circuit's stored state; `undefined` when none is stored (the circuit is closed). */
  read(name: string): Promise<CircuitSnapshot | undefined>;
  /**
   * Stores `next` if the stored state's `version` is `expectedVersion` (0:
   * nothing stored), atomically; answers whether it did.
   */
  write(name: string, next: CircuitSnapshot, expectedVersion: number): Promise<boolean>;
}

/** The longest a stored circuit record is kept after its last write, in ms: long past any open period. */
export const CIRCUIT_RECORD_TTL_MS = 24 * 60 * 60 * 1000;
