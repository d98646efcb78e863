import * as fix from '../snippets.js';
import { DOCS, fixName, functionOf, queueOf, RESPONSE_TYPES, type Rule, seconds, value } from './rule.js';

/** Rules on the event source mapping: partial batch responses, batching, scaling, filters, metrics. */
export const MAPPING_RULES: readonly Rule[] = [
  {
    id: 'report-batch-item-failures',
    severity: 'error',
    summary: 'The SQS event source lacks `FunctionResponseTypes: [ReportBatchItemFailures]`.',
    doc: DOCS.errorHandling,
    check(s) {
      if (value(s.functionResponseTypes).includes('ReportBatchItemFailures')) return undefined;
      return {
        message: `${RESPONSE_TYPES[s.dialect] ?? 'FunctionResponseTypes'} lacks ReportBatchItemFailures: Lambda ignores the batchItemFailures the handler returns, counts the batch as a success and deletes the failed records.`,
        resources: [s.id],
        fix: fix.reportBatchItemFailures(s),
      };
    },
  },
  {
    id: 'batch-size-without-batching-window',
    severity: 'error',
    summary: '`BatchSize` is above 10 without `MaximumBatchingWindowInSeconds` of at least 1.',
    doc: DOCS.createMapping,
    check(s) {
      const size = value(s.batchSize);
      const window = value(s.batchingWindow);
      // FIFO queues allow no more than 10: fifo-batch-size reports that.
      if (size <= 10 || window >= 1 || (s.queue.known && s.queue.value.fifo.known && s.queue.value.fifo.value)) {
        return undefined;
      }
      return {
        message: `BatchSize ${size} is above 10 with a batching window of ${seconds(window)}: Lambda rejects the mapping unless MaximumBatchingWindowInSeconds is at least 1.`,
        resources: [s.id],
        fix: fix.mappingSetting(s, 'MaximumBatchingWindowInSeconds', 1),
      };
    },
  },
  {
    id: 'fifo-batch-size',
    severity: 'error',
    summary: '`BatchSize` is above 10 on a FIFO queue.',
    doc: DOCS.parameters,
    check(s) {
      const size = value(s.batchSize);
      if (size <= 10 || !value(queueOf(s).fifo)) return undefined;
      return {
        message: `BatchSize ${size} is above 10, the maximum for a FIFO queue: Lambda rejects the mapping.`,
        resources: [s.id, queueOf(s).name],
        fix: fix.mappingSetting(s, 'BatchSize', 10),
      };
    },
  },
  {
    id: 'fifo-batching-window',
    severity: 'error',
    summary: '`MaximumBatchingWindowInSeconds` is set on a FIFO queue.',
    doc: DOCS.parameters,
    check(s) {
      const window = value(s.batchingWindow);
      if (window === 0 || !value(queueOf(s).fifo)) return undefined;
      return {
        message: `MaximumBatchingWindowInSeconds is ${window}, but FIFO queues do not support a batching window: Lambda rejects the mapping.`,
        resources: [s.id, queueOf(s).name],
        fix: fix.mappingSetting(s, 'MaximumBatchingWindowInSeconds', 0),
      };
    },
  },
  {
    id: 'batch-size-range',
    severity: 'error',
    summary: '`BatchSize` is not an integer from 1 to 10,000.',
    doc: DOCS.parameters,
    check(s) {
      const size = value(s.batchSize);
      if (Number.isInteger(size) && size >= 1 && size <= 10_000) return undefined;
      return {
        message: `BatchSize ${size} is outside 1 to 10,000: Lambda rejects the mapping.`,
        resources: [s.id],
        fix: fix.mappingSetting(s, 'BatchSize', 10),
      };
    },
  },
  {
    id: 'batching-window-range',
    severity: 'error',
    summary: '`MaximumBatchingWindowInSeconds` is not an integer from 0 to 300.',
    doc: DOCS.createMapping,
    check(s) {
      const window = value(s.batchingWindow);
      if (Number.isInteger(window) && window >= 0 && window <= 300) return undefined;
      return {
        message: `MaximumBatchingWindowInSeconds ${window} is outside 0 to 300: Lambda rejects the mapping.`,
        resources: [s.id],
        fix: fix.mappingSetting(s, 'MaximumBatchingWindowInSeconds', Math.min(300, Math.max(0, Math.round(window)))),
      };
    },
  },
  {
    id: 'maximum-concurrency-range',
    severity: 'error',
    summary: '`ScalingConfig.MaximumConcurrency` is not an integer from 2 to 1,000.',
    doc: DOCS.scalingConfig,
    check(s) {
      const max = value(s.maximumConcurrency);
      if (max === undefined || (Number.isInteger(max) && max >= 2 && max <= 1000)) return undefined;
      return {
        message: `ScalingConfig.MaximumConcurrency ${max} is outside 2 to 1,000: Lambda rejects the mapping.`,
        resources: [s.id],
        fix: fix.maximumConcurrency(s, max < 2 ? 2 : 1000),
      };
    },
  },
  {
    id: 'maximum-concurrency-above-reserved',
    severity: 'warning',
    summary: "The function's reserved concurrency is below the mapping's maximum concurrency, or the mapping has none.",
    doc: DOCS.scaling,
    check(s) {
      const fn = functionOf(s);
      const reserved = value(fn.reservedConcurrency);
      const max = value(s.maximumConcurrency);
      if (reserved === undefined || (max !== undefined && max <= reserved)) return undefined;
      const limit = max === undefined ? 'sets no maximum concurrency' : `allows ${max} concurrent invocations`;
      return {
        message: `${fn.name} has a reserved concurrency of ${reserved} but the mapping ${limit}: Lambda polls past the reservation, throttled batches go back to the queue and use receives, and good messages can reach the dead-letter queue.`,
        resources: [fn.name, s.id],
        fix:
          reserved >= 2
            ? fix.maximumConcurrency(s, reserved)
            : fix.reservedConcurrency(s.dialect, fixName(s.dialect, fn)),
        location: reserved >= 2 ? s.location : fn.location,
      };
    },
  },
  {
    id: 'filter-criteria-deletes',
    severity: 'info',
    summary: 'The mapping has `FilterCriteria`: messages that match no filter are deleted.',
    doc: DOCS.filtering,
    check(s) {
      if (!value(s.filtered)) return undefined;
      return {
        message:
          'The mapping has FilterCriteria: Lambda deletes each message that matches no filter without invoking the function, and it never reaches the dead-letter queue.',
        resources: [s.id],
        fix: 'Make sure every message sent to this queue is meant to match a filter, or filter in the handler instead.',
      };
    },
  },
  {
    id: 'provisioned-mode-with-maximum-concurrency',
    severity: 'error',
    summary:
      'The mapping sets both `ProvisionedPollerConfig` (provisioned mode) and `ScalingConfig.MaximumConcurrency`.',
    doc: DOCS.sqsScaling,
    check(s) {
      const max = value(s.maximumConcurrency);
      if (max === undefined || !value(s.provisioned)) return undefined;
      return {
        message: `The mapping is in provisioned mode and also sets a maximum concurrency of ${max}: the two are mutually exclusive, and Lambda rejects the mapping.`,
        resources: [s.id],
        fix: fix.dropMaximumConcurrency(s),
      };
    },
  },
  {
    id: 'event-source-mapping-metrics',
    severity: 'info',
    summary:
      'The mapping has no `MetricsConfig`: polled, filtered, failed and dropped message counts are not published.',
    doc: DOCS.metrics,
    check(s) {
      if (value(s.metrics)) return undefined;
      return {
        message:
          'The mapping publishes no event source mapping metrics: without MetricsConfig, CloudWatch does not count the messages it polls, filters out, fails or drops, so lost messages go unseen.',
        resources: [s.id],
        fix: fix.metricsConfig(s),
      };
    },
  },
];
