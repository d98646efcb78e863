import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CIRCUIT_BREAKER_DEFAULTS,
  CircuitBreaker,
  type CircuitSnapshot,
  type CircuitStateStore,
} from '../../src/circuit/index.js';
import { createBatchProcessor, PermanentError, type RecordOutcome } from '../../src/index.js';
import { sqsEvent } from '../../src/testing/index.js';
import type { BatchLogger } from '../../src/types.js';

// A shared circuit: what each answer of the state store makes the breaker do, beside the store
// failures of circuitBreaker.test.ts. On fake time.

const T0 = Date.UTC(2026, 0, 1);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `m-${i}`);
const statuses = (outcomes: readonly RecordOutcome[]) =>
  outcomes.map((o) => (o.status === 'skipped' ? `skipped:${o.reason}` : o.status));

function logs() {
  const logged: Array<{ level: string; message: string; attributes: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, attributes: Record<string, unknown> = {}) =>
      logged.push({ level, message, attributes });
  const logger: BatchLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, logged, messages: () => logged.map((l) => l.message) };
}

/** A store whose reads answer `reads` in turn (the last one again after), and whose writes answer `write`. */
function scripted(reads: unknown[], write: (snapshot: CircuitSnapshot, expected: number) => unknown) {
  const writes: Array<{ snapshot: CircuitSnapshot; expected: number }> = [];
  let n = 0;
  const store: CircuitStateStore = {
    read: async () => reads[Math.min(n++, reads.length - 1)] as CircuitSnapshot | undefined,
    write: async (_name, snapshot, expected) => {
      writes.push({ snapshot, expected });
      return write(snapshot, expected) as boolean;
    },
  };
  return { store, writes };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Open until a second ago: the next invocation may probe. */
const lapsed: CircuitSnapshot = { state: 'open', until: T0 - 1000, opens: 1, version: 7 };

describe('a shared circuit whose open period is over', () => {
  it('probes when its write wins: the probe succeeds, the circuit closes, and the batch runs on', async () => {
    const { store, writes } = scripted([lapsed], () => true);
    const { logger, messages } = logs();
    let calls = 0;
    const processBatch = createBatchProcessor(() => void calls++, {
      logger,
      circuitBreaker: new CircuitBreaker({ store, halfOpenRecords: 1 }),
    });
    const { outcomes } = await processBatch(sqsEvent(ids(3)));
    expect(statuses(outcomes)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(calls).toBe(3);
    // The claim of the probe replaces version 7, then the close replaces the claim.
    expect(writes.map((w) => [w.snapshot.state, w.expected])).toEqual([
      ['half-open', 7],
      ['closed', 8],
    ]);
    expect(messages()).toContain('Circuit breaker closed: records run again');
  });

  it('does not run its records when another instance claimed the probe first (the write loses)', async () => {
    const { store, writes } = scripted([lapsed], () => false);
    const { logger, messages } = logs();
    let calls = 0;
    const processBatch = createBatchProcessor(() => void calls++, {
      logger,
      circuitBreaker: new CircuitBreaker({ store }),
    });
    const { outcomes } = await processBatch(sqsEvent(ids(2)));
    expect(statuses(outcomes)).toEqual(['skipped:circuit-open', 'skipped:circuit-open']);
    expect(calls).toBe(0);
    expect(writes).toHaveLength(1);
    expect(messages()).not.toContain('The circuit state store failed; records run as if there were no circuit breaker');
  });

  it('treats a write answered with something else than a boolean as lost, and says the store failed', async () => {
    const { store } = scripted([lapsed], () => 'OK');
    const { logger, logged } = logs();
    let calls = 0;
    const processBatch = createBatchProcessor(() => void calls++, {
      logger,
      circuitBreaker: new CircuitBreaker({ store }),
    });
    expect(statuses((await processBatch(sqsEvent(ids(1)))).outcomes)).toEqual(['skipped:circuit-open']);
    const failures = logged.filter((l) => l.message.startsWith('The circuit state store failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.attributes).toMatchObject({ operation: 'write' });
    // The next invocation reads the same lapsed state and tries again: still no record runs.
    expect(statuses((await processBatch(sqsEvent(ids(1)))).outcomes)).toEqual(['skipped:circuit-open']);
    expect(calls).toBe(0);
  });

  it('runs its records as if there were no breaker when the write throws', async () => {
    const { store } = scripted([lapsed], () => {
      throw new Error('connection reset');
    });
    const { logger, logged } = logs();
    let calls = 0;
    const processBatch = createBatchProcessor(() => void calls++, {
      logger,
      circuitBreaker: new CircuitBreaker({ store }),
    });
    expect(statuses((await processBatch(sqsEvent(ids(2)))).outcomes)).toEqual(['succeeded', 'succeeded']);
    expect(calls).toBe(2);
    expect(logged.find((l) => l.message.startsWith('The circuit state store failed'))?.attributes).toMatchObject({
      operation: 'write',
      error: expect.stringContaining('connection reset'),
    });
  });
});

describe('probes that say nothing of the downstream', () => {
  it('lets the next record probe in place of one that failed for good, and closes on its success', async () => {
    const { store } = scripted([lapsed], () => true);
    const seen: string[] = [];
    const processBatch = createBatchProcessor(
      (record) => {
        seen.push(record.body);
        if (record.body === 'm-0') throw new PermanentError('malformed order');
      },
      { logger: false, circuitBreaker: new CircuitBreaker({ store, halfOpenRecords: 1 }) },
    );
    const { outcomes } = await processBatch(sqsEvent(ids(3)));
    expect(statuses(outcomes)).toEqual(['failed', 'succeeded', 'succeeded']);
    expect(seen).toEqual(['m-0', 'm-1', 'm-2']);
  });

  it('ends a probing invocation whose records all said nothing with the circuit open until now, so another may probe', async () => {
    const { store, writes } = scripted([lapsed], () => true);
    const processBatch = createBatchProcessor(
      () => {
        throw new PermanentError('malformed order');
      },
      { logger: false, circuitBreaker: new CircuitBreaker({ store, halfOpenRecords: 1 }) },
    );
    const { outcomes } = await processBatch(sqsEvent(ids(2)));
    expect(statuses(outcomes)).toEqual(['failed', 'failed']);
    expect(writes.map((w) => [w.snapshot.state, w.snapshot.until, w.expected])).toEqual([
      // The probe's lease: the open period the next opening would have (twice openSeconds).
      ['half-open', T0 + 2 * CIRCUIT_BREAKER_DEFAULTS.openSeconds * 1000, 7],
      ['open', T0, 8],
    ]);
  });
});

describe('the shared state as other instances change it', () => {
  it('follows another instance opening and then closing the circuit, and says so', async () => {
    const open: CircuitSnapshot = { state: 'open', until: T0 + 60_000, opens: 1, version: 3 };
    const closed: CircuitSnapshot = { state: 'closed', until: 0, opens: 0, version: 5 };
    const { store, writes } = scripted([undefined, open, closed], () => true);
    const { logger, logged } = logs();
    let calls = 0;
    const processBatch = createBatchProcessor(() => void calls++, {
      logger,
      circuitBreaker: new CircuitBreaker({ store }),
    });
    // No state stored yet: closed.
    expect(statuses((await processBatch(sqsEvent(ids(1)))).outcomes)).toEqual(['succeeded']);
    expect(statuses((await processBatch(sqsEvent(ids(1)))).outcomes)).toEqual(['skipped:circuit-open']);
    expect(statuses((await processBatch(sqsEvent(ids(1)))).outcomes)).toEqual(['succeeded']);
    expect(calls).toBe(2);
    expect(writes).toEqual([]);
    const reasons = logged.filter((l) => l.message.startsWith('Circuit breaker')).map((l) => l.attributes.reason);
    expect(reasons).toEqual(['another instance opened it', 'another instance closed it']);
    // The store answers again after nothing went wrong: no recovery line.
    expect(logged.map((l) => l.message)).not.toContain('The circuit state store answers again');
  });

  it('keeps its own newer state over an older one the store still answers (its write in flight)', async () => {
    // This instance opens the circuit (version 1); the store still answers the closed state of version 0.
    const stale: CircuitSnapshot = { state: 'closed', until: 0, opens: 0, version: 0 };
    const { store, writes } = scripted([stale], () => new Promise(() => {}));
    let calls = 0;
    const processBatch = createBatchProcessor(
      () => {
        calls++;
        throw new Error('down');
      },
      { logger: false, circuitBreaker: new CircuitBreaker({ store, failureThreshold: 2, storeTimeoutMs: 100 }) },
    );
    const first = processBatch(sqsEvent(ids(3)));
    await vi.advanceTimersByTimeAsync(200);
    expect(statuses((await first).outcomes)).toEqual(['failed', 'failed', 'skipped:circuit-open']);
    expect(writes.map((w) => w.snapshot.state)).toEqual(['open']);
    const second = processBatch(sqsEvent(ids(1)));
    await vi.advanceTimersByTimeAsync(200);
    // A write that timed out makes the next read decide: the store's closed state is taken.
    expect(statuses((await second).outcomes)).toEqual(['failed']);
    expect(calls).toBe(3);
  });

  it('says once that the store answers again after a run of failures', async () => {
    let failing = true;
    const store: CircuitStateStore = {
      read: async () => {
        if (failing) throw new Error('timeout');
        return undefined as never;
      },
      write: async () => true,
    };
    const { logger, messages } = logs();
    const processBatch = createBatchProcessor(() => {}, { logger, circuitBreaker: new CircuitBreaker({ store }) });
    await processBatch(sqsEvent(ids(1)));
    await processBatch(sqsEvent(ids(1)));
    failing = false;
    await processBatch(sqsEvent(ids(1)));
    await processBatch(sqsEvent(ids(1)));
    expect(messages().filter((m) => m.startsWith('The circuit state store'))).toEqual([
      'The circuit state store failed; records run as if there were no circuit breaker',
      'The circuit state store answers again',
    ]);
  });

  it.each<[string, unknown]>([
    ['a negative version', { state: 'open', until: T0 + 1000, opens: 1, version: -1 }],
    ['opens past 1,000', { state: 'open', until: T0 + 1000, opens: 5000, version: 1 }],
    ['an unknown state', { state: 'ajar', until: T0 + 1000, opens: 1, version: 1 }],
    ['a string', 'open'],
    [
      'a getter that throws',
      Object.defineProperty({}, 'state', {
        get() {
          throw new Error('proxy');
        },
      }),
    ],
  ])('fails open on a stored state with %s', async (_title, value) => {
    const { store } = scripted([value], () => true);
    const { logger, messages } = logs();
    let calls = 0;
    const processBatch = createBatchProcessor(() => void calls++, {
      logger,
      circuitBreaker: new CircuitBreaker({ store }),
    });
    expect(statuses((await processBatch(sqsEvent(ids(2)))).outcomes)).toEqual(['succeeded', 'succeeded']);
    expect(calls).toBe(2);
    expect(messages()).toContain('The circuit state store failed; records run as if there were no circuit breaker');
  });
});
