import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../src/cli/load.js';
import { runInProcess } from './cases.js';

const DIR = join(import.meta.dirname, '../../examples/sam');
const TEMPLATE = join(DIR, 'template.yaml');

// biome-ignore lint/suspicious/noExplicitAny: template data, read by the paths SAM documents
type Node = Record<string, any>;

describe('examples/sam/template.yaml', async () => {
  const { body } = await loadTemplate(TEMPLATE);
  const resources = body.Resources as Node;
  const fn = resources.OrdersConsumer as Node;
  const globals = (body.Globals as Node).Function as Node;
  const event = fn.Properties.Events.Orders as Node;
  const queue = resources.OrdersQueue.Properties as Node;

  it('passes the check with no finding and nothing left unchecked', async () => {
    const { code, stdout } = await runInProcess(['check', TEMPLATE, '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ findings: [], notChecked: [], summary: { eventSources: 1 } });
  });

  it('reports partial batch failures from its SQS event', () => {
    expect(event.Type).toBe('SQS');
    expect(event.Properties.Queue).toEqual({ 'Fn::GetAtt': ['OrdersQueue', 'Arn'] });
    expect(event.Properties.FunctionResponseTypes).toContain('ReportBatchItemFailures');
  });

  it('gives the queue a visibility timeout of at least 6 x the function timeout plus the batching window', () => {
    const timeout = fn.Properties.Timeout ?? globals.Timeout;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * timeout + event.Properties.MaximumBatchingWindowInSeconds,
    );
  });

  it('sends failing messages to a dead-letter queue that outlives them, after at least 5 receives', () => {
    expect(queue.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['OrdersDeadLetterQueue', 'Arn'] });
    expect(queue.RedrivePolicy.maxReceiveCount).toEqual({ Ref: 'MaxReceiveCount' });
    expect((body.Parameters as Node).MaxReceiveCount.Default).toBeGreaterThanOrEqual(5);
    expect(resources.OrdersDeadLetterQueue.Properties.MessageRetentionPeriod).toBeGreaterThan(
      queue.MessageRetentionPeriod,
    );
  });

  it('runs on a current Node.js runtime', () => {
    expect(fn.Properties.Runtime ?? globals.Runtime).toMatch(/^nodejs(22|24)\.x$/);
  });

  it('builds: CodeUri has a package.json and the entry point, bundled as CommonJS (CJS dependencies need require)', () => {
    const codeUri = join(DIR, fn.Properties.CodeUri);
    const pkg = JSON.parse(readFileSync(join(codeUri, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies)).toContain('sqs-partial-batch');
    const build = fn.Metadata.BuildProperties as Node;
    expect(fn.Metadata.BuildMethod).toBe('esbuild');
    expect(build.Format).toBe('cjs');
    expect(build.OutExtension).toBeUndefined();
    for (const entry of build.EntryPoints) expect(existsSync(join(codeUri, entry))).toBe(true);
    const [file, exported] = fn.Properties.Handler.split('.');
    expect(build.EntryPoints).toContain(`${file}.ts`);
    expect(readFileSync(join(codeUri, `${file}.ts`), 'utf8')).toContain(`export const ${exported} =`);
  });

  it('sets only environment variables the handler reads', () => {
    const handler = readFileSync(join(DIR, 'orders.ts'), 'utf8');
    for (const name of Object.keys(fn.Properties.Environment.Variables))
      expect(handler).toContain(`process.env.${name}`);
  });

  it('alarms on the handler metrics: failed records, and the queue falling behind', () => {
    const alarms = Object.values(resources).filter((r: Node) => r.Type === 'AWS::CloudWatch::Alarm') as Node[];
    const byMetric = Object.fromEntries(alarms.map((a) => [a.Properties.MetricName, a.Properties]));
    for (const metric of ['RecordsFailed', 'OldestRecordAge']) {
      const alarm = byMetric[metric] as Node;
      expect(alarm, `an alarm on ${metric}`).toBeDefined();
      expect(alarm.Namespace).toEqual({ Ref: 'MetricsNamespace' });
      expect(alarm.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['OrdersQueue', 'QueueName'] } }]);
      expect(alarm.ComparisonOperator).toBe('GreaterThanThreshold');
    }
    expect((byMetric.RecordsFailed as Node).Threshold).toBe(0);
    // The handler writes the metrics into the namespace the alarms watch.
    expect(fn.Properties.Environment.Variables.METRICS_NAMESPACE).toEqual({ Ref: 'MetricsNamespace' });
    expect(readFileSync(join(DIR, 'orders.ts'), 'utf8')).toMatch(
      /metrics: \{ namespace: process\.env\.METRICS_NAMESPACE/,
    );
  });
});
