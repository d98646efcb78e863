import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/cli/rules/index.js';
import { CASES, expectCase, FIXTURES, fixtureArgs, runInProcess as run, TEMPLATE_DEFECT_CASES } from './cases.js';

describe('sqs-partial-batch check, in process', () => {
  it.each(CASES)('$name', async (c) => {
    expectCase(c, await run(['check', ...fixtureArgs(c.args), '--format', 'json']));
  });
});

describe('templates CloudFormation accepts, and what they hid (#23)', () => {
  it.each(TEMPLATE_DEFECT_CASES)('$name', async (c) => {
    expectCase(c, await run(['check', ...fixtureArgs(c.args), '--format', 'json']));
  });

  it('says why a nested stack output is not checked, and how to fix a queue URL', async () => {
    const nested = JSON.parse(
      (await run(['check', join(FIXTURES, 'nested-and-kafka.yaml'), '--format', 'json'])).stdout,
    );
    expect(nested.notChecked[0].reason).toBe(
      'FromNested.EventSourceArn: !GetAtt QueueStack.Outputs.QueueArn is an output of nested stack QueueStack: check its template (check what is deployed with --live)',
    );
    const url = JSON.parse((await run(['check', join(FIXTURES, 'queue-url.yaml'), '--format', 'json'])).stdout);
    expect(url.findings[0]).toMatchObject({
      message: expect.stringContaining("names !Ref Queue, the queue's URL"),
      fix: '# Resources.Consumer.Properties.Events.Work.Properties\nQueue: !GetAtt Queue.Arn',
    });
  });

  it('checks --parameter names and AllowedValues', async () => {
    const typo = await run(['check', join(FIXTURES, 'nested-and-kafka.yaml'), '--parameter', 'Evn=prod']);
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr).toBe(
      'sqs-partial-batch: `--parameter Evn`: no template declares a parameter Evn (did you mean `Env`?)\n',
    );
    const outside = await run(['check', join(FIXTURES, 'nested-and-kafka.yaml'), '--parameter', 'Env=qa']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/`--parameter Env=qa`: .*nested-and-kafka\.yaml allows only dev, prod\n$/);
  });
});

describe('the text report', () => {
  it('gives each finding its rule, message, resources, fix and docs', async () => {
    const { code, stdout } = await run(['check', join(FIXTURES, 'sam-missing-report.yaml')]);
    expect(code).toBe(1);
    expect(stdout).toContain('Consumer.Events.Orders (queue OrdersQueue), line 24');
    expect(stdout).toContain('error   report-batch-item-failures  (line 24)');
    expect(stdout).toContain('Lambda ignores the batchItemFailures the handler returns');
    expect(stdout).toContain('resources: Consumer.Events.Orders');
    expect(stdout).toContain(
      '        # Resources.Consumer.Properties.Events.Orders.Properties\n        FunctionResponseTypes:\n          - ReportBatchItemFailures',
    );
    expect(stdout).toContain('docs: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html');
    expect(stdout.trim().split('\n').at(-1)).toBe(
      '1 error, 0 warnings, 0 info; 0 rules not checked, 1 event source checked',
    );
  });

  it('says what passed, and groups what was not checked by its reason', async () => {
    const { stdout } = await run(['check', join(FIXTURES, 'sam-clean.yaml'), join(FIXTURES, 'import.yaml')]);
    expect(stdout).toContain('Worker.Events.Jobs (queue JobsQueue), line 49\n    ok: 21 rules passed');
    expect(stdout).toContain(
      '    not checked: visibility-timeout-below-function-timeout, visibility-timeout-below-guidance, no-redrive-policy, max-receive-count-below-5, dead-letter-retention, dead-letter-queue-type, retention-below-retries\n      because Consumer.Events.Imported.Queue: !ImportValue shared-orders-queue-arn is imported from another stack (pass the exporting template too)',
    );
    expect(stdout).toContain(
      'because Consumer.Events.FromParameter.Queue: parameter SharedQueueArn has no Default; pass --parameter SharedQueueArn=<value>',
    );
    expect(stdout).toContain('21 rules not checked, 5 event sources checked');
  });

  it('writes CDK fixes for a CDK template, and points queue fixes at the queue', async () => {
    const { stdout } = await run(['check', join(FIXTURES, 'cdk.template.json'), '--format', 'json']);
    const [finding] = JSON.parse(stdout).findings;
    expect(finding.fix).toBe('new SqsEventSource(queue, { reportBatchItemFailures: true })');
    const guidance = JSON.parse(
      (await run(['check', join(FIXTURES, 'visibility-below-guidance.json'), '--format', 'json'])).stdout,
    );
    expect(guidance.findings[0]).toMatchObject({
      resources: ['Queue', 'Fn'],
      fix: '# Resources.Queue.Properties\nVisibilityTimeout: 180',
      location: { file: join(FIXTURES, 'visibility-below-guidance.json'), line: 6 },
    });
  });

  it('counts unreadable templates in the summary', async () => {
    const { stdout } = await run(['check', join(FIXTURES, 'broken.yaml')]);
    expect(stdout.trim()).toBe(
      '0 errors, 0 warnings, 0 info; 0 rules not checked, 0 event sources checked, 1 unreadable',
    );
  });
});

describe('usage', () => {
  it.each([
    [[], /missing command: check/],
    [['lint', 'x.yaml'], /unknown command `lint`/],
    [['check'], /give at least one template, or --live/],
    [['check', 'x.yaml', '--format', 'xml'], /Expected `--format` to be text or json, got `xml`/],
    [['check', 'x.yaml', '--region', 'eu-west-1'], /`--region` needs `--live`/],
    [['check', 'x.yaml', '--parameter', 'NoEquals'], /Expected `--parameter` as Name=Value, got `NoEquals`/],
    [['check', 'x.yaml', '--ignore', 'no-such-rule'], /Unknown rule `no-such-rule` in `--ignore`/],
    [['check', 'x.yaml', '--verbose'], /^sqs-partial-batch: Unknown option `--verbose`\n/],
    [['check', 'x.yaml', '--formt', 'json'], /Unknown option `--formt` \(did you mean `--format`\?\)/],
    [
      ['check', 'x.yaml', '--ignor', 'filter-criteria-deletes'],
      /Unknown option `--ignor` \(did you mean `--ignore`\?\)/,
    ],
    [['check', 'x.yaml', '--format'], /`--format` needs a value/],
  ])('%j exits 2 with the reason in one line, and where the help is', async (argv, reason) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(reason);
    // The reason and a pointer to --help: the full usage would bury the reason.
    expect(stderr.split('\n')).toEqual([
      expect.stringMatching(/^sqs-partial-batch: /),
      'Run `sqs-partial-batch --help` for the options.',
      '',
    ]);
  });

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Exit codes: 0 no error-level finding, 1 at least one, 2 bad usage');
  });
});

describe('docs/check.md', () => {
  const section = readFileSync(join(import.meta.dirname, '../../docs/check.md'), 'utf8');

  it('lists every rule with its severity and documentation', () => {
    for (const rule of RULES) expect(section).toContain(`| \`${rule.id}\` | ${rule.severity} |`);
    for (const rule of RULES) expect(section).toContain(rule.doc);
    expect(section.match(/^\| `[a-z0-9-]+` \| (error|warning|info) \|/gm)).toHaveLength(RULES.length);
  });

  it('shows the report the command prints', async () => {
    const shown = /```text\n([\s\S]*?)```/.exec(section)?.[1];
    const { stdout } = await run(['check', join(FIXTURES, 'sam-missing-report.yaml')]);
    expect(stdout.replace(join(FIXTURES, 'sam-missing-report.yaml'), 'template.yaml')).toBe(shown);
  });
});
