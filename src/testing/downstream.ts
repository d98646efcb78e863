import { integerIn, invalid, optionsObject } from './checks.js';
import type { VirtualClock } from './clock.js';

/**
 * A window of simulated time in which a {@link SimulatedDownstream} fails
 * every call, in ms from the moment the downstream was made.
 *
 * @example
 * ```ts
 * import type { DownstreamOutage } from 'sqs-partial-batch/testing';
 *
 * const tenMinutes: DownstreamOutage = { fromMs: 60_000, untilMs: 660_000 };
 * ```
 */
export interface DownstreamOutage {
  readonly fromMs: number;
  readonly untilMs: number;
}

/**
 * Options of {@link SimulatedDownstream}.
 *
 * @example
 * ```ts
 * import type { SimulatedDownstreamOptions } from 'sqs-partial-batch/testing';
 *
 * const options: SimulatedDownstreamOptions = { latencyMs: 50, outages: [{ fromMs: 0, untilMs: 600_000 }] };
 * ```
 */
export interface SimulatedDownstreamOptions {
  /** Simulated ms each call takes, failed or not: an integer >= 0. @default 20 */
  readonly latencyMs?: number | undefined;
  /** When it is down. @default [] (never) */
  readonly outages?: readonly DownstreamOutage[] | undefined;
}

/**
 * A service the record function calls, on a {@link QueueSimulator}'s clock:
 * each `call()` takes `latencyMs` of simulated time and fails while an
 * outage is on. It counts the calls, so a test can see what a circuit
 * breaker spares the service during an outage, and when work resumes.
 *
 * @example
 * ```ts
 * import { createBatchHandler } from 'sqs-partial-batch';
 * import { CircuitBreaker } from 'sqs-partial-batch/circuit-breaker';
 * import { QueueSimulator, SimulatedDownstream } from 'sqs-partial-batch/testing';
 *
 * const sim = new QueueSimulator({ maxReceiveCount: 5 });
 * const payments = new SimulatedDownstream(sim.clock, { outages: [{ fromMs: 0, untilMs: 600_000 }] });
 * for (let i = 0; i < 1000; i++) sim.send({ orderId: i });
 * const handler = createBatchHandler(() => payments.call(), {
 *   circuitBreaker: new CircuitBreaker({ client: sim.sqs }),
 * });
 * const result = await sim.run(handler);
 * console.log(payments.callsDuringOutage, result.deadLettered.length);
 * ```
 */
export class SimulatedDownstream {
  /** Calls made. */
  calls = 0;
  /** Calls made while an outage was on (each failed). */
  callsDuringOutage = 0;
  /** When the first call after the last outage succeeded (epoch ms, simulated), if one did. */
  firstSuccessAfterOutageAt: number | undefined;
  private readonly startedAt: number;
  private readonly latencyMs: number;
  private readonly outages: readonly DownstreamOutage[];

  /**
   * @param clock - The simulator's clock (`sim.clock`).
   * @param options - See {@link SimulatedDownstreamOptions}.
   * @throws InvalidOptionsError for an unknown option or a bad value.
   */
  constructor(
    private readonly clock: VirtualClock,
    options: SimulatedDownstreamOptions = {},
  ) {
    const input = optionsObject(options, 'SimulatedDownstream options', ['latencyMs', 'outages']);
    this.latencyMs = integerIn('latencyMs', input.latencyMs, 0, 3_600_000) ?? 20;
    const outages = input.outages ?? [];
    if (!Array.isArray(outages)) invalid('Expected `outages` to be an array of `{ fromMs, untilMs }`');
    this.outages = outages.map((outage: unknown, i: number) => {
      const { fromMs, untilMs } = optionsObject(outage, `outages[${i}]`, ['fromMs', 'untilMs']);
      const from = integerIn(`outages[${i}].fromMs`, fromMs, 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const until = integerIn(`outages[${i}].untilMs`, untilMs, from, Number.MAX_SAFE_INTEGER);
      if (until === undefined) invalid(`Expected \`outages[${i}].untilMs\` to be given`);
      return { fromMs: from, untilMs: until };
    });
    this.startedAt = clock.now();
  }

  /** Whether the service is down at `at` (epoch ms on the simulator's clock). @default now */
  isDown(at: number = this.clock.now()): boolean {
    const offset = at - this.startedAt;
    return this.outages.some((o) => offset >= o.fromMs && offset < o.untilMs);
  }

  /** When the last outage ends (epoch ms, simulated); `undefined` without outages. */
  get lastOutageEndsAt(): number | undefined {
    if (this.outages.length === 0) return undefined;
    return this.startedAt + Math.max(...this.outages.map((o) => o.untilMs));
  }

  /**
   * Calls the service: waits `latencyMs` of simulated time, then resolves,
   * or rejects while an outage is on (judged when the call starts).
   */
  async call(): Promise<void> {
    this.calls++;
    const down = this.isDown();
    if (down) this.callsDuringOutage++;
    await this.clock.sleep(this.latencyMs);
    if (down) throw new Error('The simulated downstream is unavailable');
    const end = this.lastOutageEndsAt;
    if (end !== undefined && this.clock.now() >= end) this.firstSuccessAfterOutageAt ??= this.clock.now();
  }
}
