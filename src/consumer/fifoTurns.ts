/** What FIFO turns need of a batch: its groups, and when it has its outcomes. */
export interface GroupHolder {
  readonly groups: ReadonlySet<string>;
  /** Resolves with the groups that did not complete in the batch. */
  readonly done: Promise<ReadonlySet<string>>;
}

/**
 * FIFO order across receives. A batch runs after every earlier batch that
 * holds one of its message groups has its outcomes, and learns which of
 * those groups did not complete there (its records of them must not run
 * before the unfinished ones come back). On SQS this never waits (SQS
 * delivers none of a group while one of its messages is in flight), but a
 * message whose visibility was lost can come back while it still runs here.
 */
export class FifoTurns<Holder extends GroupHolder> {
  /** The latest batch holding each message group. */
  private readonly holders = new Map<string, Holder>();

  /** When `batch` may run: `undefined` at once, else a promise of the groups it must release first. */
  turnOf(batch: Holder): Promise<ReadonlySet<string>> | undefined {
    const earlier = new Set<Holder>();
    for (const group of batch.groups) {
      const holder = this.holders.get(group);
      if (holder !== undefined) earlier.add(holder);
      this.holders.set(group, batch);
    }
    if (earlier.size === 0) return undefined;
    return Promise.all([...earlier].map((holder) => holder.done)).then((all) => {
      const stopped = new Set<string>();
      for (const groups of all) for (const group of groups) if (batch.groups.has(group)) stopped.add(group);
      return stopped;
    });
  }

  /** `batch` has its outcomes: it holds its groups no longer. */
  done(batch: Holder): void {
    for (const group of batch.groups) if (this.holders.get(group) === batch) this.holders.delete(group);
  }
}
