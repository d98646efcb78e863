import { type AttachedCircuit, CIRCUIT, type CircuitHost, type CircuitSource } from '../contracts/circuit.js';
import { CircuitOpenError } from '../errors.js';
import type { SqsClientLike } from '../failurePolicy/options.js';
import type { BatchLogger, RecordOutcome } from '../types.js';
import { CircuitMachine } from './machine.js';
import {
  CIRCUIT_BREAKER_DEFAULTS,
  type CircuitBreakerOptions,
  checkHost,
  type ResolvedCircuitBreaker,
  resolveCircuitBreaker,
} from './options.js';
import { park } from './parking.js';
import type { CircuitState } from './store.js';

/**
 * A circuit breaker for the `circuitBreaker` option of `createBatchHandler`,
 * `createBatchProcessor` and `createConsumer`. While the downstream
 * `processRecord` calls keeps failing, it opens: records are not run (they
 * are reported, skipped with reason `'circuit-open'`, and return to the queue
 * when the circuit may close); after the open period a few records probe,
 * and the circuit closes on their success. Its state lives in this process,
 * or in a shared `store` so that every instance opens together. Handlers
 * given the same breaker share its circuit. It logs through the logger of
 * the first handler it is given to, one line when it opens and one when it
 * closes.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { createBatchHandler } from 'sqs-partial-batch';
 * import { CircuitBreaker } from 'sqs-partial-batch/circuit-breaker';
 *
 * declare function charge(body: string): Promise<void>; // calls the payments API
 * export const handler = createBatchHandler(async (record) => charge(record.body), {
 *   circuitBreaker: new CircuitBreaker({ client: new SQSClient({}) }),
 * });
 * ```
 */
export class CircuitBreaker implements CircuitSource {
  private readonly settings: ResolvedCircuitBreaker;
  private machine: CircuitMachine | undefined;

  /**
   * @param options - See {@link CircuitBreakerOptions}; every one has a default.
   * @throws `InvalidOptionsError` for an unknown option or a bad value.
   */
  constructor(options: CircuitBreakerOptions = {}) {
    this.settings = resolveCircuitBreaker(options);
  }

  /**
   * The circuit's state as this process last saw it (a shared state is read
   * once per batch): `closed` until it is first given to a handler.
   *
   * @param now - The time to judge it at (epoch ms). @default Date.now()
   * @returns `'closed'`, `'open'`, or `'half-open'` (a probe may run, or runs).
   */
  state(now: number = Date.now()): CircuitState {
    return this.machine?.state(now) ?? 'closed';
  }

  /** Attaches the breaker to a handler, processor or consumer (called when it is created). */
  [CIRCUIT](
    keys: readonly string[],
    logger: BatchLogger | undefined,
    backoffClient: SqsClientLike | undefined,
  ): AttachedCircuit {
    const { settings } = this;
    const host: CircuitHost = keys.includes('throwOnFullBatchFailure')
      ? 'handler'
      : keys.includes('timeoutMarginMs')
        ? 'processor'
        : 'consumer';
    checkHost(settings, host);
    this.machine ??= new CircuitMachine(settings, logger);
    const machine = this.machine;
    const whenOpen = settings.whenOpen ?? CIRCUIT_BREAKER_DEFAULTS.whenOpen;
    const client = settings.client ?? backoffClient;
    return {
      control: machine,
      halfOpenRecords: settings.halfOpenRecords,
      verdict(outcomes, now) {
        if (host !== 'handler' || outcomes.length === 0 || !outcomes.every(isShortCircuited)) return undefined;
        return whenOpen === 'report' ? 'report' : new CircuitOpenError(Math.ceil(machine.waitMs(now) / 1000));
      },
      measure(outcomes, now) {
        return [outcomes.filter(isShortCircuited).length, machine.state(now) === 'closed' ? 0 : 1];
      },
      async finish(gate, run, outcomes, budget) {
        const now = run.clock.now();
        const storing = gate.finish(now);
        if (client !== undefined && run.host === undefined) {
          await park(client, run, outcomes, gate.delaySeconds(now), backoffClient !== undefined, budget);
        }
        if (storing !== undefined) {
          await budget.within(
            () => storing,
            settings.storeTimeoutMs,
            () => new Error('No time was left to store the circuit state'),
          );
        }
      },
    };
  }
}

function isShortCircuited(outcome: RecordOutcome): boolean {
  return outcome.status === 'skipped' && outcome.reason === 'circuit-open';
}
