// biome-ignore-all lint/suspicious/noTemplateCurlyInString: case names quote serverless.yml variables
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ModuleLoader } from '../../src/cli/live.js';
import { main } from '../../src/cli/main.js';
import { RULES } from '../../src/cli/rules/index.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command in this process (the code the bin runs), collecting its output. */
export async function runInProcess(argv: readonly string[], load?: ModuleLoader): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    stdout: (text) => {
      out.push(text);
    },
    stderr: (text) => {
      err.push(text);
    },
    ...(load ? { load } : {}),
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Fixture names resolved against test/cli/fixtures; other arguments as they are. */
export function fixtureArgs(args: readonly string[]): string[] {
  return args.map((arg) => (/\.(ya?ml|json|tf)$|^terraform\/module$/.test(arg) ? join(FIXTURES, arg) : arg));
}

/** One run of the command over fixture templates, and everything it must report. */
export interface Case {
  readonly name: string;
  /** Arguments after `check`; fixture names are resolved against test/cli/fixtures. */
  readonly args: readonly string[];
  readonly exit: 0 | 1 | 2;
  /** Every finding, as `severity rule eventSource`. */
  readonly findings: readonly string[];
  /** Every rule not checked, as `rule eventSource`. */
  readonly notChecked?: readonly string[];
  /** What stderr must say (exit code 2). */
  readonly stderr?: RegExp;
}

const RULE_IDS = RULES.map((rule) => rule.id);

/** The rules that need the queue: none can run when it is not resolved. */
export const QUEUE_RULES = [
  'visibility-timeout-below-function-timeout',
  'visibility-timeout-below-guidance',
  'no-redrive-policy',
  'max-receive-count-below-5',
  'dead-letter-retention',
  'dead-letter-queue-type',
  'retention-below-retries',
];
const queueRulesFor = (source: string) => QUEUE_RULES.map((rule) => `${rule} ${source}`);
/** The info every mapping without `MetricsConfig` gets. */
export const metrics = (...sources: string[]) => sources.map((source) => `info event-source-mapping-metrics ${source}`);

export const CASES: readonly Case[] = [
  {
    name: 'a clean SAM template (short tags, Globals, parameters, FIFO)',
    args: ['sam-clean.yaml'],
    exit: 0,
    findings: [],
  },
  {
    name: 'a SAM event without ReportBatchItemFailures',
    args: ['sam-missing-report.yaml'],
    exit: 1,
    findings: ['error report-batch-item-failures Consumer.Events.Orders'],
  },
  {
    name: 'CloudFormation YAML: visibility timeout below the function timeout, redrive policy as Fn::Sub JSON',
    args: ['visibility-below-timeout.yaml'],
    exit: 1,
    findings: ['error visibility-timeout-below-function-timeout Mapping', ...metrics('Mapping')],
  },
  {
    name: 'CloudFormation JSON: visibility timeout below 6 x the function timeout',
    args: ['visibility-below-guidance.json'],
    exit: 0,
    findings: ['warning visibility-timeout-below-guidance Mapping', ...metrics('Mapping')],
  },
  {
    name: 'no redrive policy',
    args: ['no-redrive.yaml'],
    exit: 0,
    findings: ['warning no-redrive-policy Consumer.Events.Work', ...metrics('Consumer.Events.Work')],
  },
  {
    name: 'maxReceiveCount from a parameter default',
    args: ['max-receive-count.yaml'],
    exit: 0,
    findings: ['warning max-receive-count-below-5 Consumer.Events.Work', ...metrics('Consumer.Events.Work')],
  },
  {
    name: 'maxReceiveCount from --parameter, over the default',
    args: ['max-receive-count.yaml', '--parameter', 'MaxReceiveCount=5'],
    exit: 0,
    findings: [...metrics('Consumer.Events.Work')],
  },
  {
    name: 'dead-letter retention: standard reported, FIFO not',
    args: ['dead-letter-retention.yaml'],
    exit: 0,
    findings: [
      'warning dead-letter-retention Consumer.Events.Standard',
      ...metrics('Consumer.Events.Standard', 'Consumer.Events.Fifo'),
    ],
  },
  {
    name: 'FIFO: standard dead-letter queue, batch of 20, batching window',
    args: ['fifo.yaml'],
    exit: 1,
    findings: [
      'error dead-letter-queue-type Consumer.Events.Payments',
      'error fifo-batch-size Consumer.Events.Payments',
      'error fifo-batching-window Consumer.Events.Payments',
      ...metrics('Consumer.Events.Payments'),
    ],
  },
  {
    name: 'BatchSize above 10 without a batching window',
    args: ['batch-window.yaml'],
    exit: 1,
    findings: ['error batch-size-without-batching-window Consumer.Events.Bulk', ...metrics('Consumer.Events.Bulk')],
  },
  {
    name: 'values outside what Lambda accepts',
    args: ['ranges.yaml'],
    exit: 1,
    findings: [
      'error batch-size-range Consumer.Events.TooBig',
      'error batching-window-range Consumer.Events.LongWindow',
      'error maximum-concurrency-range Consumer.Events.OneAtATime',
      ...metrics('Consumer.Events.TooBig', 'Consumer.Events.LongWindow', 'Consumer.Events.OneAtATime'),
    ],
  },
  {
    name: 'reserved concurrency below the maximum concurrency, or no maximum',
    args: ['reserved-concurrency.yaml'],
    exit: 0,
    findings: [
      'warning maximum-concurrency-above-reserved Consumer.Events.Above',
      'warning maximum-concurrency-above-reserved Consumer.Events.Unlimited',
      ...metrics('Consumer.Events.Above', 'Consumer.Events.Unlimited', 'Consumer.Events.Fits'),
    ],
  },
  {
    name: 'retention shorter than the retries take',
    args: ['retention-below-retries.yaml'],
    exit: 0,
    findings: ['warning retention-below-retries Consumer.Events.Work', ...metrics('Consumer.Events.Work')],
  },
  {
    name: 'filter criteria',
    args: ['filter.yaml'],
    exit: 0,
    findings: ['info filter-criteria-deletes Consumer.Events.Paid', ...metrics('Consumer.Events.Paid')],
  },
  {
    name: 'a CDK-synthesized template (the Kinesis mapping is not an SQS source)',
    args: ['cdk.template.json'],
    exit: 1,
    findings: [
      'error report-batch-item-failures ConsumerSqsEventSourceOrdersStackOrdersQueue1A2B3C4D',
      ...metrics('ConsumerSqsEventSourceOrdersStackOrdersQueue1A2B3C4D'),
    ],
  },
  {
    name: 'queues imported, from a parameter without default, or outside the template: not checked',
    args: ['import.yaml'],
    exit: 1,
    findings: [
      'error report-batch-item-failures ExternalMapping',
      ...metrics('Consumer.Events.Imported', 'Consumer.Events.FromParameter', 'ExternalMapping'),
    ],
    notChecked: [
      ...queueRulesFor('Consumer.Events.Imported'),
      ...queueRulesFor('Consumer.Events.FromParameter'),
      ...queueRulesFor('ExternalMapping'),
    ],
  },
  {
    name: 'an imported queue ARN given with --parameter is still not in the template',
    args: [
      'import.yaml',
      '--parameter',
      'SharedQueueArn=arn:aws:sqs:eu-west-1:123456789012:shared',
      '--ignore',
      'report-batch-item-failures',
    ],
    exit: 0,
    findings: [...metrics('Consumer.Events.Imported', 'Consumer.Events.FromParameter', 'ExternalMapping')],
    notChecked: [
      ...queueRulesFor('Consumer.Events.Imported'),
      ...queueRulesFor('Consumer.Events.FromParameter'),
      ...queueRulesFor('ExternalMapping'),
    ],
  },
  {
    name: 'conditions, mappings, Join, Select, Split, Sub and a resource Condition that is false',
    args: ['conditions.yaml'],
    exit: 0,
    findings: [...metrics('Consumer.Events.Orders')],
  },
  {
    name: 'conditions switched by --parameter: the prod-only mapping appears and lacks ReportBatchItemFailures',
    args: ['conditions.yaml', '--parameter', 'Env=prod'],
    exit: 1,
    findings: [
      'error report-batch-item-failures ProdOnlyMapping',
      ...metrics('Consumer.Events.Orders', 'ProdOnlyMapping'),
    ],
    notChecked: [...queueRulesFor('Consumer.Events.Orders')],
  },
  { name: 'no SQS event source', args: ['no-sqs.yaml'], exit: 0, findings: [] },
  {
    name: 'several templates at once',
    args: ['sam-clean.yaml', 'sam-missing-report.yaml', 'no-redrive.yaml'],
    exit: 1,
    findings: [
      'error report-batch-item-failures Consumer.Events.Orders',
      'warning no-redrive-policy Consumer.Events.Work',
      ...metrics('Consumer.Events.Work'),
    ],
  },
  {
    name: '--ignore skips a rule',
    args: ['sam-missing-report.yaml', '--ignore', 'report-batch-item-failures'],
    exit: 0,
    findings: [],
  },
  {
    name: 'broken YAML: exit 2 with the line',
    args: ['broken.yaml'],
    exit: 2,
    findings: [],
    stderr: /broken\.yaml:7:\d+: invalid YAML: /,
  },
  {
    name: 'broken JSON: exit 2 with the line',
    args: ['broken.json'],
    exit: 2,
    findings: [],
    stderr: /broken\.json:3:\d+: invalid JSON: /,
  },
  {
    name: 'not a template',
    args: ['not-a-template.yaml'],
    exit: 2,
    findings: [],
    stderr: /not a CloudFormation template/,
  },
  { name: 'a missing file', args: ['missing.yaml'], exit: 2, findings: [], stderr: /missing\.yaml: no such file/ },
  {
    name: 'a broken template next to a good one: both reported, exit 2',
    args: ['broken.yaml', 'sam-missing-report.yaml'],
    exit: 2,
    findings: ['error report-batch-item-failures Consumer.Events.Orders'],
    stderr: /broken\.yaml:7/,
  },
];

/** #23's defects in templates: each fixture is read as CloudFormation reads it, and what it hides is found. */
export const TEMPLATE_DEFECT_CASES: readonly Case[] = [
  {
    name: '!Split [-, …]: a plain - in a flow sequence is read, and the missing ReportBatchItemFailures found',
    args: ['split-dash.yaml'],
    exit: 1,
    findings: ['error report-batch-item-failures ProcessFunction.Events.SqsBatch'],
  },
  {
    name: 'a flow mapping closed at its parent indentation is read',
    args: ['flow-close.yaml'],
    exit: 0,
    findings: ['warning no-redrive-policy Consumer.Events.Orders'],
  },
  {
    name: 'a JSON template with a UTF-8 byte-order mark is read',
    args: ['bom.json'],
    exit: 1,
    findings: ['error report-batch-item-failures Mapping', 'warning no-redrive-policy Mapping'],
  },
  {
    name: 'SAM without a Transform: checked, with an info finding',
    args: ['sam-no-transform.yaml'],
    exit: 1,
    findings: [
      'error report-batch-item-failures Consumer.Events.Work',
      'warning no-redrive-policy Consumer.Events.Work',
      'info sam-transform-missing Consumer.Events.Work',
    ],
  },
  {
    name: 'Fn::ForEach: its SQS sources listed, every rule not checked',
    args: ['for-each.yaml'],
    exit: 0,
    findings: [],
    notChecked: ['Fn::ForEach::Tenants.${Tenant}Mapping', 'Fn::ForEach::Tenants.${Tenant}Consumer.Events.Work'].flatMap(
      (source) =>
        RULE_IDS.filter((rule) => rule !== 'event-source-is-queue-url' && rule !== 'sam-transform-missing').map(
          (rule) => `${rule} ${source}`,
        ),
    ),
  },
  {
    name: "Fn::ForEach nested in Fn::ForEach: the inner loop's sources listed, every rule not checked",
    args: ['for-each-nested.yaml'],
    exit: 0,
    findings: [],
    notChecked: RULE_IDS.filter((rule) => rule !== 'event-source-is-queue-url' && rule !== 'sam-transform-missing').map(
      (rule) => `${rule} Fn::ForEach::Regions.Fn::ForEach::Tenants.\${Region}\${Tenant}Mapping`,
    ),
  },
  {
    name: '"Fn::GetAtt": "Queue.Arn" resolves: a 100 s timeout over the default 30 s visibility is found',
    args: ['getatt-string.json'],
    exit: 1,
    findings: ['error visibility-timeout-below-function-timeout Mapping', 'warning no-redrive-policy Mapping'],
  },
  {
    name: "!ImportValue resolves to an export of a template in the same run; !Sub '${Dlq.Arn}' names the DLQ",
    args: ['exporter.yaml', 'importer.yaml'],
    exit: 0,
    findings: ['warning visibility-timeout-below-guidance Consumer.Events.Orders'],
  },
  {
    name: 'Queue: !Ref Queue is the URL: an error with the fix',
    args: ['queue-url.yaml'],
    exit: 1,
    findings: ['error event-source-is-queue-url Consumer.Events.Work'],
  },
  {
    name: "a nested stack's output is not checked (with why); a mapping without EventSourceArn is not SQS",
    args: ['nested-and-kafka.yaml'],
    exit: 0,
    findings: [],
    notChecked: queueRulesFor('FromNested'),
  },
];

const sls = (file: string) => `serverless/${file}`;
const tf = (file: string) => `terraform/${file}`;
const tfm = (name: string) => `aws_lambda_event_source_mapping.${name}`;

/** `serverless.yml` files, as the framework's users write them: every rule that applies to them fires in one. */
export const SERVERLESS_CASES: readonly Case[] = [
  {
    name: 'serverless: no functionResponseType, no dead-letter queue, a deprecated runtime',
    args: [sls('basic.yml')],
    exit: 1,
    findings: [
      'error report-batch-item-failures consumer.events[0]',
      'warning no-redrive-policy consumer.events[0]',
      'warning deprecated-runtime consumer.events[0]',
      ...metrics('consumer.events[0]'),
    ],
  },
  { name: 'serverless: clean, metrics through resources.extensions', args: [sls('clean.yml')], exit: 0, findings: [] },
  {
    name: 'serverless: ${self:}, ${sls:stage}, ${opt:} and ${env:} resolved',
    args: [sls('variables.yml')],
    exit: 0,
    findings: metrics('ship.events[0]'),
  },
  {
    name: 'serverless: --parameter stage=prod picks the prod timeout through ${self:custom.timeouts.${sls:stage}}',
    args: [sls('variables.yml'), '--parameter', 'stage=prod'],
    exit: 0,
    findings: ['warning visibility-timeout-below-guidance ship.events[0]', ...metrics('ship.events[0]')],
  },
  {
    name: 'serverless: a function timeout above the visibility timeout',
    args: [sls('timeout.yml')],
    exit: 1,
    findings: ['error visibility-timeout-below-function-timeout render.events[0]', ...metrics('render.events[0]')],
  },
  {
    name: 'serverless: FIFO with a batch of 20, a batching window and a standard dead-letter queue',
    args: [sls('fifo.yml')],
    exit: 1,
    findings: [
      'error dead-letter-queue-type post.events[0]',
      'error fifo-batch-size post.events[0]',
      'error fifo-batching-window post.events[0]',
      ...metrics('post.events[0]'),
    ],
  },
  {
    name: 'serverless: batch sizes and windows',
    args: [sls('batching.yml')],
    exit: 1,
    findings: [
      'error batch-size-without-batching-window bulk.events[0]',
      'warning visibility-timeout-below-guidance bulk.events[1]',
      'error batch-size-range bulk.events[1]',
      'error batching-window-range bulk.events[1]',
      ...metrics('bulk.events[0]', 'bulk.events[1]'),
    ],
  },
  {
    name: 'serverless: reservedConcurrency and maximumConcurrency',
    args: [sls('concurrency.yml')],
    exit: 1,
    findings: [
      'warning maximum-concurrency-above-reserved send.events[0]',
      'error maximum-concurrency-range digest.events[0]',
      ...metrics('send.events[0]', 'digest.events[0]'),
    ],
  },
  {
    name: 'serverless: receives, dead-letter retention and retention',
    args: [sls('retries.yml')],
    exit: 0,
    findings: [
      'warning max-receive-count-below-5 charge.events[0]',
      'warning dead-letter-retention charge.events[0]',
      'warning retention-below-retries charge.events[0]',
      ...metrics('charge.events[0]'),
    ],
  },
  {
    name: 'serverless: filterPatterns',
    args: [sls('filters.yml')],
    exit: 0,
    findings: ['info filter-criteria-deletes notify.events[0]', ...metrics('notify.events[0]')],
  },
  {
    name: 'serverless: provisionedPollers with maximumConcurrency',
    args: [sls('provisioned.yml')],
    exit: 1,
    findings: ['error provisioned-mode-with-maximum-concurrency collect.events[0]', ...metrics('collect.events[0]')],
  },
  {
    name: 'serverless: ${ssm:}, ${cf:} and outside queues not checked; !Ref of a queue is its URL',
    args: [sls('external.yml')],
    exit: 1,
    findings: [
      'error report-batch-item-failures index.events[0]',
      'warning visibility-timeout-below-guidance index.events[3]',
      'error event-source-is-queue-url index.events[3]',
      ...metrics('index.events[0]', 'index.events[1]', 'index.events[2]', 'index.events[3]'),
    ],
    notChecked: [
      ...queueRulesFor('index.events[0]'),
      ...queueRulesFor('index.events[1]'),
      ...queueRulesFor('index.events[2]'),
    ],
  },
  {
    name: 'serverless: serverless.json',
    args: [sls('serverless.json')],
    exit: 0,
    findings: ['warning deprecated-runtime record.events[0]', ...metrics('record.events[0]')],
  },
];

/** Terraform files and a module directory, shaped like the provider's examples and terraform-aws-modules. */
export const TERRAFORM_CASES: readonly Case[] = [
  {
    name: 'terraform: no function_response_types, no redrive policy, a deprecated runtime',
    args: [tf('basic.tf')],
    exit: 1,
    findings: [
      `error report-batch-item-failures ${tfm('orders')}`,
      `warning no-redrive-policy ${tfm('orders')}`,
      `warning deprecated-runtime ${tfm('orders')}`,
      ...metrics(tfm('orders')),
    ],
  },
  {
    name: 'terraform: clean, redrive_policy with jsonencode, metrics_config',
    args: [tf('clean.tf')],
    exit: 0,
    findings: [],
  },
  {
    name: 'terraform: a function timeout above the visibility timeout',
    args: [tf('timeout.tf')],
    exit: 1,
    findings: [
      `error visibility-timeout-below-function-timeout ${tfm('reports')}`,
      `warning no-redrive-policy ${tfm('reports')}`,
      ...metrics(tfm('reports')),
    ],
  },
  {
    name: 'terraform: FIFO with a batch of 20, a batching window and a standard dead-letter queue',
    args: [tf('fifo.tf')],
    exit: 1,
    findings: [
      `error dead-letter-queue-type ${tfm('ledger')}`,
      `error fifo-batch-size ${tfm('ledger')}`,
      `error fifo-batching-window ${tfm('ledger')}`,
      ...metrics(tfm('ledger')),
    ],
  },
  {
    name: 'terraform: batch sizes and windows',
    args: [tf('batching.tf')],
    exit: 1,
    findings: [
      `error batch-size-without-batching-window ${tfm('bulk')}`,
      `warning visibility-timeout-below-guidance ${tfm('huge')}`,
      `error batch-size-range ${tfm('huge')}`,
      `error batching-window-range ${tfm('huge')}`,
      ...metrics(tfm('bulk'), tfm('huge')),
    ],
  },
  {
    name: 'terraform: reserved_concurrent_executions and scaling_config',
    args: [tf('concurrency.tf')],
    exit: 1,
    findings: [
      `warning maximum-concurrency-above-reserved ${tfm('send')}`,
      `error maximum-concurrency-range ${tfm('digest')}`,
      ...metrics(tfm('send'), tfm('digest')),
    ],
  },
  {
    name: 'terraform: aws_sqs_queue_redrive_policy with two receives and short retentions',
    args: [tf('retries.tf')],
    exit: 0,
    findings: [
      `warning max-receive-count-below-5 ${tfm('billing')}`,
      `warning dead-letter-retention ${tfm('billing')}`,
      `warning retention-below-retries ${tfm('billing')}`,
      ...metrics(tfm('billing')),
    ],
  },
  {
    name: 'terraform: filter_criteria',
    args: [tf('filters.tf')],
    exit: 0,
    findings: [`info filter-criteria-deletes ${tfm('notify')}`, ...metrics(tfm('notify'))],
  },
  {
    name: 'terraform: provisioned_poller_config with scaling_config; a queue named by its url',
    args: [tf('provisioned.tf')],
    exit: 1,
    findings: [
      `error provisioned-mode-with-maximum-concurrency ${tfm('collect')}`,
      `error event-source-is-queue-url ${tfm('by_url')}`,
      ...metrics(tfm('collect'), tfm('by_url')),
    ],
  },
  {
    name: 'terraform: data sources, module outputs and outside ARNs not checked; a Kinesis mapping left out',
    args: [tf('external.tf')],
    exit: 1,
    findings: [
      `error report-batch-item-failures ${tfm('literal')}`,
      ...metrics(tfm('shared'), tfm('catalog'), tfm('literal')),
    ],
    notChecked: [...queueRulesFor(tfm('shared')), ...queueRulesFor(tfm('catalog')), ...queueRulesFor(tfm('literal'))],
  },
  {
    name: 'terraform: a module directory, a variable without default not checked',
    args: ['terraform/module'],
    exit: 0,
    findings: [],
    notChecked: [`max-receive-count-below-5 ${tfm('this')}`, `retention-below-retries ${tfm('this')}`],
  },
  {
    name: 'terraform show -json: planned values, references for what is known after apply, a child module',
    args: [tf('plan.json')],
    exit: 1,
    findings: [
      `error report-batch-item-failures ${tfm('orders')}`,
      `warning visibility-timeout-below-guidance ${tfm('orders')}`,
      `error fifo-batch-size module.payments.${tfm('this')}`,
      ...metrics(tfm('orders')),
    ],
    notChecked: [`max-receive-count-below-5 ${tfm('orders')}`, `retention-below-retries ${tfm('orders')}`],
  },
  {
    name: 'terraform: variables set with --parameter',
    args: ['terraform/module', '--parameter', 'max_receive_count=2', '--parameter', 'timeout=10'],
    exit: 0,
    findings: [
      `warning visibility-timeout-below-guidance ${tfm('this')}`,
      `warning max-receive-count-below-5 ${tfm('this')}`,
    ],
  },
];

interface JsonReport {
  findings: { severity: string; rule: string; eventSource: string }[];
  notChecked: { rule: string; eventSource: string }[];
}

/** Asserts the exit code, every finding and every rule not checked, nothing more and nothing less. */
export function expectCase(c: Case, run: Run): void {
  expect(run.code, run.stderr).toBe(c.exit);
  const report = JSON.parse(run.stdout) as JsonReport;
  expect(report.findings.map((f) => `${f.severity} ${f.rule} ${f.eventSource}`).sort()).toEqual([...c.findings].sort());
  expect(report.notChecked.map((n) => `${n.rule} ${n.eventSource}`).sort()).toEqual([...(c.notChecked ?? [])].sort());
  if (c.stderr) expect(run.stderr).toMatch(c.stderr);
  else expect(run.stderr).toBe('');
}
