import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Acknowledger } from '../../src/consumer/acknowledger.js';
import { Batch, type BatchOwner, type BatchSettings } from '../../src/consumer/batch.js';
import { VisibilityLostError } from '../../src/consumer/errors.js';
import { QueueCalls } from '../../src/consumer/queue.js';
import { createEngine } from '../../src/engine.js';
import { type IdempotencyStore, MemoryIdempotencyStore, type ProcessRecord } from '../../src/index.js';
import type { FailedEntry } from '../../src/sqs.js';
import { deferred, sqsEvent } from '../helpers/events.js';

type Visibility = Array<{ receiptHandle: string; seconds: number }>;

/** What a Batch needs of its owner, with every lever in the open. */
function fakeOwner(processRecord: ProcessRecord<string>, options: Record<string, unknown> = {}, fifo = false) {
  const calls = {
    deleted: [] as string[],
    released: [] as string[],
    extended: [] as Visibility[],
    timeouts: [] as number[],
    settled: 0,
    releasedBefore: 0,
    done: [] as unknown[],
    logs: [] as string[],
  };
  let answer: (entries: Visibility) => Promise<FailedEntry[]> = async () => [];
  const owner: BatchOwner = {
    canStart: () => true,
    acknowledge: (kind, messageId) => void (kind === 'delete' ? calls.deleted : calls.released).push(messageId),
    extendVisibility: (entries, timeoutMs) => {
      calls.extended.push([...entries]);
      calls.timeouts.push(timeoutMs);
      return answer([...entries]);
    },
    recordStarted() {},
    // A slot is always free here: the poller's slots have tests of their own (consumerPrefetch.test.ts).
    acquireSlot: () => undefined,
    releaseSlot() {},
    recordSettled: () => void calls.settled++,
    recordsReleased(count: number) {
      calls.releasedBefore += count;
    },
    batchDone: (_batch, counts) => void calls.done.push(counts),
    log: (_level, message) => void calls.logs.push(message),
  };
  const settings: BatchSettings = {
    engine: createEngine(processRecord, { logger: false, concurrency: 10, ...options }, { keepsSuccesses: true }),
    fifo,
    heartbeat: { enabled: true, visibilitySeconds: 3, callTimeoutMs: 5000 },
  };
  return {
    batchOf: (received: readonly SQSRecord[], at: number) => new Batch(settings, owner, received, at),
    owner,
    settings,
    calls,
    answerExtensions(next: (entries: Visibility) => Promise<FailedEntry[]>) {
      answer = next;
    },
  };
}

const records = (bodies: string[], groups?: string[]): SQSRecord[] =>
  sqsEvent(bodies, groups === undefined ? {} : { fifo: true, groupId: (i) => groups[i] as string }).Records;

describe('a received batch (the engine host)', () => {
  it('releases the records of FIFO groups an earlier batch left unfinished, and runs the others', async () => {
    const ran: string[] = [];
    const { batchOf, calls } = fakeOwner((record) => void ran.push(record.body), {}, true);
    const batch = batchOf(records(['g-1', 'h-1', 'g-2', 'h-2'], ['g', 'h', 'g', 'h']), Date.now());

    await batch.run(Promise.resolve(new Set(['g'])));

    expect(ran).toEqual(['h-1', 'h-2']);
    expect(calls.released).toHaveLength(2);
    expect(calls.releasedBefore).toBe(2);
    expect(calls.deleted).toHaveLength(2);
    expect(await batch.done).toEqual(new Set(['g']));
  });

  describe('heartbeat', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('extends held records at two thirds of their visibility, and renews their claims to the same horizon', async () => {
      const claims: number[] = [];
      const inner = new MemoryIdempotencyStore();
      const store: IdempotencyStore = {
        claim: (batch, now) => {
          claims.push(...batch.map((claim) => claim.inProgressUntil));
          return inner.claim(batch, now);
        },
        complete: (completions, now) => inner.complete(completions, now),
        release: (releases) => inner.release(releases),
      };
      const gate = deferred();
      const { batchOf, calls } = fakeOwner(() => gate.promise, { idempotency: { store } });
      const start = Date.now();
      const batch = batchOf(records(['a', 'b']), start);

      const run = batch.run(undefined);
      await vi.advanceTimersByTimeAsync(1999);
      expect(calls.extended).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls.extended).toHaveLength(1);
      expect(calls.extended[0]?.map((entry) => entry.seconds)).toEqual([3, 3]);
      await vi.advanceTimersByTimeAsync(2000);
      expect(calls.extended).toHaveLength(2);
      gate.resolve();
      await run;
      await vi.advanceTimersByTimeAsync(10_000);

      expect(calls.extended).toHaveLength(2);
      expect(claims).toEqual([start + 3000, start + 3000, start + 5000, start + 5000, start + 7000, start + 7000]);
    });

    it('retries an extension that failed for a passing reason, and loses a record SQS refuses or time runs out for', async () => {
      const signals: AbortSignal[] = [];
      const gate = deferred();
      const { batchOf, calls, answerExtensions } = fakeOwner((_record, { signal }) => {
        signals.push(signal);
        return gate.promise;
      });
      const batch = batchOf(records(['passing', 'refused', 'extended']), Date.now());
      const [passing, refused] = batch.records as [SQSRecord, SQSRecord, SQSRecord];
      answerExtensions(async () => [
        { receiptHandle: passing.receiptHandle, error: 'InternalError: try again', senderFault: false },
        { receiptHandle: refused.receiptHandle, error: 'ReceiptHandleIsInvalid: gone', senderFault: true },
      ]);

      const run = batch.run(undefined);
      await vi.advanceTimersByTimeAsync(2000);
      expect(signals[1]?.aborted).toBe(true);
      expect(signals[1]?.reason).toBeInstanceOf(VisibilityLostError);
      expect(signals[0]?.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(350);
      // Only the record whose extension failed is due again: the third was extended.
      expect(calls.extended.map((entries) => entries.length)).toEqual([3, 1]);
      answerExtensions(() => Promise.reject(new Error('socket hang up')));
      await vi.advanceTimersByTimeAsync(1000);
      expect(signals[0]?.aborted).toBe(true);
      expect(String(signals[0]?.reason)).toContain('socket hang up');
      gate.resolve();
      await run;

      expect(calls.logs.filter((line) => line.startsWith('A held record lost its message'))).toHaveLength(2);
    });

    it('hands a record lost before it read its signal an aborted one', async () => {
      const gate = deferred();
      let reason: unknown;
      const { batchOf, answerExtensions } = fakeOwner(async (record, ctx) => {
        if (record.body === 'late') {
          await gate.promise;
          reason = ctx.signal.reason;
        } else {
          await gate.promise;
        }
      });
      answerExtensions(async (entries) =>
        entries.map(({ receiptHandle }) => ({
          receiptHandle,
          error: 'ReceiptHandleIsInvalid: gone',
          senderFault: true,
        })),
      );
      const batch = batchOf(records(['late']), Date.now());

      const run = batch.run(undefined);
      await vi.advanceTimersByTimeAsync(2000);
      gate.resolve();
      await run;

      expect(reason).toBeInstanceOf(VisibilityLostError);
    });
  });
});

describe('the acknowledger', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries what failed until the message would be visible again, then reports it, and ignores answers about unknown entries', async () => {
    const sent: string[][] = [];
    const given: Array<{ kind: string; ids: string[]; error: string }> = [];
    let idle = 0;
    const queue = {
      callTimeoutMs: 5000,
      delete: async (handles: readonly string[]) => {
        sent.push([...handles]);
        if (sent.length === 1) throw 'a thrown string';
        return [
          { receiptHandle: 'unknown', error: 'x', senderFault: false },
          ...handles.map((receiptHandle) => ({ receiptHandle, error: 'InternalError: later', senderFault: false })),
        ];
      },
    } as unknown as QueueCalls;
    const acks = new Acknowledger(
      queue,
      (kind, acked, error) => void given.push({ kind, ids: acked.map((ack) => ack.messageId), error }),
      () => void idle++,
    );

    acks.delete('m-1', 'rh-1', Date.now() + 1000);
    expect(acks.idle).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);

    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(given).toEqual([{ kind: 'delete', ids: ['m-1'], error: 'InternalError: later' }]);
    expect(acks.idle).toBe(true);
    expect(idle).toBeGreaterThan(0);
  });
});

describe('the acknowledger, closed', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends nothing more once closed: pending acks, scheduled flushes and retries are dropped', async () => {
    const sent: string[][] = [];
    const queue = {
      callTimeoutMs: 5000,
      delete: async (handles: readonly string[]) => {
        sent.push([...handles]);
        return handles.map((receiptHandle) => ({ receiptHandle, error: 'InternalError: later', senderFault: false }));
      },
      release: async (handles: readonly string[]) => {
        sent.push([...handles]);
        return [];
      },
    } as unknown as QueueCalls;
    const acks = new Acknowledger(
      queue,
      () => {},
      () => {},
    );

    acks.delete('m-1', 'rh-1', Date.now() + 60_000);
    await vi.advanceTimersByTimeAsync(0); // flushed: the delete failed and a retry is scheduled
    expect(sent).toEqual([['rh-1']]);
    acks.delete('m-2', 'rh-2', Date.now() + 60_000); // pending, its flush scheduled
    acks.close();
    acks.delete('m-3', 'rh-3', Date.now() + 60_000); // after close: ignored
    await vi.advanceTimersByTimeAsync(60_000);

    expect(sent).toEqual([['rh-1']]);
  });
});

describe('reading the queue', () => {
  it('falls back to SQS defaults for attributes it does not get', async () => {
    const client = { send: async () => ({ Attributes: { VisibilityTimeout: 'soon' } }) };

    const info = await (await QueueCalls.open(client, 'https://example.com/q', 5000)).describe();

    expect(info).toEqual({
      url: 'https://example.com/q',
      arn: '',
      region: '',
      visibilityTimeoutSeconds: 30,
      fifo: false,
    });
  });
});

describe('a batch whose run breaks (not expected: the consumer makes the event)', () => {
  afterEach(() => {
    vi.doUnmock('../../src/invocation/runInvocation.js');
    vi.resetModules();
  });

  it('acknowledges nothing, so every record comes back, and frees every slot', async () => {
    vi.resetModules();
    vi.doMock('../../src/invocation/runInvocation.js', () => ({
      runInvocation: async (_event: unknown, _context: unknown, _engine: unknown, host: Batch) => {
        host.follow({ isClosed: false, renewClaims: async () => [] }).recordStarted?.(0);
        throw new Error('engine bug');
      },
    }));
    const { Batch: FreshBatch } = await import('../../src/consumer/batch.js');
    const { owner, settings, calls } = fakeOwner(() => {});

    await new FreshBatch(settings, owner, records(['a', 'b']), Date.now()).run(undefined);

    expect(calls.logs).toEqual(['The consumer could not run a batch; its messages come back']);
    expect(calls.done).toEqual([{ unsettled: 2, running: 1, failed: 2, released: 0 }]);
    expect([...calls.deleted, ...calls.released]).toEqual([]);
  });
});
