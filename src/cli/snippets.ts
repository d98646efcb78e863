/**
 * Fixes as the user would write them: SAM or CloudFormation YAML, CDK
 * properties, or an AWS CLI command for what is deployed.
 */
import type { Dialect, EventSourceModel } from './model.js';

const FOURTEEN_DAYS = 1_209_600;

const queueUrl = (queue: string): string =>
  `"$(aws sqs get-queue-url --queue-name ${queue} --query QueueUrl --output text)"`;

/** Where a template's resources are: `Resources`, or `resources.Resources` in a Serverless Framework configuration. */
const resourcesPath = (dialect: Dialect): string => (dialect === 'serverless' ? 'resources.Resources' : 'Resources');

/** A Serverless Framework `sqs` event's own name for a mapping property. */
const SERVERLESS_MAPPING: Record<string, string> = {
  BatchSize: 'batchSize',
  MaximumBatchingWindowInSeconds: 'maximumBatchingWindow',
};

/** An `sqs` event of a Serverless Framework function (not a mapping written as CloudFormation in `resources`). */
const isFrameworkEvent = (s: EventSourceModel): boolean => s.dialect === 'serverless' && s.id.startsWith('functions.');

/** Where the properties of an event source are written in its template. */
function mappingPath(s: EventSourceModel): string {
  if (s.dialect === 'serverless') return isFrameworkEvent(s) ? `# ${s.id}` : `# resources.Resources.${s.id}.Properties`;
  if (s.dialect === 'sam') {
    const [fn, , event] = s.id.split('.');
    return `# Resources.${fn}.Properties.Events.${event}.Properties`;
  }
  return `# Resources.${s.id}.Properties`;
}

const CDK_MAPPING: Record<string, (value: number) => string> = {
  BatchSize: (v) => `batchSize: ${v}`,
  MaximumBatchingWindowInSeconds: (v) => `maxBatchingWindow: Duration.seconds(${v})`,
};

const CLI_MAPPING: Record<string, string> = {
  BatchSize: '--batch-size',
  MaximumBatchingWindowInSeconds: '--maximum-batching-window-in-seconds',
};

export function reportBatchItemFailures(s: EventSourceModel): string {
  switch (s.dialect) {
    case 'cdk':
      return 'new SqsEventSource(queue, { reportBatchItemFailures: true })';
    case 'live':
      return `aws lambda update-event-source-mapping --uuid ${s.id} --function-response-types ReportBatchItemFailures`;
    case 'serverless':
      if (isFrameworkEvent(s)) return `${mappingPath(s)}\nfunctionResponseType: ReportBatchItemFailures`;
      return `${mappingPath(s)}\nFunctionResponseTypes:\n  - ReportBatchItemFailures`;
    default:
      return `${mappingPath(s)}\nFunctionResponseTypes:\n  - ReportBatchItemFailures`;
  }
}

export function mappingSetting(
  s: EventSourceModel,
  property: 'BatchSize' | 'MaximumBatchingWindowInSeconds',
  value: number,
): string {
  switch (s.dialect) {
    case 'cdk':
      return `new SqsEventSource(queue, { ${CDK_MAPPING[property]?.(value)} })`;
    case 'live':
      return `aws lambda update-event-source-mapping --uuid ${s.id} ${CLI_MAPPING[property]} ${value}`;
    case 'serverless':
      return `${mappingPath(s)}\n${isFrameworkEvent(s) ? SERVERLESS_MAPPING[property] : property}: ${value}`;
    default:
      return `${mappingPath(s)}\n${property}: ${value}`;
  }
}

export function maximumConcurrency(s: EventSourceModel, value: number): string {
  switch (s.dialect) {
    case 'cdk':
      return `new SqsEventSource(queue, { maxConcurrency: ${value} })`;
    case 'live':
      return `aws lambda update-event-source-mapping --uuid ${s.id} --scaling-config MaximumConcurrency=${value}`;
    case 'serverless':
      if (isFrameworkEvent(s)) return `${mappingPath(s)}\nmaximumConcurrency: ${value}`;
      return `${mappingPath(s)}\nScalingConfig:\n  MaximumConcurrency: ${value}`;
    default:
      return `${mappingPath(s)}\nScalingConfig:\n  MaximumConcurrency: ${value}`;
  }
}

/** A supported runtime for the function. */
export function runtime(dialect: Dialect, fn: string): string {
  switch (dialect) {
    case 'cdk':
      return `new Function(this, '${fn}', { runtime: Runtime.NODEJS_22_X, … })`;
    case 'live':
      return `aws lambda update-function-configuration --function-name ${fn} --runtime nodejs22.x`;
    case 'serverless':
      return `# functions.${fn} (or provider)\nruntime: nodejs22.x`;
    default:
      return `# Resources.${fn}.Properties (or Globals.Function)\nRuntime: nodejs22.x`;
  }
}

/** Provisioned mode without `ScalingConfig.MaximumConcurrency` (its pollers bound the concurrency instead). */
export function withoutMaximumConcurrency(s: EventSourceModel): string {
  const note = 'bound the concurrency with ProvisionedPollerConfig.MaximumPollers instead';
  switch (s.dialect) {
    case 'cdk':
      return `new SqsEventSource(queue, { provisionedPollerConfig: { … } }) // no maxConcurrency: ${note}`;
    case 'live':
      return `aws lambda update-event-source-mapping --uuid ${s.id} --scaling-config '{}'  # ${note}`;
    case 'serverless':
      if (isFrameworkEvent(s)) return `${mappingPath(s)}\n# remove maximumConcurrency: ${note}`;
      return `${mappingPath(s)}\n# remove ScalingConfig: ${note}`;
    default:
      return `${mappingPath(s)}\n# remove ScalingConfig: ${note}`;
  }
}

export function reservedConcurrency(dialect: Dialect, fn: string): string {
  const note = "then set the mapping's maximum concurrency to at most the reservation";
  switch (dialect) {
    case 'cdk':
      return `new Function(this, '${fn}', { reservedConcurrentExecutions: 2, … }) // ${note}`;
    case 'live':
      return `aws lambda put-function-concurrency --function-name ${fn} --reserved-concurrent-executions 2  # ${note}`;
    case 'serverless':
      return `# functions.${fn} (${note})\nreservedConcurrency: 2`;
    default:
      return `# Resources.${fn}.Properties (${note})\nReservedConcurrentExecutions: 2`;
  }
}

export function queueAttribute(
  dialect: Dialect,
  queue: string,
  attribute: 'VisibilityTimeout' | 'MessageRetentionPeriod',
  value: number,
): string {
  switch (dialect) {
    case 'cdk':
      return `new Queue(this, '${queue}', { ${attribute === 'VisibilityTimeout' ? 'visibilityTimeout' : 'retentionPeriod'}: Duration.seconds(${value}) })`;
    case 'live':
      return `aws sqs set-queue-attributes --queue-url ${queueUrl(queue)} --attributes ${attribute}=${value}`;
    default:
      return `# ${resourcesPath(dialect)}.${queue}.Properties\n${attribute}: ${value}`;
  }
}

export function redrivePolicy(dialect: Dialect, queue: string, fifo: boolean): string {
  switch (dialect) {
    case 'cdk':
      return `new Queue(this, '${queue}', {\n  deadLetterQueue: {\n    queue: new Queue(this, '${queue}DeadLetterQueue', { retentionPeriod: Duration.days(14)${fifo ? ', fifo: true' : ''} }),\n    maxReceiveCount: 5,\n  },\n})`;
    case 'live':
      return `aws sqs set-queue-attributes --queue-url ${queueUrl(queue)} --attributes '{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"<ARN of a ${fifo ? 'FIFO' : 'standard'} dead-letter queue>\\",\\"maxReceiveCount\\":\\"5\\"}"}'`;
    default:
      return [
        `# ${resourcesPath(dialect)}`,
        `${queue}DeadLetterQueue:`,
        '  Type: AWS::SQS::Queue',
        '  Properties:',
        ...(fifo ? ['    FifoQueue: true'] : []),
        `    MessageRetentionPeriod: ${FOURTEEN_DAYS} # 14 days, longer than the source queue's`,
        `${queue}:`,
        '  Properties:',
        '    RedrivePolicy:',
        `      deadLetterTargetArn: !GetAtt ${queue}DeadLetterQueue.Arn`,
        '      maxReceiveCount: 5',
      ].join('\n');
  }
}

export function maxReceiveCount(dialect: Dialect, queue: string): string {
  switch (dialect) {
    case 'cdk':
      return `new Queue(this, '${queue}', { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 } })`;
    case 'live':
      return `aws sqs set-queue-attributes --queue-url ${queueUrl(queue)} --attributes '{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"<dead-letter queue ARN>\\",\\"maxReceiveCount\\":\\"5\\"}"}'`;
    default:
      return `# ${resourcesPath(dialect)}.${queue}.Properties.RedrivePolicy\nmaxReceiveCount: 5`;
  }
}

export function deadLetterRetention(dialect: Dialect, dlq: string, source: string, sourceRetention: number): string {
  const longest = queueAttribute(dialect, dlq, 'MessageRetentionPeriod', FOURTEEN_DAYS);
  // A source keeping the maximum of 14 days leaves no longer retention for its dead-letter queue: shorten the
  // source too, so that applying the fix clears the finding (the dead-letter queue must then keep 14 days).
  return sourceRetention >= FOURTEEN_DAYS
    ? `${queueAttribute(dialect, source, 'MessageRetentionPeriod', FOURTEEN_DAYS - 2 * 86_400)}\n${longest}`
    : longest;
}

export function queueType(dialect: Dialect, dlq: string, fifo: boolean): string {
  const replace = 'a queue cannot change type: this creates a new one';
  switch (dialect) {
    case 'cdk':
      return `new Queue(this, '${dlq}', { fifo: ${fifo} }) // ${replace}`;
    case 'live':
      return fifo
        ? `aws sqs create-queue --queue-name ${dlq}.fifo --attributes FifoQueue=true  # ${replace}; point the redrive policy at it`
        : `aws sqs create-queue --queue-name ${dlq.replace(/\.fifo$/, '')}  # ${replace}; point the redrive policy at it`;
    default:
      return fifo
        ? `# ${resourcesPath(dialect)}.${dlq}.Properties (${replace})\nFifoQueue: true`
        : `# ${resourcesPath(dialect)}.${dlq}.Properties (${replace}): remove FifoQueue and any .fifo suffix of QueueName`;
  }
}
