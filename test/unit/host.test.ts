import { describe, expect, it } from 'vitest';
import type { InvocationHooks } from '../../src/contracts/hooks.js';
import type { HostedInvocation, InvocationHost } from '../../src/contracts/host.js';
import { createEngine } from '../../src/engine.js';
import {
  type IdempotencyClaim,
  type IdempotencyStore,
  MemoryIdempotencyStore,
  type ProcessRecord,
  type RecordOutcome,
} from '../../src/index.js';
import { runInvocation } from '../../src/invocation/runInvocation.js';
import { deferred, flush, lambdaContext, sqsEvent } from '../helpers/events.js';

/** A host like the consumer's, with its levers in the open. */
class TestHost implements InvocationHost {
  stopped = false;
  readonly abandon = deferred();
  readonly controllers = new Map<number, AbortController>();
  readonly started: number[] = [];
  readonly settled: RecordOutcome[] = [];
  invocation: HostedInvocation | undefined;
  horizon = Date.now() + 30_000;

  follow(invocation: HostedInvocation): InvocationHooks {
    this.invocation = invocation;
    return {
      recordStarted: (index) => this.started.push(index),
      recordSettled: (outcome) => this.settled.push(outcome),
    };
  }
  canStart(): boolean {
    return !this.stopped;
  }
  get abandoned(): Promise<void> {
    return this.abandon.promise;
  }
  signal(index: number): AbortSignal {
    let controller = this.controllers.get(index);
    if (controller === undefined) {
      controller = new AbortController();
      this.controllers.set(index, controller);
    }
    return controller.signal;
  }
  claimUntil(): number {
    return this.horizon;
  }
}

const engineOf = (processRecord: ProcessRecord<string>, options: Record<string, unknown> = {}) =>
  createEngine(processRecord, { logger: false, ...options }, { keepsSuccesses: true });

describe('the engine under a host (what runs it outside Lambda)', () => {
  it('follows records through the host hooks and gives each record its own signal', async () => {
    const host = new TestHost();
    const seen: AbortSignal[] = [];
    const engine = engineOf(
      (record, { signal }) => {
        seen.push(signal);
        if (record.body === 'bad') throw new Error('bad');
      },
      { concurrency: 3 },
    );

    const { outcomes } = await runInvocation(sqsEvent(['a', 'bad', 'c']), undefined, engine, host);

    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(host.started).toEqual([0, 1, 2]);
    expect(host.settled.map((o) => o.index)).toEqual([0, 1, 2]);
    expect(seen).toEqual([0, 1, 2].map((i) => host.controllers.get(i)?.signal));
  });

  it('starts no record once the host stops, and skips the rest as shutdown', async () => {
    const host = new TestHost();
    const engine = engineOf(
      () => {
        host.stopped = true;
      },
      { concurrency: 1 },
    );

    const { outcomes, response } = await runInvocation(sqsEvent(['a', 'b', 'c']), undefined, engine, host);

    expect(outcomes.map((o) => (o.status === 'skipped' ? o.reason : o.status))).toEqual([
      'succeeded',
      'shutdown',
      'shutdown',
    ]);
    expect(response.batchItemFailures).toHaveLength(2);
  });

  it('keeps the Lambda deadline under a host too: records not started for want of time are skipped as timeout', async () => {
    const host = new TestHost();
    const engine = engineOf(() => {}, { concurrency: 1 });

    const { outcomes } = await runInvocation(sqsEvent(['a']), lambdaContext({ remainingMs: 500 }), engine, host);

    expect(outcomes[0]).toMatchObject({ status: 'skipped', reason: 'timeout' });
  });

  it('concludes when the host abandons running records: they fail with their signal reason, unstarted ones skip', async () => {
    const host = new TestHost();
    const reason = new Error('shutdown timeout');
    const engine = engineOf(() => new Promise(() => {}), { concurrency: 1 });

    const result = runInvocation(sqsEvent(['hangs', 'never']), undefined, engine, host);
    await flush();
    host.stopped = true;
    host.signal(0);
    host.controllers.get(0)?.abort(reason);
    host.abandon.resolve();
    const { outcomes } = await result;

    expect(outcomes[0]).toMatchObject({ status: 'failed', error: reason });
    expect(outcomes[1]).toMatchObject({ status: 'skipped', reason: 'shutdown' });
    expect(host.settled.map((o) => o.status)).toEqual(['failed']);
  });

  it('claims keys until the host horizon, renews them under the same token, and stops renewing once finished', async () => {
    const claims: IdempotencyClaim[][] = [];
    const inner = new MemoryIdempotencyStore();
    const store: IdempotencyStore = {
      claim: (batch, now) => {
        claims.push([...batch]);
        return inner.claim(batch, now);
      },
      complete: (completions, now) => inner.complete(completions, now),
      release: (releases) => inner.release(releases),
    };
    const host = new TestHost();
    const gate = deferred();
    const engine = engineOf(() => gate.promise, { idempotency: { store } });

    const result = runInvocation(sqsEvent(['a', 'b']), undefined, engine, host);
    await flush();
    const renewed = await host.invocation?.renewClaims(host.horizon + 60_000);
    gate.resolve();
    await result;
    const afterwards = await host.invocation?.renewClaims(host.horizon + 120_000);

    expect(claims[0]?.map((c) => c.inProgressUntil)).toEqual([host.horizon, host.horizon]);
    expect(claims[1]?.map((c) => c.inProgressUntil)).toEqual([host.horizon + 60_000, host.horizon + 60_000]);
    expect(claims[1]?.map((c) => c.token)).toEqual(claims[0]?.map((c) => c.token));
    expect(renewed).toEqual([]);
    expect(afterwards).toEqual([]);
    expect(claims).toHaveLength(2);
  });

  it('reports the records whose claim another holder took, and all of them when the store fails', async () => {
    let fail = false;
    let short = false;
    const inner = new MemoryIdempotencyStore();
    const store: IdempotencyStore = {
      claim: (batch, now) =>
        fail ? Promise.reject(new Error('store down')) : short ? Promise.resolve([]) : inner.claim(batch, now),
      complete: (completions, now) => inner.complete(completions, now),
      release: (releases) => inner.release(releases),
    };
    const host = new TestHost();
    const gate = deferred();
    const engine = engineOf(() => gate.promise, { idempotency: { store } });
    const event = sqsEvent(['a', 'b']);
    const [first, second] = event.Records.map((r) => r.messageId) as [string, string];

    const result = runInvocation(event, undefined, engine, host);
    await flush();
    inner.clear();
    await inner.claim(
      [{ key: second, token: 'thief', inProgressUntil: Date.now() + 60_000, payloadHash: undefined }],
      Date.now(),
    );
    const taken = await host.invocation?.renewClaims(host.horizon + 60_000);
    fail = true;
    const failing = await host.invocation?.renewClaims(host.horizon + 60_000);
    fail = false;
    short = true;
    const unanswered = await host.invocation?.renewClaims(host.horizon + 60_000);
    short = false;
    gate.resolve();
    await result;

    expect(taken).toEqual([1]);
    expect(failing).toEqual([0, 1]);
    expect(unanswered).toEqual([0, 1]);
    expect(
      (await inner.claim([{ key: first, token: 'later', inProgressUntil: 1, payloadHash: undefined }], 0))[0],
    ).toEqual({
      status: 'completed',
      payloadHash: undefined,
    });
  });
});
