/** What a rule is, and what rules share: reading a value or reporting it not checked, the AWS pages, the names fixes use. */
import type { Dialect, EventSourceModel, FunctionModel, Known, Location, QueueModel, RedriveModel } from '../model.js';
import * as fix from '../snippets.js';

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

export const DOCS = {
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

export const queueOf = (s: EventSourceModel): QueueModel => value(s.queue);
export const functionOf = (s: EventSourceModel): FunctionModel => value(s.function);
export const redriveOf = (s: EventSourceModel): RedriveModel | undefined => value(queueOf(s).redrive);

/** The visibility timeout, what it is compared with, and the fix both visibility rules give. */
export function visibilityOf(s: EventSourceModel) {
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
export const seconds = (n: number): string => `${n} s`;
export const queueDialect = (d: Dialect): Dialect => (d === 'sam' ? 'cloudformation' : d);
/** The name a fix uses: the construct id for CDK (not the hashed logical id), else the resource's name. */
export const fixName = (d: Dialect, r: { name: string; construct?: string }): string =>
  d === 'cdk' ? (r.construct ?? r.name) : r.name;

/** The setting's name where the source spells it otherwise. */
export const RESPONSE_TYPES: Partial<Record<Dialect, string>> = {
  serverless: 'functionResponseType',
  terraform: 'function_response_types',
  cdk: 'reportBatchItemFailures',
};
