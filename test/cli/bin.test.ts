import { accessSync, constants, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, expectCase, FIXTURES, fixtureArgs } from './cases.js';
import { type LiveAccount, liveAccount } from './liveAccount.js';
import { CLI, ensureBuilt, ROOT, runBin } from './runBin.js';

beforeAll(ensureBuilt, 120_000);

describe('the built bin, as a child process', () => {
  it('is an executable ESM file with a shebang that imports no runtime dependency', () => {
    accessSync(CLI, constants.X_OK);
    const source = readFileSync(CLI, 'utf8');
    expect(source.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const imports = [...source.matchAll(/^import .* from ['"]([^'"]+)['"];?$/gm)].map((m) => m[1]);
    // Node's own modules only; the HCL parser for Terraform is imported dynamically, when a .tf file is read.
    expect(
      imports.filter((specifier) => !specifier?.startsWith('node:') && !builtinModules.includes(specifier ?? '')),
    ).toEqual([]);
  });

  it.each(CASES)('$name', async (c) => {
    expectCase(c, await runBin(['check', ...fixtureArgs(c.args), '--format', 'json']));
  });

  it('prints the readable report and exits 1 on a missing ReportBatchItemFailures', async () => {
    const { code, stdout, stderr } = await runBin(['check', join(FIXTURES, 'sam-missing-report.yaml')]);
    expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
    expect(stdout).toContain('error   report-batch-item-failures  (line 24)');
    expect(stdout).toContain('FunctionResponseTypes:\n          - ReportBatchItemFailures');
  });

  it('passes the repository SAM example clean', async () => {
    const { code, stdout } = await runBin(['check', join(ROOT, 'examples/sam/template.yaml')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/OrdersConsumer\.Events\.Orders \(queue OrdersQueue\), line \d+\n\s+ok: 21 rules passed/);
  });

  it('exits 2 with usage on bad arguments', async () => {
    const { code, stderr } = await runBin(['check']);
    expect(code).toBe(2);
    expect(stderr).toContain('give at least one template, or --live');
  });
});

describe('the built bin with --live', () => {
  let account: LiveAccount;
  beforeAll(async () => {
    account = await liveAccount();
  });
  afterAll(() => account.stop());

  it('checks the deployed mappings, the Lambda API stubbed in the child and SQS in fauxqs', async () => {
    const run = await runBin(['check', '--live', '--format', 'json'], {
      nodeArgs: ['--import', join(import.meta.dirname, 'lambdaStub.mjs')],
      env: { PATH: process.env.PATH, ...account.env, SPB_LAMBDA_STUB: JSON.stringify(account.lambda) },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.live).toEqual({ region: 'us-east-1', sources: 3 });
    expect(report.summary).toMatchObject({ errors: 2, warnings: 7, info: 2, eventSources: 3, notChecked: 10 });
  });

  it('exits 2 without a region', async () => {
    const { AWS_REGION: _, ...env } = account.env;
    const run = await runBin(['check', '--live'], {
      nodeArgs: ['--import', join(import.meta.dirname, 'lambdaStub.mjs')],
      env: { PATH: process.env.PATH, ...env },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^sqs-partial-batch: cannot list event source mappings: .*[Rr]egion/);
  });
});
