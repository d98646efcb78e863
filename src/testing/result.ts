import type { FakeSqsMessage } from './fakeSqs.js';

/** How the event source mapping read one invocation's end. */
export type InvocationResult = 'replied' | 'error' | 'timeout' | 'crash' | 'invalid-response';

/** One invocation, as the simulator logged it. */
export interface BatchLogEntry {
  readonly invocation: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly messageIds: readonly string[];
  readonly result: InvocationResult;
  /** Message ids the reply reported (`replied` only). */
  readonly reported: readonly string[];
  /** Message ids deleted after this invocation. */
  readonly deleted: readonly string[];
}

/** What a simulation did. */
export interface SimulationResult {
  readonly sent: number;
  /** Records delivered to invocations (duplicates and retries included). */
  readonly deliveries: number;
  readonly invocations: number;
  readonly deletions: number;
  readonly dlqMoves: number;
  /** Copies made by duplicate delivery. */
  readonly duplicatesDelivered: number;
  readonly results: Readonly<Record<InvocationResult, number>>;
  /** Message ids in the dead-letter queue, in the order they moved. */
  readonly deadLettered: readonly string[];
  /** Highest receive count of any copy, per message id. */
  readonly receiveCounts: ReadonlyMap<string, number>;
  /** Message ids neither deleted nor dead-lettered when the simulation stopped. */
  readonly undelivered: readonly string[];
  readonly simulatedMs: number;
  readonly realMs: number;
  readonly batches: readonly BatchLogEntry[];
  /**
   * Messages the handler sent through `sim.sqs` to other queues (a
   * `deadLetter` queue, say), with their attributes, in send order.
   */
  readonly parked: readonly FakeSqsMessage[];
  /** What the handler wrote to `sim.metrics`, summed over the run (`RecordsFailed`, `InvalidBodies`, ...). */
  readonly metrics: Readonly<Record<string, number>>;
}
