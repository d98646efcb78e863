import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/cli/rules/index.js';
import {
  type Case,
  expectCase,
  FIXTURES,
  fixtureArgs,
  runInProcess as run,
  SERVERLESS_CASES,
  TERRAFORM_CASES,
} from './cases.js';

describe('check on serverless.yml', () => {
  it.each(SERVERLESS_CASES)('$name', async (c) => {
    expectCase(c, await run(['check', ...fixtureArgs(c.args), '--format', 'json']));
  });
});

describe('check on Terraform', () => {
  it.each(TERRAFORM_CASES)('$name', async (c) => {
    expectCase(c, await run(['check', ...fixtureArgs(c.args), '--format', 'json']));
  });
});

describe('the fixtures of each format', () => {
  // Every rule fires in some fixture of each format, except the one about SAM's transform.
  const fired = (cases: readonly Case[]) => new Set(cases.flatMap((c) => c.findings.map((f) => f.split(' ')[1])));
  const applicable = RULES.map((rule) => rule.id).filter((id) => id !== 'sam-transform-missing');

  it.each([
    ['serverless', SERVERLESS_CASES],
    ['terraform', TERRAFORM_CASES],
  ] as const)('%s: at least 10 fixtures, every rule exercised', (_, cases) => {
    expect(new Set(cases.flatMap((c) => c.args.filter((a) => !a.startsWith('-') && !a.includes('='))))).toSatisfy(
      (files: Set<string>) => files.size >= 10,
    );
    expect([...fired(cases)].sort()).toEqual([...applicable].sort());
  });
});

describe('fixes in the source format', () => {
  const fixes = async (file: string) => {
    const { stdout } = await run(['check', join(FIXTURES, file), '--format', 'json']);
    const report = JSON.parse(stdout) as { findings: { rule: string; fix: string; location?: { line?: number } }[] };
    return Object.fromEntries(report.findings.map((f) => [f.rule, f]));
  };

  it('writes serverless.yml for the event and the function, CloudFormation under resources for the queue', async () => {
    const found = await fixes('serverless/basic.yml');
    expect(found['report-batch-item-failures']).toMatchObject({
      fix: '# functions.consumer.events[0].sqs\nfunctionResponseType: ReportBatchItemFailures',
      location: { line: 16 },
    });
    expect(found['deprecated-runtime']?.fix).toBe(
      '# functions.consumer (or provider, for every function)\nruntime: nodejs24.x',
    );
    expect(found['no-redrive-policy']?.fix).toMatch(/^# resources\.Resources\nOrdersQueueDeadLetterQueue:\n/);
    // The framework has no sqs setting for metrics: the fix extends the mapping it generates, by its logical id.
    expect(found['event-source-mapping-metrics']?.fix).toMatch(
      /^# resources\.extensions\.ConsumerEventSourceMappingSQSOrdersQueue\.Properties\nMetricsConfig:/,
    );
  });

  it('writes HCL for Terraform, at the block the setting belongs to', async () => {
    const found = await fixes('terraform/basic.tf');
    expect(found['report-batch-item-failures']).toMatchObject({
      fix: '# resource "aws_lambda_event_source_mapping" "orders"\nfunction_response_types = ["ReportBatchItemFailures"]',
      location: { line: 16 },
    });
    expect(found['no-redrive-policy']?.fix).toContain(
      'redrive_policy = jsonencode({\n  deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn\n  maxReceiveCount     = 5\n})',
    );
    const provisioned = await fixes('terraform/provisioned.tf');
    expect(provisioned['event-source-is-queue-url']?.fix).toBe(
      '# resource "aws_lambda_event_source_mapping" "by_url"\nevent_source_arn = aws_sqs_queue.telemetry.arn',
    );
  });

  it('writes a fix in a module at the module and block it belongs to', async () => {
    const found = await fixes('terraform/plan.json');
    expect(found['fifo-batch-size']?.fix).toBe(
      '# module.payments: resource "aws_lambda_event_source_mapping" "this"\nbatch_size = 10',
    );
  });

  it('says how to get the HCL parser when it is not installed', async () => {
    const { loadTerraform } = await import('../../src/cli/terraform.js');
    const missing = Object.assign(new Error("Cannot find package '@cdktn/hcl2json'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadTerraform(join(FIXTURES, 'terraform/basic.tf'), () => Promise.reject(missing))).rejects.toThrow(
      'reading Terraform needs @cdktn/hcl2json, which is not installed: npm install --save-dev @cdktn/hcl2json',
    );
  });

  it('says where HCL is broken, in one line', async () => {
    const { code, stderr } = await run(['check', join(FIXTURES, 'terraform/broken.tf')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^sqs-partial-batch: .*broken\.tf:2:35: invalid Terraform: Unclosed configuration block\n$/);
  });
});
