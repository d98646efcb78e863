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
 */
export interface RecordRunner {
  start(index: number): boolean | PromiseLike<unknown> | Settling;
  succeeded(index: number): boolean;
  failed(index: number, error: unknown): boolean;
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
  /** Asked before each record starts; `false` stops the batch (the invocation is out of time). */
  readonly canStart: () => boolean;
  /** Called for each record the FIFO rules decide not to start. */
  readonly skip: (index: number, reason: SkipReason) => void;
}

/**
 * Runs the records. Standard queues: in event order, at most `concurrency` at
 * once. FIFO queues: each message group one record at a time in event order,
 * groups side by side up to `concurrency`; always the earliest record of an
 * idle group next, so `concurrency: 1` is exactly event order.
 *
 * Resolves when no record is running and none may start. Records neither run
 * nor skipped were stopped by `canStart`.
 */
export function schedule(plan: SchedulePlan, runner: RecordRunner): Promise<void> {
  const width = Math.min(plan.concurrency, plan.count);
  if (plan.groups === undefined) {
    if (width === 1) return inEventOrder(plan.count, plan.canStart, runner);
    if (width === plan.count) return allAtOnce(plan.count, plan.canStart, runner);
  }
  const source = plan.groups === undefined ? inOrder(plan.count) : byGroup(plan);
  return width === 1 ? inSequence(source, plan.canStart, runner) : inPool(source, plan.canStart, runner, width);
}

interface Source {
  /** The next record to start, or `undefined` when none may start now. */
  next(): number | undefined;
  /** Records that `index` has finished. */
  done(index: number, ok: boolean): void;
}

/** A standard queue, one record at a time: the plainest loop, since it is the default and the hottest. */
async function inEventOrder(count: number, canStart: () => boolean, runner: RecordRunner): Promise<void> {
  for (let index = 0; index < count; index++) {
    if (!canStart()) return;
    const started = runner.start(index);
    if (typeof started === 'boolean') continue;
    if (started instanceof Settling) {
      await started.done;
      continue;
    }
    try {
      await started;
    } catch (error) {
      runner.failed(index, error);
      continue;
    }
    runner.succeeded(index);
  }
}

/** One record at a time: a single loop that awaits each record's work. */
async function inSequence(source: Source, canStart: () => boolean, runner: RecordRunner): Promise<void> {
  for (;;) {
    if (!canStart()) return;
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
    try {
      await started;
    } catch (error) {
      source.done(index, runner.failed(index, error));
      continue;
    }
    source.done(index, runner.succeeded(index));
  }
}

/**
 * A standard queue whose every record may start at once: start them all,
 * and settle each from a callback on its work. Cheaper than a loop per
 * record on small batches.
 */
function allAtOnce(count: number, canStart: () => boolean, runner: RecordRunner): Promise<void> {
  return new Promise((resolve) => {
    let running = 1; // this function's own turn, so nothing resolves before every record started
    const finished = (): void => {
      if (--running === 0) resolve();
    };
    for (let index = 0; index < count; index++) {
      if (!canStart()) break;
      const started = runner.start(index);
      if (typeof started === 'boolean') continue;
      running++;
      if (started instanceof Settling) {
        started.done.then(finished);
        continue;
      }
      // Promise.resolve: the same object for a native promise, and a safe wrapper for a thenable whose `then` throws.
      Promise.resolve(started).then(
        () => {
          runner.succeeded(index);
          finished();
        },
        (error: unknown) => {
          runner.failed(index, error);
          finished();
        },
      );
    }
    finished();
  });
}

/**
 * Up to `width` records at a time: that many loops share one source. (A
 * callback pool is cheaper on small batches but slower on big ones, where
 * each record's two callbacks add to the garbage.)
 */
function inPool(source: Source, canStart: () => boolean, runner: RecordRunner, width: number): Promise<void> {
  const loops: Promise<void>[] = [];
  for (let i = 0; i < width; i++) loops.push(inSequence(source, canStart, runner));
  return Promise.all(loops).then(noop);
}

function noop(): void {}

function inOrder(count: number): Source {
  let cursor = 0;
  return {
    next: () => (cursor < count ? cursor++ : undefined),
    done: noop,
  };
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
function byGroup(plan: SchedulePlan): Source {
  const groupOf: Group[] = new Array(plan.count);
  const byId = new Map<string | undefined, Group>();
  const groups = plan.groups as ReadonlyArray<string | undefined>;
  const ready = new GroupHeap();
  for (let i = 0; i < plan.count; i++) {
    const id = groups[i];
    let group = byId.get(id);
    if (group === undefined) {
      group = { members: [], cursor: 0 };
      byId.set(id, group);
      ready.push(group, i);
    }
    group.members.push(i);
    groupOf[i] = group;
  }
  let stopped = false;

  const skipRest = (group: Group, reason: SkipReason): void => {
    for (let k = group.cursor; k < group.members.length; k++) plan.skip(group.members[k] as number, reason);
    group.cursor = group.members.length;
  };

  return {
    next() {
      if (stopped) return undefined;
      const group = ready.pop();
      if (group === undefined) return undefined;
      return group.members[group.cursor++];
    },
    done(index, ok) {
      const group = groupOf[index] as Group;
      if (!ok) {
        if (plan.fifoFailure === 'stop-group') {
          skipRest(group, 'fifo-group-stopped');
        } else if (!stopped) {
          stopped = true;
          for (const other of byId.values()) skipRest(other, 'fifo-batch-stopped');
        }
        return;
      }
      if (!stopped && group.cursor < group.members.length) ready.push(group, group.members[group.cursor] as number);
    },
  };
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
