import {
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, metrics, QUEUE_RULES, runInProcess } from './cases.js';
import { stubLambda } from './lambdaStub.mjs';
import { type LiveAccount, liveAccount } from './liveAccount.js';

// Lambda answered by a stub on the client (no request leaves the process); SQS by fauxqs on loopback.
let lambda: ReturnType<typeof stubLambda>;
let account: LiveAccount;
const saved = { ...process.env };

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  account = await liveAccount();
  Object.assign(process.env, account.env);
});

afterAll(async () => {
  process.env = saved;
  await account.stop();
});

beforeEach(() => {
  lambda = stubLambda(account.lambda);
  return () => lambda.restore();
});

const json = (stdout: string) => JSON.parse(stdout);

describe('check --live', () => {
  it('checks every SQS mapping deployed, across pages, with the same rules', async () => {
    const { code, stdout, stderr } = await runInProcess(['check', '--live', '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const report = json(stdout);
    expect(report.live).toEqual({ region: 'us-east-1', sources: 3 });
    expect(
      report.findings
        .map((f: { severity: string; rule: string; eventSource: string }) => `${f.severity} ${f.rule} ${f.eventSource}`)
        .sort(),
    ).toEqual(
      [
        'error report-batch-item-failures uuid-orders',
        'warning visibility-timeout-below-guidance uuid-orders',
        'warning max-receive-count-below-5 uuid-orders',
        'warning dead-letter-retention uuid-orders',
        'warning maximum-concurrency-above-reserved uuid-orders',
        'warning maximum-concurrency-above-reserved uuid-missing',
        'error provisioned-mode-with-maximum-concurrency uuid-jobs',
        'warning deprecated-runtime uuid-orders',
        'warning deprecated-runtime uuid-missing',
        ...metrics('uuid-orders', 'uuid-jobs'),
      ].sort(),
    );
    expect(report.notChecked).toEqual([
      expect.objectContaining({ rule: 'visibility-timeout-below-function-timeout', eventSource: 'uuid-jobs' }),
      expect.objectContaining({ rule: 'visibility-timeout-below-guidance', eventSource: 'uuid-jobs' }),
      expect.objectContaining({ rule: 'deprecated-runtime', eventSource: 'uuid-jobs' }),
      ...QUEUE_RULES.map((rule) => expect.objectContaining({ rule, eventSource: 'uuid-missing' })),
    ]);
    expect(report.notChecked[0].reason).toMatch(
      /^lambda:GetFunctionConfiguration on jobs-worker failed: AccessDeniedException: /,
    );
    expect(report.notChecked[3].reason).toMatch(/^reading queue gone failed: /);
    expect(report.eventSources.map((s: { label: string }) => s.label)).toEqual([
      'orders-consumer ← orders',
      'jobs-worker ← jobs.fifo',
      'orders-consumer ← gone',
    ]);
  });

  it('gives fixes as AWS CLI commands', async () => {
    const report = json((await runInProcess(['check', '--live', '--format', 'json'])).stdout);
    const fixes = Object.fromEntries(
      report.findings
        .filter((f: { eventSource: string }) => f.eventSource === 'uuid-orders')
        .map((f: { rule: string; fix: string }) => [f.rule, f.fix]),
    );
    expect(fixes['report-batch-item-failures']).toBe(
      'aws lambda update-event-source-mapping --uuid uuid-orders --function-response-types ReportBatchItemFailures',
    );
    expect(fixes['visibility-timeout-below-guidance']).toBe(
      'aws sqs set-queue-attributes --queue-url "$(aws sqs get-queue-url --queue-name orders --query QueueUrl --output text)" --attributes VisibilityTimeout=180',
    );
    expect(fixes['maximum-concurrency-above-reserved']).toBe(
      'aws lambda update-event-source-mapping --uuid uuid-orders --scaling-config MaximumConcurrency=5',
    );
  });

  it('reads each function and queue once, reserved concurrency on the unqualified function', async () => {
    await runInProcess(['check', '--live']);
    const pages = lambda.commandCalls(ListEventSourceMappingsCommand).map((c) => c.args[0].input);
    expect(pages).toEqual([{}, { Marker: 'page-2' }]);
    expect(lambda.commandCalls(GetFunctionConfigurationCommand).map((c) => c.args[0].input.FunctionName)).toEqual([
      `${account.functionArn('orders-consumer')}:live`,
      account.functionArn('jobs-worker'),
    ]);
    expect(lambda.commandCalls(GetFunctionConcurrencyCommand).map((c) => c.args[0].input.FunctionName)).toEqual([
      account.functionArn('orders-consumer'),
      account.functionArn('jobs-worker'),
    ]);
  });

  it('lists only the mappings of the functions named with --function', async () => {
    await runInProcess([
      'check',
      '--live',
      '--function',
      'orders-consumer',
      '--function',
      'jobs-worker',
      '--region',
      'us-east-1',
    ]);
    expect(lambda.commandCalls(ListEventSourceMappingsCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: 'orders-consumer' },
      { FunctionName: 'orders-consumer', Marker: 'page-2' },
      { FunctionName: 'jobs-worker' },
      { FunctionName: 'jobs-worker', Marker: 'page-2' },
    ]);
  });

  it('prints the deployed mappings in the text report, next to templates', async () => {
    const { code, stdout } = await runInProcess(['check', `${FIXTURES}/sam-clean.yaml`, '--live']);
    expect(code).toBe(1);
    expect(stdout).toContain('sam-clean.yaml: 2 SQS event sources');
    expect(stdout).toContain(
      'deployed (us-east-1): 3 SQS event source mappings\n  orders-consumer ← orders [uuid-orders]',
    );
    expect(stdout).toContain(
      '  jobs-worker ← jobs.fifo [uuid-jobs]\n    error   provisioned-mode-with-maximum-concurrency\n',
    );
  });

  it('uses the profile --profile names', async () => {
    const report = json(
      (await runInProcess(['check', '--live', '--profile', 'no-such-profile', '--format', 'json'])).stdout,
    );
    // The shared config files do not exist here, so the SQS client finds no credentials for that profile.
    expect(report.notChecked.find((n: { eventSource: string }) => n.eventSource === 'uuid-orders').reason).toMatch(
      /^reading queue orders failed: CredentialsProviderError: /,
    );
  });

  it('exits 2 when the mappings cannot be listed', async () => {
    lambda
      .on(ListEventSourceMappingsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const { code, stderr, stdout } = await runInProcess(['check', '--live', '--format', 'json']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'sqs-partial-batch: cannot list event source mappings: AccessDeniedException: not authorized\n',
    );
    expect(json(stdout).live).toEqual({
      sources: 0,
      error: 'cannot list event source mappings: AccessDeniedException: not authorized',
    });
  });

  it('exits 2 naming what to install when an AWS SDK client is missing', async () => {
    const missing = (specifier: string) =>
      specifier === '@aws-sdk/client-lambda'
        ? Promise.reject(
            Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' }),
          )
        : import(specifier);
    const { code, stderr } = await runInProcess(['check', '--live'], missing);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'sqs-partial-batch: --live needs @aws-sdk/client-lambda, which is not installed: npm install --save-dev @aws-sdk/client-lambda @aws-sdk/client-sqs\n',
    );
    const broken = () => Promise.reject(new Error('boom'));
    expect((await runInProcess(['check', '--live'], broken)).stderr).toBe(
      'sqs-partial-batch: --live could not load @aws-sdk/client-lambda: boom\n',
    );
  });
});
