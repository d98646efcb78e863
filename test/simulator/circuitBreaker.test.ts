import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/circuit/index.js';
import { createBatchHandler } from '../../src/index.js';
import { QueueSimulator, SimulatedDownstream } from '../../src/testing/index.js';
import type { BatchLogger } from '../../src/types.js';

const BACKLOG = 10_000;
const OUTAGE = { fromMs: 10_000, untilMs: 610_000 }; // ten minutes, starting 10 s into the backlog

/** Runs a 10,000-message backlog through a 10-minute outage of the downstream, with or without the breaker. */
async function outage(withBreaker: boolean) {
  const sim = new QueueSimulator({ seed: 24, maxReceiveCount: 5, maxConcurrency: 5 });
  const downstream = new SimulatedDownstream(sim.clock, { latencyMs: 20, outages: [OUTAGE] });
  for (let i = 0; i < BACKLOG; i++) sim.send({ orderId: i });
  const opened: Array<{ at: number; until: number }> = [];
  const logger: BatchLogger = {
    debug() {},
    info() {},
    error() {},
    warn(message, attributes) {
      if (message.startsWith('Circuit breaker opened') && typeof attributes?.until === 'string') {
        opened.push({ at: sim.clock.now(), until: Date.parse(attributes.until) });
      }
    },
  };
  const handler = createBatchHandler(() => downstream.call(), {
    logger,
    ...(withBreaker ? { circuitBreaker: new CircuitBreaker({ client: sim.sqs }) } : {}),
  });
  const result = await sim.run(handler);
  return { sim, result, downstream, opened, outageEnd: downstream.lastOutageEndsAt as number };
}

describe('circuit breaker on the queue simulator: a 10-minute outage, 10,000 messages, maxReceiveCount 5', () => {
  it('with the breaker (defaults), nothing reaches the DLQ, the downstream gets 90% fewer calls, and work resumes within one open period', async () => {
    const without = await outage(false);
    const withIt = await outage(true);

    const last = withIt.opened.filter((o) => o.at < withIt.outageEnd).at(-1) as { at: number; until: number };
    const resumedAfterMs = (withIt.downstream.firstSuccessAfterOutageAt as number) - withIt.outageEnd;
    const figures = {
      deadLettered: { without: without.result.deadLettered.length, with: withIt.result.deadLettered.length },
      callsDuringOutage: {
        without: without.downstream.callsDuringOutage,
        with: withIt.downstream.callsDuringOutage,
      },
      resumedAfterOutageSeconds: resumedAfterMs / 1000,
      openPeriodAtOutageEndSeconds: (last.until - last.at) / 1000,
      opens: withIt.opened.length,
      deleted: withIt.result.deletions,
    };
    console.info(`circuit breaker, Lambda on the simulator: ${JSON.stringify(figures)}`);

    expect(without.result.deadLettered.length).toBeGreaterThan(0);
    expect(withIt.result.deadLettered).toEqual([]);
    expect(withIt.result.deletions).toBe(BACKLOG);
    expect(withIt.downstream.callsDuringOutage).toBeLessThanOrEqual(without.downstream.callsDuringOutage * 0.1);
    // One open period (the one running when the outage ended) plus one batch.
    expect(resumedAfterMs).toBeLessThanOrEqual(last.until - withIt.outageEnd + 1000);
  }, 60_000);
});
