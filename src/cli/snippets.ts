/**
 * Fixes as the user would write them: SAM or CloudFormation YAML, CDK properties, `serverless.yml`,
 * Terraform HCL, or an AWS CLI command for what is deployed.
 */
import type { Dialect, EventSourceModel } from './model.js';

const FOURTEEN_DAYS = 1_209_600;
/** The runtime fixes move a function to: the newest Node.js runtime Lambda offers. */
export const CURRENT_NODE_RUNTIME = 'nodejs24.x';

const queueUrl = (queue: string): string =>
  `"$(aws sqs get-queue-url --queue-name ${queue} --query QueueUrl --output text)"`;

/**
 * `aws_sqs_queue.orders` → `resource "aws_sqs_queue" "orders"`, the block a Terraform fix goes in;
 * `module.queues.aws_sqs_queue.this` → `module.queues: resource "aws_sqs_queue" "this"`.
 */
function terraformBlock(address: string): string {
  const [, module, type, name] = /^((?:module\.[^.]+\.)*)([^.]+)\.(.+)$/.exec(address) ?? ['', '', address, ''];
  return `# ${module ? `${module.slice(0, -1)}: ` : ''}resource "${type}" "${name}"`;
}

/** Where the properties of an event source are written in its source. */
function mappingPath(s: EventSourceModel): string {
  if (s.dialect === 'sam') {
    const [fn, , event] = s.id.split('.');
    return `# Resources.${fn}.Properties.Events.${event}.Properties`;
  }
  if (s.dialect === 'serverless') return `# functions.${s.id}.sqs`;
  if (s.dialect === 'terraform') return terraformBlock(s.id);
  return `# Resources.${s.id}.Properties`;
}

/** Where a queue's or a function's properties are written. */
function resourcePath(dialect: Dialect, name: string): string {
  if (dialect === 'serverless') return `# resources.Resources.${name}.Properties`;
  if (dialect === 'terraform') return terraformBlock(name);
  return `# Resources.${name}.Properties`;
}

/** A mapping setting in each dialect's spelling. */
const MAPPING_NAMES: Record<
  'BatchSize' | 'MaximumBatchingWindowInSeconds',
  { cdk: (v: number) => string; cli: string; serverless: string; terraform: string }
> = {
  BatchSize: { cdk: (v) => `batchSize: ${v}`, cli: '--batch-size', serverless: 'batchSize', terraform: 'batch_size' },
  MaximumBatchingWindowInSeconds: {
    cdk: (v) => `maxBatchingWindow: Duration.seconds(${v})`,
    cli: '--maximum-batching-window-in-seconds',
    serverless: 'maximumBatchingWindow',
    terraform: 'maximum_batching_window_in_seconds',
  },
};

export function reportBatchItemFailures(s: EventSourceModel): string {
  switch (s.dialect) {
    case 'cdk':
      return 'new SqsEventSource(queue, { reportBatchItemFailures: true })';
    case 'live':
      return `aws lambda update-event-source-mapping --uuid ${s.id} --function-response-types ReportBatchItemFailures`;
    case 'serverless':
      return `${mappingPath(s)}\nfunctionResponseType: ReportBatchItemFailures`;
    case 'terraform':
      return `${mappingPath(s)}\nfunction_response_types = ["ReportBatchItemFailures"]`;
    default:
      return `${mappingPath(s)}\nFunctionResponseTypes:\n  - ReportBatchItemFailures`;
  }
}

export function mappingSetting(
  s: EventSourceModel,
  property: 'BatchSize' | 'MaximumBatchingWindowInSeconds',
  value: number,
): string {
  const names = MAPPING_NAMES[property];
  switch (s.dialect) {
    case 'cdk':
      return `new SqsEventSource(queue, { ${names.cdk(value)} })`;
    case 'live':
      return `aws lambda update-event-source-mapping --uuid ${s.id} ${names.cli} ${value}`;
    case 'serverless':
      return `${mappingPath(s)}\n${names.serverless}: ${value}`;
    case 'terraform':
      return `${mappingPath(s)}\n${names.terraform} = ${value}`;
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
      return `${mappingPath(s)}\nmaximumConcurrency: ${value}`;
    case 'terraform':
      return `${mappingPath(s)}\nscaling_config {\n  maximum_concurrency = ${value}\n}`;
    default:
      return `${mappingPath(s)}\nScalingConfig:\n  MaximumConcurrency: ${value}`;
  }
}

/** Provisioned mode and a maximum concurrency cannot be combined: keep provisioned mode, drop the maximum. */
export function dropMaximumConcurrency(s: EventSourceModel): string {
  const why = 'provisioned mode bounds the pollers with its maximum instead';
  switch (s.dialect) {
    case 'cdk':
      return `new SqsEventSource(queue, { provisionedPollerConfig: { … } }) // without maxConcurrency: ${why}`;
    case 'live':
      return `aws lambda update-event-source-mapping --uuid ${s.id} --scaling-config '{}'  # ${why}`;
    case 'serverless':
      return `${mappingPath(s)}: remove maximumConcurrency (${why})`;
    case 'terraform':
      return `${mappingPath(s)}: remove the scaling_config block (${why})`;
    default:
      return `${mappingPath(s)}: remove ScalingConfig (${why})`;
  }
}

export function metricsConfig(s: EventSourceModel): string {
  switch (s.dialect) {
    case 'cdk':
      return 'new SqsEventSource(queue, { metricsConfig: { metrics: [MetricType.EVENT_COUNT] } })';
    case 'live':
      return `aws lambda update-event-source-mapping --uuid ${s.id} --metrics-config Metrics=EventCount`;
    case 'serverless':
      // The framework's sqs event has no setting for it: extend the mapping it generates.
      return `# resources.extensions.${s.generatedId ?? '<the mapping’s logical id>'}.Properties\nMetricsConfig:\n  Metrics:\n    - EventCount`;
    case 'terraform':
      return `${mappingPath(s)}\nmetrics_config {\n  metrics = ["EventCount"]\n}`;
    default:
      return `${mappingPath(s)}\nMetricsConfig:\n  Metrics:\n    - EventCount`;
  }
}

/** The fix for a queue named by its URL: name its ARN. */
export function queueArn(s: EventSourceModel, queue: string): string {
  switch (s.dialect) {
    case 'sam':
      return `${mappingPath(s)}\nQueue: !GetAtt ${queue}.Arn`;
    case 'serverless':
      return `${mappingPath(s)}\narn: !GetAtt ${queue}.Arn`;
    case 'terraform':
      return `${mappingPath(s)}\nevent_source_arn = ${queue}.arn`;
    default:
      return `${mappingPath(s)}\nEventSourceArn: !GetAtt ${queue}.Arn`;
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
    case 'terraform':
      return `${terraformBlock(fn)} (${note})\nreserved_concurrent_executions = 2`;
    default:
      return `# Resources.${fn}.Properties (${note})\nReservedConcurrentExecutions: 2`;
  }
}

export function runtime(dialect: Dialect, fn: string): string {
  const to = CURRENT_NODE_RUNTIME;
  switch (dialect) {
    case 'cdk':
      return `new Function(this, '${fn}', { runtime: Runtime.NODEJS_24_X, … })`;
    case 'live':
      return `aws lambda update-function-configuration --function-name ${fn} --runtime ${to}`;
    case 'serverless':
      return `# functions.${fn} (or provider, for every function)\nruntime: ${to}`;
    case 'terraform':
      return `${terraformBlock(fn)}\nruntime = "${to}"`;
    case 'sam':
      return `# Resources.${fn}.Properties (or Globals.Function)\nRuntime: ${to}`;
    default:
      return `# Resources.${fn}.Properties\nRuntime: ${to}`;
  }
}

export function samTransform(): string {
  return '# at the top level of the template\nTransform: AWS::Serverless-2016-10-31';
}

const TERRAFORM_QUEUE_ATTRIBUTES = {
  VisibilityTimeout: 'visibility_timeout_seconds',
  MessageRetentionPeriod: 'message_retention_seconds',
} as const;

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
    case 'terraform':
      return `${terraformBlock(queue)}\n${TERRAFORM_QUEUE_ATTRIBUTES[attribute]} = ${value}`;
    default:
      return `${resourcePath(dialect, queue)}\n${attribute}: ${value}`;
  }
}

export function redrivePolicy(dialect: Dialect, queue: string, fifo: boolean): string {
  switch (dialect) {
    case 'cdk':
      return `new Queue(this, '${queue}', {\n  deadLetterQueue: {\n    queue: new Queue(this, '${queue}DeadLetterQueue', { retentionPeriod: Duration.days(14)${fifo ? ', fifo: true' : ''} }),\n    maxReceiveCount: 5,\n  },\n})`;
    case 'live':
      return `aws sqs set-queue-attributes --queue-url ${queueUrl(queue)} --attributes '{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"<ARN of a ${fifo ? 'FIFO' : 'standard'} dead-letter queue>\\",\\"maxReceiveCount\\":\\"5\\"}"}'`;
    case 'terraform': {
      const dlq = `${queue.slice(queue.lastIndexOf('.') + 1)}_dlq`;
      return [
        `resource "aws_sqs_queue" "${dlq}" {`,
        ...(fifo ? ['  fifo_queue                = true'] : []),
        `  message_retention_seconds = ${FOURTEEN_DAYS} # 14 days, longer than the source queue's`,
        '}',
        terraformBlock(queue),
        'redrive_policy = jsonencode({',
        `  deadLetterTargetArn = aws_sqs_queue.${dlq}.arn`,
        '  maxReceiveCount     = 5',
        '})',
      ].join('\n');
    }
    default:
      return [
        dialect === 'serverless' ? '# resources.Resources' : '# Resources',
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
    case 'terraform':
      return `${terraformBlock(queue)}, in redrive_policy = jsonencode({ … })\nmaxReceiveCount = 5`;
    default:
      return `${resourcePath(dialect, queue).replace(/\.Properties$/, '.Properties.RedrivePolicy')}\nmaxReceiveCount: 5`;
  }
}

/**
 * The dead-letter queue keeps messages 14 days, the most SQS allows; a source that keeps them 14 days
 * too is shortened to 12, since the dead-letter queue cannot keep them longer. Applied, the warning goes.
 */
export function deadLetterRetention(
  dialect: Dialect,
  dlq: string,
  source: string,
  sourceRetention: number,
  dlqRetention: number,
): string {
  const fixes: string[] = [];
  if (dlqRetention < FOURTEEN_DAYS) fixes.push(queueAttribute(dialect, dlq, 'MessageRetentionPeriod', FOURTEEN_DAYS));
  if (sourceRetention >= FOURTEEN_DAYS)
    fixes.push(queueAttribute(dialect, source, 'MessageRetentionPeriod', FOURTEEN_DAYS - 2 * 86_400));
  return fixes.join('\n');
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
    case 'terraform':
      return fifo
        ? `${terraformBlock(dlq)} (${replace})\nfifo_queue = true`
        : `${terraformBlock(dlq)} (${replace}): remove fifo_queue and any .fifo suffix of name`;
    default:
      return fifo
        ? `${resourcePath(dialect, dlq)} (${replace})\nFifoQueue: true`
        : `${resourcePath(dialect, dlq)} (${replace}): remove FifoQueue and any .fifo suffix of QueueName`;
  }
}
