import type { Dialect, EventSourceModel, FunctionModel, Known, Location, QueueModel, RedriveModel } from './model.js';
import * as fix from './snippets.js';

export type Severity = 'error' | 'warning' | 'info';

/** What a rule found wrong with one event source. */
export interface Violation {
  /** What goes wrong, in one sentence. */
  readonly message: string;
  /** Logical ids (or deployed names) of the resources involved. */
  readonly resources: readonly string[];
  /** The fix, as a template snippet or an AWS CLI command. */
  readonly fix: string;
  /** Where the setting to change is written, when that is not the event source itself. */
  readonly location?: Location | undefined;
}

export interface Rule {
  readonly id: string;
  readonly severity: Severity;
  /** The condition the rule reports, for tables and `--format json`. */
  readonly summary: string;
  /** The AWS documentation the rule follows. */
  readonly doc: string;
  /**
   * Returns the violation, or `undefined` when the source passes or the rule does not apply.
   * Reading a value that could not be resolved throws {@link NotChecked}.
   */
  check(source: EventSourceModel): Violation | undefined;
}

/** Thrown by {@link value} when a rule needs something the check could not resolve. */
export class NotChecked extends Error {
  override readonly name = 'NotChecked';
}

/** The value a rule needs, or {@link NotChecked} with the reason it is unknown. */
export function value<T>(k: Known<T>): T {
  if (!k.known) throw new NotChecked(k.reason);
  return k.value;
}

const DOCS = {
  errorHandling:
    'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting',
  configure: 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html',
  retries: 'https://docs.aws.amazon.com/lambda/latest/operatorguide/sqs-retries.html',
  dlqRetention:
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html',
  dlqType:
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html',
  parameters: 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html',
  createMapping: 'https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html',
  scalingConfig: 'https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html',
  scaling: 'https://repost.aws/knowledge-center/lambda-sqs-scaling',
  filtering: 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html',
  samSqs:
    'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-sqs.html',
  samTransform: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-serverless.html',
  sqsScaling: 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html',
  runtimes: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html',
  metrics: 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics',
} as const;

/** Node.js runtimes Lambda has deprecated: no more security patches, and updates are blocked later. */
export const DEPRECATED_NODE_RUNTIMES = new Set([
  'nodejs',
  'nodejs4.3',
  'nodejs4.3-edge',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'nodejs18.x',
  'nodejs20.x',
]);

const queueOf = (s: EventSourceModel): QueueModel => value(s.queue);
const functionOf = (s: EventSourceModel): FunctionModel => value(s.function);
const redriveOf = (s: EventSourceModel): RedriveModel | undefined => value(queueOf(s).redrive);

/** The visibility timeout, what it is compared with, and the fix both visibility rules give. */
function visibilityOf(s: EventSourceModel) {
  const queue = queueOf(s);
  const fn = functionOf(s);
  const timeout = value(fn.timeout);
  const window = value(s.batchingWindow);
  // AWS's guidance: 6 x the function timeout plus the batching window.
  const wanted = 6 * timeout + window;
  return {
    queue,
    fn,
    visibility: value(queue.visibilityTimeout),
    timeout,
    window,
    wanted,
    resources: [queue.name, fn.name],
    fix: fix.queueAttribute(queueDialect(s.dialect), fixName(s.dialect, queue), 'VisibilityTimeout', wanted),
    location: queue.location,
  };
}
const seconds = (n: number): string => `${n} s`;
const queueDialect = (d: Dialect): Dialect => (d === 'sam' ? 'cloudformation' : d);
/** The name a fix uses: the construct id for CDK (not the hashed logical id), else the resource's name. */
const fixName = (d: Dialect, r: { name: string; construct?: string }): string =>
  d === 'cdk' ? (r.construct ?? r.name) : r.name;

/** The setting's name where the source spells it otherwise. */
const RESPONSE_TYPES: Partial<Record<Dialect, string>> = {
  serverless: 'functionResponseType',
  terraform: 'function_response_types',
  cdk: 'reportBatchItemFailures',
};

/** Every rule, in the order reports list them. */
export const RULES: readonly Rule[] = [
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
    id: 'visibility-timeout-below-function-timeout',
    severity: 'error',
    summary: "The queue's visibility timeout is below the function's timeout.",
    doc: DOCS.configure,
    check(s) {
      const { queue, fn, visibility, timeout, resources, fix, location } = visibilityOf(s);
      if (visibility >= timeout) return undefined;
      return {
        message: `Queue ${queue.name} has a visibility timeout of ${seconds(visibility)}, below the ${seconds(timeout)} timeout of ${fn.name}: Lambda refuses to create the mapping, or records still running become visible and run twice.`,
        resources,
        fix,
        location,
      };
    },
  },
  {
    id: 'visibility-timeout-below-guidance',
    severity: 'warning',
    summary: "The queue's visibility timeout is below 6 x the function timeout plus `MaximumBatchingWindowInSeconds`.",
    doc: DOCS.configure,
    check(s) {
      const { queue, fn, visibility, timeout, window, wanted, resources, fix, location } = visibilityOf(s);
      if (visibility >= wanted || visibility < timeout) return undefined;
      return {
        message: `Queue ${queue.name} has a visibility timeout of ${seconds(visibility)}, below AWS's guidance of 6 x the ${seconds(timeout)} timeout of ${fn.name} plus the ${seconds(window)} batching window (${seconds(wanted)}): a batch retried after throttling can become visible again while it still runs.`,
        resources,
        fix,
        location,
      };
    },
  },
  {
    id: 'no-redrive-policy',
    severity: 'warning',
    summary: 'The source queue has no redrive policy (no dead-letter queue).',
    doc: DOCS.retries,
    check(s) {
      const queue = queueOf(s);
      if (redriveOf(s) !== undefined) return undefined;
      return {
        message: `Queue ${queue.name} has no redrive policy: a message that always fails is retried until its retention period ends, then deleted.`,
        resources: [queue.name],
        fix: fix.redrivePolicy(queueDialect(s.dialect), fixName(s.dialect, queue), value(queue.fifo)),
        location: queue.location,
      };
    },
  },
  {
    id: 'max-receive-count-below-5',
    severity: 'warning',
    summary: "The redrive policy's `maxReceiveCount` is below 5.",
    doc: DOCS.retries,
    check(s) {
      const redrive = redriveOf(s);
      if (!redrive) return undefined;
      const count = value(redrive.maxReceiveCount);
      if (count >= 5) return undefined;
      const queue = queueOf(s);
      return {
        message: `Queue ${queue.name} moves a message to its dead-letter queue after ${count} receive${count === 1 ? '' : 's'}: throttled and briefly failing batches use receives too, so good messages reach the dead-letter queue (AWS recommends at least 5 for Lambda).`,
        resources: [queue.name],
        fix: fix.maxReceiveCount(queueDialect(s.dialect), fixName(s.dialect, queue)),
        location: redrive.location,
      };
    },
  },
  {
    id: 'dead-letter-retention',
    severity: 'warning',
    summary: "A standard queue's dead-letter queue does not keep messages longer than the source queue.",
    doc: DOCS.dlqRetention,
    check(s) {
      const redrive = redriveOf(s);
      const queue = queueOf(s);
      // A FIFO queue resets a message's enqueue time when it moves it to the dead-letter queue.
      if (!redrive || value(queue.fifo)) return undefined;
      const dlq = value(redrive.deadLetterQueue);
      const source = value(queue.retentionPeriod);
      const kept = value(dlq.retentionPeriod);
      if (kept > source) return undefined;
      return {
        message: `Dead-letter queue ${dlq.name} keeps messages ${seconds(kept)}, not longer than the ${seconds(source)} of ${queue.name}: a message's age counts from its first enqueue, so it can expire soon after it is moved.`,
        resources: [dlq.name, queue.name],
        fix: fix.deadLetterRetention(
          queueDialect(s.dialect),
          fixName(s.dialect, dlq),
          fixName(s.dialect, queue),
          source,
          kept,
        ),
        location: dlq.location,
      };
    },
  },
  {
    id: 'dead-letter-queue-type',
    severity: 'error',
    summary: 'A FIFO queue has a standard dead-letter queue, or a standard queue a FIFO one.',
    doc: DOCS.dlqType,
    check(s) {
      const redrive = redriveOf(s);
      if (!redrive) return undefined;
      const queue = queueOf(s);
      const dlq = value(redrive.deadLetterQueue);
      const fifo = value(queue.fifo);
      if (fifo === value(dlq.fifo)) return undefined;
      return {
        message: `${queue.name} is a ${fifo ? 'FIFO' : 'standard'} queue but its dead-letter queue ${dlq.name} is a ${fifo ? 'standard' : 'FIFO'} queue: SQS rejects the redrive policy, since both must be of the same type.`,
        resources: [queue.name, dlq.name],
        fix: fix.queueType(queueDialect(s.dialect), fixName(s.dialect, dlq), fifo),
        location: dlq.location,
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
    id: 'retention-below-retries',
    severity: 'warning',
    summary: "The source queue's retention is shorter than `maxReceiveCount` x its visibility timeout.",
    doc: DOCS.retries,
    check(s) {
      const redrive = redriveOf(s);
      if (!redrive) return undefined;
      const queue = queueOf(s);
      const needed = value(redrive.maxReceiveCount) * value(queue.visibilityTimeout);
      const retention = value(queue.retentionPeriod);
      if (retention >= needed) return undefined;
      return {
        message: `Queue ${queue.name} keeps messages ${seconds(retention)}, but a message that keeps failing needs at least ${seconds(needed)} (maxReceiveCount x visibility timeout) to reach the dead-letter queue: it is deleted first.`,
        resources: [queue.name],
        fix: fix.queueAttribute(
          queueDialect(s.dialect),
          fixName(s.dialect, queue),
          'MessageRetentionPeriod',
          Math.min(1_209_600, needed * 2),
        ),
        location: queue.location,
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
    id: 'event-source-is-queue-url',
    severity: 'error',
    summary: "The event source names the queue's URL (`!Ref Queue`), not its ARN.",
    doc: DOCS.samSqs,
    check(s) {
      if (s.queueUrl === undefined) return undefined;
      const queue = queueOf(s);
      return {
        message: `The event source names ${s.queueUrl}, the queue's URL: an SQS event source takes the queue's ARN, and CloudFormation rejects the deployment.`,
        resources: [s.id, queue.name],
        fix: fix.queueArn(s, queue.name),
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
    id: 'deprecated-runtime',
    severity: 'warning',
    summary: 'The function runs on a deprecated Node.js runtime (`nodejs18.x`, `nodejs20.x` or older).',
    doc: DOCS.runtimes,
    check(s) {
      const fn = functionOf(s);
      const runtime = value(fn.runtime);
      if (runtime === undefined || !DEPRECATED_NODE_RUNTIMES.has(runtime)) return undefined;
      return {
        message: `${fn.name} runs on ${runtime}, which Lambda has deprecated: it gets no security patches, and Lambda later blocks creating and then updating such functions.`,
        resources: [fn.name],
        fix: fix.runtime(s.dialect, fixName(s.dialect, fn)),
        location: fn.location,
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
  {
    id: 'sam-transform-missing',
    severity: 'info',
    summary: 'A template with `AWS::Serverless::Function` resources lacks `Transform: AWS::Serverless-2016-10-31`.',
    doc: DOCS.samTransform,
    check(s) {
      if (!s.transformMissing) return undefined;
      return {
        message:
          'The template has no Transform: AWS::Serverless-2016-10-31, so CloudFormation cannot deploy its AWS::Serverless::Function; it was checked as SAM (a fragment, or a test fixture?).',
        resources: [s.id],
        fix: fix.samTransform(),
      };
    },
  },
];
