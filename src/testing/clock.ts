import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../clock.js';

/** What the clock needs to know about the invocation a timer belongs to. */
export interface ClockOwner {
  /** False once the invocation has replied, timed out or crashed: its timers never fire again (Lambda froze it). */
  readonly alive: boolean;
  /** How many of its `sleep` calls are pending: while above 0 it waits on simulated time. */
  sleeping: number;
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  readonly owner: ClockOwner | undefined;
  cancelled: boolean;
}

/**
 * Simulated time. Nothing moves it but the simulator, which advances it to the
 * next timer when every running invocation is waiting on it. Timers set from
 * inside an invocation belong to it, and are dropped once it is frozen.
 *
 * @example
 * ```ts
 * import { QueueSimulator } from 'sqs-partial-batch/testing';
 *
 * const sim = new QueueSimulator();
 * const handler = async () => {
 *   await sim.clock.sleep(250); // a quarter of a simulated second
 * };
 * ```
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers: Timer[] = [];
  /** Bumped on every timer set, fired or cancelled: the simulator watches it to see progress. */
  changes = 0;
  /** @internal The invocation the current async context belongs to. */
  readonly owner = new AsyncLocalStorage<ClockOwner>();

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer: Timer = {
      at: this.current + Math.max(0, Number.isFinite(ms) ? ms : 0),
      seq: this.seq++,
      callback,
      owner: this.owner.getStore(),
      cancelled: false,
    };
    this.insert(timer);
    this.changes++;
    return timer;
  }

  clearTimeout(handle: unknown): void {
    const timer = handle as Timer | undefined;
    if (timer !== undefined && !timer.cancelled) {
      timer.cancelled = true;
      this.changes++;
    }
  }

  /**
   * Resolves after `ms` of simulated time; rejects with the signal's reason
   * if `signal` aborts first. Use it in handlers for work that takes time.
   */
  sleep(ms: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const owner = this.owner.getStore();
    return new Promise<void>((resolve, reject) => {
      if (owner) owner.sleeping++;
      let handle: unknown;
      const done = () => {
        if (owner) owner.sleeping--;
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        this.clearTimeout(handle);
        done();
        reject(signal?.reason);
      };
      handle = Number.isFinite(ms)
        ? this.setTimeout(() => {
            done();
            resolve();
          }, ms)
        : undefined; // forever: only the signal ends it
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** @internal When the next live timer fires, if any. */
  nextAt(): number | undefined {
    this.dropDead();
    return this.timers[0]?.at;
  }

  /** @internal Moves time to `at` and fires every timer due by then, in order. */
  advanceTo(at: number): void {
    this.current = Math.max(this.current, at);
    for (;;) {
      this.dropDead();
      const timer = this.timers[0];
      if (timer === undefined || timer.at > this.current) return;
      this.pop();
      this.changes++;
      if (timer.owner === undefined || timer.owner.alive) {
        if (timer.owner) this.owner.run(timer.owner, timer.callback);
        else timer.callback();
      }
    }
  }

  private dropDead(): void {
    for (;;) {
      const first = this.timers[0];
      if (first === undefined || (!first.cancelled && (first.owner === undefined || first.owner.alive))) return;
      this.pop();
    }
  }

  private before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  /** Binary min-heap on (at, seq): cancelled timers stay until they reach the top. */
  private insert(timer: Timer): void {
    const heap = this.timers;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(timer, heap[parent] as Timer)) break;
      heap[i] = heap[parent] as Timer;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): Timer | undefined {
    const heap = this.timers;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = last;
      let at = -1;
      if (left < heap.length && this.before(heap[left] as Timer, smallest)) {
        smallest = heap[left] as Timer;
        at = left;
      }
      if (right < heap.length && this.before(heap[right] as Timer, smallest)) {
        smallest = heap[right] as Timer;
        at = right;
      }
      if (at === -1) break;
      heap[i] = smallest;
      i = at;
    }
    heap[i] = last;
    return top;
  }
}
