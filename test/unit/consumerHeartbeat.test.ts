import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat, type HeartbeatTarget } from '../../src/consumer/heartbeat.js';
import type { FailedEntry } from '../../src/sqs.js';
import { deferred } from '../helpers/events.js';

type Entries = ReadonlyArray<{ receiptHandle: string; seconds: number }>;

/** A heartbeat over `handles` (visibility 3 s from now), whose calls the test answers. */
function beating(handles: string[], holding = () => true) {
  const calls: Array<{ entries: Entries; timeoutMs: number; answer: ReturnType<typeof deferred<FailedEntry[]>> }> = [];
  const lost: Array<[number, string]> = [];
  const extended: number[] = [];
  const target: HeartbeatTarget = {
    holding,
    extend: (entries, timeoutMs) => {
      const answer = deferred<FailedEntry[]>();
      calls.push({ entries, timeoutMs, answer });
      return answer.promise;
    },
    extended: (until) => void extended.push(until),
    lost: (index, detail) => void lost.push([index, detail]),
  };
  const heartbeat = new Heartbeat(
    handles,
    Date.now() + 3000,
    { enabled: true, visibilitySeconds: 3, callTimeoutMs: 5000 },
    target,
  );
  heartbeat.start();
  return { heartbeat, calls, lost, extended };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the visibility heartbeat', () => {
  it('bounds an extension by the visibility left, loses what no answer confirmed in time, and holds it again if a late answer confirms it', async () => {
    const start = Date.now();
    const { heartbeat, calls, lost, extended } = beating(['rh-a']);

    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toHaveLength(1);
    // 1 s of visibility is left, less the 200 ms within which a record counts as lost.
    expect(calls[0]?.timeoutMs).toBe(800);
    await vi.advanceTimersByTimeAsync(800);
    expect(lost).toEqual([[0, 'no extension of its visibility timeout was confirmed before it ran out']]);

    calls[0]?.answer.resolve([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(extended).toEqual([start + 5000]);
    expect(heartbeat.visibleUntil(0)).toBe(start + 5000);
    await vi.advanceTimersByTimeAsync(1199);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2); // extended again, a third of 3 s before its new horizon
    heartbeat.stop();
  });

  it('ignores an answer about a receipt handle it no longer keeps (dropped, or a newer delivery adopted)', async () => {
    const { heartbeat, calls, lost, extended } = beating(['rh-a', 'rh-b']);

    await vi.advanceTimersByTimeAsync(2000);
    heartbeat.drop(0);
    heartbeat.adopt(1, 'rh-b-2', Date.now() + 3000);
    calls[0]?.answer.resolve([{ receiptHandle: 'rh-b', error: 'ReceiptHandleIsInvalid: stale', senderFault: true }]);
    await vi.advanceTimersByTimeAsync(0);

    expect(lost).toEqual([]);
    expect(extended).toEqual([]);
    expect(heartbeat.receiptHandle(1)).toBe('rh-b-2');
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls[1]?.entries).toEqual([{ receiptHandle: 'rh-b-2', seconds: 3 }]);
    heartbeat.stop();
  });

  it('extends nothing once its batch no longer holds the messages (the run concluded)', async () => {
    let holding = true;
    const { heartbeat, calls, lost } = beating(['rh-a'], () => holding);
    holding = false;

    await vi.advanceTimersByTimeAsync(5000);

    expect(calls).toEqual([]);
    expect(lost).toEqual([]);
    heartbeat.stop();
  });

  it('says why when it loses a record after failed attempts', async () => {
    const { heartbeat, calls, lost } = beating(['rh-a']);

    await vi.advanceTimersByTimeAsync(2000);
    calls[0]?.answer.resolve([{ receiptHandle: 'rh-a', error: 'InternalError: try again', senderFault: false }]);
    await vi.advanceTimersByTimeAsync(1000);

    expect(lost).toEqual([[0, 'its visibility timeout could not be extended (InternalError: try again)']]);
    heartbeat.stop();
  });
});
