import { join } from 'node:path';
import { expect } from 'vitest';
import type { ModuleLoader } from '../../src/cli/live.js';
import { main } from '../../src/cli/main.js';
import { RULES } from '../../src/cli/rules.js';

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
  return args.map((arg) => (/\.(ya?ml|json)$/.test(arg) ? join(FIXTURES, arg) : arg));
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

export const CASES: readonly Case[] = [
  {
    name: '!ImportValue resolves to the queue another template of the same run exports (#23)',
    args: ['import.yaml', 'export.yaml'],
    exit: 1,
    findings: [
      'warning no-redrive-policy Consumer.Events.Imported',
      'error report-batch-item-failures ExternalMapping',
    ],
    notChecked: [...queueRulesFor('Consumer.Events.FromParameter'), ...queueRulesFor('ExternalMapping')],
  },
  {
    name: 'provisioned mode with ScalingConfig.MaximumConcurrency, and a function on nodejs20.x (from Globals) (#23)',
    args: ['provisioned-and-runtime.yaml'],
    exit: 1,
    findings: ['error provisioned-with-maximum-concurrency SettleMapping', 'warning deprecated-runtime SettleMapping'],
  },
  // Serverless Framework configurations (#23): the SQS events of `functions`, queues in `resources.Resources`.
  {
    name: 'Serverless: an sqs event without functionResponseType, default timeout (6 s) and visibility (30 s)',
    args: ['serverless/basic.yml'],
    exit: 1,
    findings: [
      'error report-batch-item-failures functions.worker.events[0].sqs',
      'warning visibility-timeout-below-guidance functions.worker.events[0].sqs',
      'warning no-redrive-policy functions.worker.events[0].sqs',
    ],
  },
  { name: 'Serverless: a clean configuration', args: ['serverless/clean.yml'], exit: 0, findings: [] },
  {
    name: 'Serverless: a string ARN with the aws:region and aws:accountId variables names a queue defined elsewhere',
    args: ['serverless/string-arn.yml'],
    exit: 1,
    findings: ['error report-batch-item-failures functions.charge.events[0].sqs'],
    notChecked: [...queueRulesFor('functions.charge.events[0].sqs')],
  },
  {
    name: 'Serverless: self:custom variables resolve (an ARN intrinsic, a batch size)',
    args: ['serverless/self-variables.yml'],
    exit: 1,
    findings: ['error batch-size-without-batching-window functions.run.events[0].sqs'],
  },
  {
    name: 'Serverless: the sls:stage and opt:stage variables resolve, so a queue named by stage is found',
    args: ['serverless/stage.yml'],
    exit: 0,
    findings: [
      'warning visibility-timeout-below-guidance functions.send.events[0].sqs',
      'warning no-redrive-policy functions.send.events[0].sqs',
    ],
  },
  {
    name: 'Serverless: an unset env variable leaves the queue rules not checked',
    args: ['serverless/env-unset.yml'],
    exit: 0,
    findings: [],
    notChecked: [...queueRulesFor('functions.ingest.events[0].sqs')],
  },
  {
    name: 'Serverless: a FIFO queue with batchSize 20 and a batching window',
    args: ['serverless/fifo.yml'],
    exit: 1,
    findings: [
      'error fifo-batch-size functions.post.events[0].sqs',
      'error fifo-batching-window functions.post.events[0].sqs',
    ],
  },
  {
    name: 'Serverless: provider.timeout above the queue visibility timeout',
    args: ['serverless/timeout.yml'],
    exit: 1,
    findings: [
      'error visibility-timeout-below-function-timeout functions.build.events[0].sqs',
      'warning max-receive-count-below-5 functions.build.events[0].sqs',
    ],
  },
  {
    name: 'Serverless: reservedConcurrency below maximumConcurrency, and maximumConcurrency out of range',
    args: ['serverless/concurrency.yml'],
    exit: 1,
    findings: [
      'warning maximum-concurrency-above-reserved functions.resize.events[0].sqs',
      'error maximum-concurrency-range functions.resize.events[1].sqs',
    ],
  },
  {
    name: 'Serverless: filterPatterns, beside an http event',
    args: ['serverless/filter.yml'],
    exit: 0,
    findings: ['info filter-criteria-deletes functions.ship.events[1].sqs'],
  },
  {
    name: 'Serverless: a serverless.json configuration',
    args: ['serverless/serverless.json'],
    exit: 1,
    findings: ['error report-batch-item-failures functions.record.events[0].sqs'],
  },
  {
    name: 'Serverless: a mapping written as CloudFormation in resources.Resources, referencing the framework function id',
    args: ['serverless/resources-mapping.yml'],
    exit: 1,
    findings: ['error report-batch-item-failures ConsumeMapping'],
  },
  {
    name: 'a SAM template without its Transform line: checked, with an info finding (#23)',
    args: ['sam-no-transform.yaml'],
    exit: 1,
    findings: ['error report-batch-item-failures Worker.Events.Jobs', 'info sam-transform-missing Worker.Events.Jobs'],
  },
  {
    name: 'Fn::GetAtt in its string form ("Q.Arn") resolves the queue, so its rules run (#23)',
    args: ['getatt-string.json'],
    exit: 1,
    findings: ['error visibility-timeout-below-function-timeout Mapping', 'warning no-redrive-policy Mapping'],
  },
  {
    name: 'Queue: !Ref (the URL) on a SAM SQS event is an error with the fix; the queue is still checked (#23)',
    args: ['queue-ref-url.yaml'],
    exit: 1,
    findings: [
      'error queue-not-arn Worker.Events.Jobs',
      'error visibility-timeout-below-function-timeout Worker.Events.Jobs',
      'warning no-redrive-policy Worker.Events.Jobs',
    ],
  },
  {
    name: 'SQS sources inside Fn::ForEach are reported as not checked, never as absent (#23)',
    args: ['foreach.yaml'],
    exit: 0,
    findings: [],
    notChecked: RULES.filter(
      (rule) => !['queue-not-arn', 'sam-transform-missing', 'provisioned-with-maximum-concurrency'].includes(rule.id),
    ).map((rule) => `${rule.id} Fn::ForEach::Workers.\${Name}Worker.Events.Jobs`),
  },
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
    findings: ['error visibility-timeout-below-function-timeout Mapping'],
  },
  {
    name: 'CloudFormation JSON: visibility timeout below 6 x the function timeout',
    args: ['visibility-below-guidance.json'],
    exit: 0,
    findings: ['warning visibility-timeout-below-guidance Mapping'],
  },
  {
    name: 'no redrive policy',
    args: ['no-redrive.yaml'],
    exit: 0,
    findings: ['warning no-redrive-policy Consumer.Events.Work'],
  },
  {
    name: 'maxReceiveCount from a parameter default',
    args: ['max-receive-count.yaml'],
    exit: 0,
    findings: ['warning max-receive-count-below-5 Consumer.Events.Work'],
  },
  {
    name: 'maxReceiveCount from --parameter, over the default',
    args: ['max-receive-count.yaml', '--parameter', 'MaxReceiveCount=5'],
    exit: 0,
    findings: [],
  },
  {
    name: 'dead-letter retention: standard reported, FIFO not',
    args: ['dead-letter-retention.yaml'],
    exit: 0,
    findings: ['warning dead-letter-retention Consumer.Events.Standard'],
  },
  {
    name: 'FIFO: standard dead-letter queue, batch of 20, batching window',
    args: ['fifo.yaml'],
    exit: 1,
    findings: [
      'error dead-letter-queue-type Consumer.Events.Payments',
      'error fifo-batch-size Consumer.Events.Payments',
      'error fifo-batching-window Consumer.Events.Payments',
    ],
  },
  {
    name: 'BatchSize above 10 without a batching window',
    args: ['batch-window.yaml'],
    exit: 1,
    findings: ['error batch-size-without-batching-window Consumer.Events.Bulk'],
  },
  {
    name: 'values outside what Lambda accepts',
    args: ['ranges.yaml'],
    exit: 1,
    findings: [
      'error batch-size-range Consumer.Events.TooBig',
      'error batching-window-range Consumer.Events.LongWindow',
      'error maximum-concurrency-range Consumer.Events.OneAtATime',
    ],
  },
  {
    name: 'reserved concurrency below the maximum concurrency, or no maximum',
    args: ['reserved-concurrency.yaml'],
    exit: 0,
    findings: [
      'warning maximum-concurrency-above-reserved Consumer.Events.Above',
      'warning maximum-concurrency-above-reserved Consumer.Events.Unlimited',
    ],
  },
  {
    name: 'retention shorter than the retries take',
    args: ['retention-below-retries.yaml'],
    exit: 0,
    findings: ['warning retention-below-retries Consumer.Events.Work'],
  },
  {
    name: 'filter criteria',
    args: ['filter.yaml'],
    exit: 0,
    findings: ['info filter-criteria-deletes Consumer.Events.Paid'],
  },
  {
    name: 'a CDK-synthesized template (the Kinesis mapping is not an SQS source)',
    args: ['cdk.template.json'],
    exit: 1,
    findings: ['error report-batch-item-failures ConsumerSqsEventSourceOrdersStackOrdersQueue1A2B3C4D'],
  },
  {
    name: 'queues imported, from a parameter without default, or outside the template: not checked',
    args: ['import.yaml'],
    exit: 1,
    findings: ['error report-batch-item-failures ExternalMapping'],
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
    findings: [],
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
    findings: [],
  },
  {
    name: 'conditions switched by --parameter: the prod-only mapping appears and lacks ReportBatchItemFailures',
    args: ['conditions.yaml', '--parameter', 'Env=prod'],
    exit: 1,
    findings: ['error report-batch-item-failures ProdOnlyMapping'],
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
