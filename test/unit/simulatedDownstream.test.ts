import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/index.js';
import { SimulatedDownstream, VirtualClock } from '../../src/testing/index.js';

// SimulatedDownstream on its own, on a clock the test moves: what a test of a circuit breaker reads.

const T0 = Date.UTC(2026, 0, 1);

describe('SimulatedDownstream', () => {
  it('fails calls that start in an outage, counts them, and notes the first success after the last one', async () => {
    const clock = new VirtualClock(T0);
    const down = new SimulatedDownstream(clock, {
      latencyMs: 10,
      outages: [
        { fromMs: 100, untilMs: 200 },
        { fromMs: 300, untilMs: 400 },
      ],
    });
    expect(down.lastOutageEndsAt).toBe(T0 + 400);
    const results: string[] = [];
    const callAt = async (ms: number) => {
      clock.advanceTo(T0 + ms);
      const call = down.call().then(
        () => 'ok',
        (error: Error) => error.message,
      );
      clock.advanceTo(T0 + ms + 10);
      results.push(`${ms}: ${await call}`);
    };
    for (const ms of [0, 150, 250, 350, 450, 500]) await callAt(ms);
    expect(results).toEqual([
      '0: ok',
      '150: The simulated downstream is unavailable',
      '250: ok',
      '350: The simulated downstream is unavailable',
      '450: ok',
      '500: ok',
    ]);
    expect(down.calls).toBe(6);
    expect(down.callsDuringOutage).toBe(2);
    expect(down.firstSuccessAfterOutageAt).toBe(T0 + 460);
    expect(down.isDown(T0 + 399)).toBe(true);
    expect(down.isDown(T0 + 400)).toBe(false);
  });

  it('without outages is never down, and has no last outage', async () => {
    const clock = new VirtualClock(T0);
    const up = new SimulatedDownstream(clock);
    expect(up.isDown()).toBe(false);
    expect(up.lastOutageEndsAt).toBeUndefined();
    const call = up.call();
    clock.advanceTo(T0 + 20); // the default latency
    await call;
    expect(up.firstSuccessAfterOutageAt).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['outages that are not an array', { outages: {} }, 'Expected `outages` to be an array of `{ fromMs, untilMs }`'],
    ['an outage without its end', { outages: [{ fromMs: 5 }] }, 'Expected `outages[0].untilMs` to be given'],
    ['an outage that ends before it starts', { outages: [{ fromMs: 50, untilMs: 10 }] }, '`outages[0].untilMs`'],
    ['a negative latency', { latencyMs: -1 }, '`latencyMs`'],
    ['an unknown option', { latency: 5 }, 'latency'],
  ])('refuses %s', (_title, options, message) => {
    const clock = new VirtualClock(T0);
    expect(() => new SimulatedDownstream(clock, options as never)).toThrow(InvalidOptionsError);
    expect(() => new SimulatedDownstream(clock, options as never)).toThrow(message);
  });
});
