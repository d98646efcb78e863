/**
 * A metrics sink that keeps what the handler writes in memory, for tests:
 * pass it as the `metrics` option and assert on its counts, with nothing
 * written to stdout.
 */
export interface MetricsRecorder {
  addMetric(name: string, unit: string, value: number): void;
  addDimension(name: string, value: string): void;
  publishStoredMetrics(): void;
  /** One entry per published invocation: each metric's value, and the dimensions. */
  readonly invocations: ReadonlyArray<{
    readonly metrics: Readonly<Record<string, number>>;
    readonly dimensions: Readonly<Record<string, string>>;
  }>;
  /** Each metric summed over every published invocation (`RecordsFailed`, `InvalidBodies`, ...). */
  totals(): Record<string, number>;
}

/**
 * Creates a {@link MetricsRecorder}: a quiet `metrics` option for tests,
 * whose counts a test reads instead of parsing metrics documents on stdout.
 * `QueueSimulator` has one as `sim.metrics`, summed in the run's result.
 *
 * @returns A new, empty recorder.
 *
 * @example
 * ```ts
 * import { createBatchHandler } from 'sqs-partial-batch';
 * import { createMetricsRecorder, lambdaContext, sqsEvent } from 'sqs-partial-batch/testing';
 *
 * const metrics = createMetricsRecorder();
 * const handler = createBatchHandler(async () => {}, { metrics });
 * await handler(sqsEvent(['a', 'b']), lambdaContext());
 * console.log(metrics.totals().RecordsSucceeded); // 2
 * ```
 */
export function createMetricsRecorder(): MetricsRecorder {
  const invocations: Array<{ metrics: Record<string, number>; dimensions: Record<string, string> }> = [];
  let metrics: Record<string, number> = {};
  let dimensions: Record<string, string> = {};
  return {
    invocations,
    addMetric(name, _unit, value) {
      metrics[name] = (metrics[name] ?? 0) + value;
    },
    addDimension(name, value) {
      dimensions[name] = value;
    },
    publishStoredMetrics() {
      invocations.push({ metrics, dimensions });
      metrics = {};
      dimensions = {};
    },
    totals() {
      const sum: Record<string, number> = {};
      for (const { metrics: one } of invocations) {
        for (const [name, value] of Object.entries(one)) sum[name] = (sum[name] ?? 0) + value;
      }
      return sum;
    },
  };
}
