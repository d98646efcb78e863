import type { FifoFailureMode, SkipReason } from './types.js';

/**
 * Runs records for the scheduler. `start` begins one record and answers
 * `true` or `false` when it settled at once (succeeded or not), returns the
 * user's work still in flight, or a `Settling` for work that settles the
 * record itself. The scheduler awaits the user's work and hands its result
 * to `succeeded` or its error to `failed`, which settle the record and
 * answer whether it succeeded. None of them may throw.
 *
 * Awaiting in the scheduler, rather than wrapping each record in an async
 * function, saves a promise and a microtask hop per record.
 *
 * The scheduler calls the runner's (and its sources') methods, never
 * closures made per invocation: optimized code that calls a closure keeps
 * it as a constant and is thrown away once the closure is collected, which
 * on a large batch means compiling the loop again on every invocation.
 */
export interface RecordRunner {
  /** Asked before each record starts; `false` stops the batch (the invocation is out of time). */
  canStart(): boolean;
  start(index: number): boolean | PromiseLike<unknown> | Settling;
  /** @param value What the record's work resolved to (a record can read as failed from it). */
  succeeded(index: number, value?: unknown): boolean;
  failed(index: number, error: unknown): boolean;
  /** Called for each record the FIFO rules decide not to start. */
  skip(index: number, reason: SkipReason): void;
}

/** A record that settles itself later (an async schema, a duplicate key waiting for its first record). */
export class Settling {
  /** @param done Resolves to whether the record succeeded, once it has settled; never rejects. */
  constructor(readonly done: PromiseLike<boolean>) {}
}

/** How records are scheduled. */
export interface SchedulePlan {
  /** Records in the batch. */
  readonly count: number;
  /** At most this many records in flight. */
  readonly concurrency: number;
  /** Per-record FIFO message group, or `undefined` for a standard queue. */
  readonly groups: ReadonlyArray<string | undefined> | undefined;
  readonly fifoFailure: FifoFailureMode;
}

/**
 * Runs the records. Standard queues: in event order, at most `concurrency` at
 * once. FIFO queues: each message group one record at a time in event order,
 * groups side by side up to `concurrency`; always the earliest record of an
 * idle group next, so `concurrency: 1` is exactly event order.
 *
 * Resolves when no record is running and none may start. Records neither run
 * nor skipped were stopped by `runner.canStart()`.
 */
export function schedule(plan: SchedulePlan, runner: RecordRunner): Promise<void> {
  const width = Math.min(plan.concurrency, plan.count);
  if (plan.groups === undefined) {
    if (width === 1) return inEventOrder(plan.count, runner);
    if (width === plan.count) return new AllAtOnce(plan.count, runner).done;
  }
  const source: Source = plan.groups === undefined ? new InOrder(plan.count) : new ByGroup(plan, runner);
  return width === 1 ? inSequence(source, runner) : inPool(source, runner, width);
}

interface Source {
  /** The next record to start, or `undefined` when none may start now. */
  next(): number | undefined;
  /** Records that `index` has finished. */
  done(index: number, ok: boolean): void;
}

/** A standard queue, one record at a time: the plainest loop, since it is the default and the hottest. */
async function inEventOrder(count: number, runner: RecordRunner): Promise<void> {
  for (let index = 0; index < count; index++) {
    if (!runner.canStart()) return;
    const started = runner.start(index);
    if (typeof started === 'boolean') continue;
    if (started instanceof Settling) {
      await started.done;
      continue;
    }
    let value: unknown;
    try {
      value = await started;
    } catch (error) {
      runner.failed(index, error);
      continue;
    }
    runner.succeeded(index, value);
  }
}

/** One record at a time: a single loop that awaits each record's work. */
async function inSequence(source: Source, runner: RecordRunner): Promise<void> {
  for (;;) {
    if (!runner.canStart()) return;
    const index = source.next();
    if (index === undefined) return;
    const started = runner.start(index);
    if (typeof started === 'boolean') {
      source.done(index, started);
      continue;
    }
    if (started instanceof Settling) {
      source.done(index, await started.done);
      continue;
    }
    let value: unknown;
    try {
      value = await started;
    } catch (error) {
      source.done(index, runner.failed(index, error));
      continue;
    }
    source.done(index, runner.succeeded(index, value));
  }
}

/**
 * A standard queue whose every record may start at once: start them all,
 * and settle each from a callback on its work. Cheaper than a loop per
 * record on small batches.
 */
class AllAtOnce {
  readonly done: Promise<void>;
  /** Records in flight, plus one for the starting loop itself, so nothing resolves before every record started. */
  private running = 1;
  private resolve: () => void = noop;

  constructor(count: number, runner: RecordRunner) {
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
    for (let index = 0; index < count; index++) {
      if (!runner.canStart()) break;
      const started = runner.start(index);
      if (typeof started === 'boolean') continue;
      this.running++;
      if (started instanceof Settling) {
        started.done.then(
          () => this.finished(),
          () => this.finished(),
        );
        continue;
      }
      // Promise.resolve: the same object for a native promise, and a safe wrapper for a thenable whose `then` throws.
      Promise.resolve(started).then(
        (value: unknown) => {
          runner.succeeded(index, value);
          this.finished();
        },
        (error: unknown) => {
          runner.failed(index, error);
          this.finished();
        },
      );
    }
    this.finished();
  }

  private finished(): void {
    if (--this.running === 0) this.resolve();
  }
}

/**
 * Up to `width` records at a time: that many loops share one source. (A
 * callback pool is cheaper on small batches but slower on big ones, where
 * each record's two callbacks add to the garbage.)
 */
function inPool(source: Source, runner: RecordRunner, width: number): Promise<void> {
  const loops: Promise<void>[] = [];
  for (let i = 0; i < width; i++) loops.push(inSequence(source, runner));
  return Promise.all(loops).then(noop);
}

function noop(): void {}

/** A standard queue: records in event order. */
class InOrder implements Source {
  private cursor = 0;

  constructor(private readonly count: number) {}

  next(): number | undefined {
    return this.cursor < this.count ? this.cursor++ : undefined;
  }

  done(): void {}
}

interface Group {
  /** Record indexes, in event order. */
  readonly members: number[];
  /** Position of the next record to start. */
  cursor: number;
}

/**
 * FIFO source. Groups that are idle and have records left wait in a min-heap
 * keyed by their next record's index. A busy group is in no heap: only the
 * worker finishing its record can make it ready again, and that worker asks
 * for the next record straight after, so no worker ever waits for work that
 * another could have started.
 */
class ByGroup implements Source {
  private readonly groupOf: Group[];
  private readonly byId = new Map<string | undefined, Group>();
  private readonly ready = new GroupHeap();
  private stopped = false;

  constructor(
    private readonly plan: SchedulePlan,
    private readonly runner: RecordRunner,
  ) {
    this.groupOf = new Array(plan.count);
    const groups = plan.groups as ReadonlyArray<string | undefined>;
    for (let i = 0; i < plan.count; i++) {
      const id = groups[i];
      let group = this.byId.get(id);
      if (group === undefined) {
        group = { members: [], cursor: 0 };
        this.byId.set(id, group);
        this.ready.push(group, i);
      }
      group.members.push(i);
      this.groupOf[i] = group;
    }
  }

  next(): number | undefined {
    if (this.stopped) return undefined;
    const group = this.ready.pop();
    if (group === undefined) return undefined;
    return group.members[group.cursor++];
  }

  done(index: number, ok: boolean): void {
    const group = this.groupOf[index] as Group;
    if (!ok) {
      if (this.plan.fifoFailure === 'stop-group') {
        this.skipRest(group, 'fifo-group-stopped');
      } else if (!this.stopped) {
        this.stopped = true;
        for (const other of this.byId.values()) this.skipRest(other, 'fifo-batch-stopped');
      }
      return;
    }
    if (!this.stopped && group.cursor < group.members.length) {
      this.ready.push(group, group.members[group.cursor] as number);
    }
  }

  private skipRest(group: Group, reason: SkipReason): void {
    for (let k = group.cursor; k < group.members.length; k++) this.runner.skip(group.members[k] as number, reason);
    group.cursor = group.members.length;
  }
}

/** A binary min-heap of groups, keyed by the index of each group's next record. */
class GroupHeap {
  private readonly keys: number[] = [];
  private readonly items: Group[] = [];

  push(group: Group, key: number): void {
    let i = this.items.length;
    this.items.push(group);
    this.keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.keys[parent] as number) <= key) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): Group | undefined {
    const top = this.items[0];
    const lastItem = this.items.pop();
    const lastKey = this.keys.pop();
    if (top === undefined || lastItem === undefined || lastKey === undefined) return undefined;
    if (this.items.length === 0) return top;
    this.items[0] = lastItem;
    this.keys[0] = lastKey;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.keys.length && (this.keys[left] as number) < (this.keys[smallest] as number)) smallest = left;
      if (right < this.keys.length && (this.keys[right] as number) < (this.keys[smallest] as number)) smallest = right;
      if (smallest === i) return top;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const key = this.keys[a] as number;
    this.keys[a] = this.keys[b] as number;
    this.keys[b] = key;
    const item = this.items[a] as Group;
    this.items[a] = this.items[b] as Group;
    this.items[b] = item;
  }
}
