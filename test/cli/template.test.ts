// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub text
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/cli/check.js';
import { TemplateError } from '../../src/cli/errors.js';
import { Evaluator } from '../../src/cli/intrinsics.js';
import { loadTemplate, parseTemplate } from '../../src/cli/load.js';
import { type Dialect, type EventSourceModel, known, type QueueModel } from '../../src/cli/model.js';
import { RULES } from '../../src/cli/rules/index.js';
import { eventSourcesInTemplate } from '../../src/cli/template.js';
import { arnResource, flatten, parseJson, readBoolean, readNumber, readStringList } from '../../src/cli/values.js';

const sources = (yaml: string) => eventSourcesInTemplate(parseTemplate('t.yaml', yaml));
const esm = (props: string, extra = '') =>
  sources(`Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: { QueueName: named-q }
  F:
    Type: AWS::Lambda::Function
    Properties: { FunctionName: named-f, Timeout: 10 }
${extra}
  M:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
${props}
`);
const reason = (k: { known: boolean; reason?: string }) => (k.known ? undefined : k.reason);

describe('parseTemplate', () => {
  it('reads short forms in every position, aliases, and keeps lines', () => {
    const t = parseTemplate(
      't.yaml',
      'Resources:\n  A: &a\n    Type: !Sub x\n  B: *a\n  C: !GetAtt [A, Arn]\n  D: !GetAtt NoDot\n  E: !Join\n    - ""\n    - [a]\n',
    );
    expect(t.body.Resources).toEqual({
      A: { Type: { 'Fn::Sub': 'x' } },
      B: { Type: { 'Fn::Sub': 'x' } },
      C: { 'Fn::GetAtt': ['A', 'Arn'] },
      D: { 'Fn::GetAtt': ['NoDot'] },
      E: { 'Fn::Join': ['', ['a']] },
    });
    expect(t.lineOf(['Resources', 'E'])).toBe(7);
    expect(t.lineOf(['Resources', 'Nope'])).toBeUndefined();
  });

  it('reads JSON with JSON semantics, and its lines when YAML can read it', () => {
    const t = parseTemplate('t.json', '{\n\t"Resources": {\n\t\t"Q": { "Type": "AWS::SQS::Queue" }\n\t}\n}');
    expect(t.body).toEqual({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } });
  });

  it('says where JSON broke, also at the end of the input', () => {
    const error = (() => {
      try {
        parseTemplate('t.json', '{ "Resources": {');
      } catch (e) {
        return e as TemplateError;
      }
    })();
    expect(error).toBeInstanceOf(TemplateError);
    expect(error?.line).toBe(1);
    expect(error?.message).toMatch(/^t\.json:1:\d+: invalid JSON: /);
  });

  it('refuses a key written twice in one mapping, in linear time', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  Q${i}: { Type: AWS::SQS::Queue }`).join('\n');
    const started = performance.now();
    expect(() => parseTemplate('t.yaml', `Resources:\n${keys}\n  Q7: {}\n`)).toThrow(
      't.yaml:20002:3: invalid YAML: Map keys must be unique (Q7)',
    );
    // yaml's own uniqueKeys compares each key with every earlier one: seconds for this, minutes for 5 MB.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('rejects what is not a template', () => {
    expect(() => parseTemplate('t.yaml', 'Resources: [a]')).toThrow(
      't.yaml: not a CloudFormation template: no Resources section',
    );
    expect(() => parseTemplate('t.yaml', '')).toThrow('the top level is not a mapping');
  });

  it('says why a file cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spb-check-'));
    try {
      await expect(loadTemplate(dir)).rejects.toThrow(
        `${dir}: is a directory without .tf files (give a template file or a Terraform module)`,
      );
      const locked = join(dir, 'locked.yaml');
      writeFileSync(locked, 'Resources: {}');
      chmodSync(locked, 0);
      // root reads anything; everyone else is refused.
      await loadTemplate(locked).then(
        (t) => expect(t.body).toEqual({ Resources: {} }),
        (e: Error) => expect(e.message).toBe(`${locked}: permission denied`),
      );
      await expect(loadTemplate(`${locked}/x`)).rejects.toThrow(/cannot be read: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('eventSourcesInTemplate', () => {
  it('follows a mapping to its function by name, ARN, alias or version, and says when it cannot', () => {
    const fn = (target: string, extra = '') =>
      esm(`      EventSourceArn: !GetAtt Q.Arn\n      FunctionName: ${target}`, extra)[0]?.function;
    expect(fn('named-f')).toMatchObject({ known: true, value: { name: 'F', timeout: { value: 10 } } });
    expect(fn('arn:aws:lambda:eu-west-1:123456789012:function:named-f:live')).toMatchObject({ value: { name: 'F' } });
    expect(
      fn('!Ref Alias', '  Alias:\n    Type: AWS::Lambda::Alias\n    Properties: { FunctionName: !Ref F }'),
    ).toMatchObject({ value: { name: 'F' } });
    expect(
      fn('!Ref V', '  V:\n    Type: AWS::Lambda::Version\n    Properties: { FunctionName: !GetAtt F.Arn }'),
    ).toMatchObject({ value: { name: 'F' } });
    expect(reason(fn('elsewhere') as never)).toBe(
      'function elsewhere is not defined in this template (check what is deployed with --live)',
    );
    expect(reason(fn('!Ref Q') as never)).toBe('M.FunctionName: !Ref Q is not a function in this template');
    expect(reason(fn('!ImportValue f') as never)).toBe(
      'M.FunctionName: !ImportValue f is imported from another stack (pass the exporting template too)',
    );
  });

  it('follows a mapping to its queue by ARN or name, and says when it cannot', () => {
    const queue = (arn: string) => esm(`      EventSourceArn: ${arn}\n      FunctionName: !Ref F`)[0]?.queue;
    expect(queue('arn:aws:sqs:eu-west-1:123456789012:named-q')).toMatchObject({ value: { name: 'Q' } });
    expect(queue('!Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Q.QueueName}"')).toMatchObject({
      value: { name: 'Q' },
    });
    expect(reason(queue('!Sub "arn:aws:sqs:${AWS::Region}:1:${AWS::StackName}-q"') as never)).toMatch(
      /queue name in .* is known only once deployed/,
    );
    // The queue's URL: the queue is still known (its rules run), and the source says what names it.
    expect(esm('      EventSourceArn: !Ref Q\n      FunctionName: !Ref F')[0]).toMatchObject({
      queue: { value: { name: 'Q' } },
      queueUrl: '!Ref Q',
    });
    expect(reason(queue('!GetAtt Q.QueueName') as never)).toBe(
      "M.EventSourceArn: !GetAtt Q.QueueName is the queue's QueueName, not its ARN",
    );
    expect(reason(queue('!ImportValue q') as never)).toMatch(/imported from another stack/);
  });

  it('tells SQS mappings from others, and keeps an unresolvable one unless it has a stream-only property', () => {
    expect(esm('      EventSourceArn: arn:aws:kinesis:eu-west-1:1:stream/s\n      FunctionName: !Ref F')).toEqual([]);
    expect(
      esm(
        '      EventSourceArn: !Sub "arn:${AWS::Partition}:dynamodb:x:1:table/t/stream/s"\n      FunctionName: !Ref F',
      ),
    ).toEqual([]);
    expect(
      esm('      EventSourceArn: !ImportValue s\n      FunctionName: !Ref F\n      StartingPosition: LATEST'),
    ).toEqual([]);
    expect(esm('      EventSourceArn: !ImportValue s\n      FunctionName: !Ref F')).toHaveLength(1);
    expect(esm('      EventSourceArn: !GetAtt NotAResource.Arn\n      FunctionName: !Ref F')).toHaveLength(1);
  });

  it('reads redrive policies written as JSON strings, and says what is wrong with one', () => {
    const redrive = (policy: string, extra = '') =>
      sources(`Resources:
  D: { Type: AWS::SQS::Queue, Properties: { QueueName: d.fifo } }
  Q:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: ${policy}
${extra}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events: { E: { Type: SQS, Properties: { Queue: !GetAtt Q.Arn } } }
Transform: [AWS::Serverless-2016-10-31]
`)[0]?.queue;
    const q = (policy: string) => redrive(policy) as { value: QueueModel };
    expect(q(`'{"deadLetterTargetArn":"arn:aws:sqs:x:1:d.fifo","maxReceiveCount":"3"}'`).value.redrive).toMatchObject({
      value: { maxReceiveCount: { value: 3 }, deadLetterQueue: { value: { name: 'D', fifo: { value: true } } } },
    });
    expect(reason(q(`'{not json'`).value.redrive)).toBe('Q.RedrivePolicy is not JSON');
    expect(reason(q('!Sub "{${Q.Arn}"').value.redrive)).toBe('Q.RedrivePolicy is not JSON');
    expect(q('{}').value.redrive).toMatchObject({
      value: { maxReceiveCount: { reason: 'Q.RedrivePolicy has no maxReceiveCount' } },
    });
    expect(reason(q('!ImportValue p').value.redrive)).toMatch(/^Q.RedrivePolicy: /);
    const cycle = sources(`Resources:
  A: { Type: AWS::SQS::Queue, Properties: { RedrivePolicy: { deadLetterTargetArn: !GetAtt B.Arn, maxReceiveCount: 5 } } }
  B: { Type: AWS::SQS::Queue, Properties: { RedrivePolicy: { deadLetterTargetArn: !GetAtt A.Arn, maxReceiveCount: 5 } } }
  M: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt A.Arn, FunctionName: x } }
`)[0]?.queue as { value: QueueModel };
    const dlq = (cycle.value.redrive as { value: { deadLetterQueue: { value: QueueModel } } }).value.deadLetterQueue
      .value;
    const back = (dlq.redrive as unknown as { value: { deadLetterQueue: never } }).value.deadLetterQueue;
    expect(reason(back)).toBe('B.RedrivePolicy.deadLetterTargetArn: the redrive policies of A form a cycle');
  });

  it('says why a setting is unknown: deployed-only values, values of the wrong type', () => {
    const [s] = esm(
      '      EventSourceArn: !GetAtt Q.Arn\n      FunctionName: !Ref F\n      BatchSize: !GetAtt Q.Arn\n      MaximumBatchingWindowInSeconds: soon\n      FunctionResponseTypes: ReportBatchItemFailures\n      ScalingConfig: !ImportValue s\n      FilterCriteria: !ImportValue f',
      '  Other:\n    Type: AWS::SQS::Queue\n    Properties: { FifoQueue: maybe, VisibilityTimeout: !ImportValue v }',
    ) as [EventSourceModel];
    expect(reason(s.batchSize)).toBe('BatchSize is !GetAtt Q.Arn, known only once deployed');
    expect(reason(s.batchingWindow)).toBe('MaximumBatchingWindowInSeconds is soon, not a number');
    expect(reason(s.functionResponseTypes)).toBe(
      'FunctionResponseTypes is ReportBatchItemFailures, not a list of strings',
    );
    expect(reason(s.maximumConcurrency)).toBe(
      'ScalingConfig: !ImportValue s is imported from another stack (pass the exporting template too)',
    );
    expect(reason(s.filtered)).toBe(
      'FilterCriteria: !ImportValue f is imported from another stack (pass the exporting template too)',
    );
    const [other] = sources(`Resources:
  Q: { Type: AWS::SQS::Queue, Properties: { FifoQueue: maybe, VisibilityTimeout: !ImportValue v } }
  Q2: { Type: AWS::SQS::Queue, Properties: { FifoQueue: !GetAtt Q.Arn } }
  M: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: x } }
  M2: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt Q2.Arn, FunctionName: x } }
`).map((x) => x.queue.known && x.queue.value);
    expect(other && reason(other.fifo)).toBe('Q.FifoQueue is maybe, not a boolean');
    expect(other && reason(other.visibilityTimeout)).toBe(
      'Q.VisibilityTimeout: !ImportValue v is imported from another stack (pass the exporting template too)',
    );
  });

  it('skips resources whose Condition is false; checks SAM events without the transform, and says so', () => {
    const found = sources(`Conditions: { Never: !Equals [a, b] }
Resources:
  M: { Type: AWS::Lambda::EventSourceMapping, Condition: Never, Properties: { EventSourceArn: x, FunctionName: y } }
  F: { Type: AWS::Serverless::Function, Properties: { Events: { E: { Type: SQS, Properties: { Queue: q } } } } }
  N: 3
`);
    // #23: without a Transform line these were skipped ("0 SQS event sources", exit 0).
    expect(found.map((s) => [s.id, s.dialect, s.transformMissing])).toEqual([['F.Events.E', 'sam', true]]);
    expect(checkSource(found[0] as EventSourceModel).findings.map((f) => f.rule)).toContain('sam-transform-missing');
  });
});

describe('the dead-letter-retention fix (#23: applied, it left the warning)', () => {
  const template = (source: string, dlq: string) => `Transform: AWS::Serverless-2016-10-31
Resources:
  Dlq:
    Type: AWS::SQS::Queue
    Properties: { ${dlq} }
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      ${source}
      RedrivePolicy: { deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 5 }
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events: { E: { Type: SQS, Properties: { Queue: !GetAtt Queue.Arn } } }
`;
  const retention = (yaml: string) =>
    checkSource(sources(yaml)[0] as EventSourceModel).findings.find((f) => f.rule === 'dead-letter-retention');

  it('shortens a 14-day source and lengthens its dead-letter queue, and the warning goes', () => {
    // The durable-functions sample: the source keeps the maximum, the dead-letter queue the default 4 days.
    const finding = retention(template('MessageRetentionPeriod: 1209600', ''));
    expect(finding?.fix).toBe(
      '# Resources.Dlq.Properties\nMessageRetentionPeriod: 1209600\n# Resources.Queue.Properties\nMessageRetentionPeriod: 1036800',
    );
    expect(retention(template('MessageRetentionPeriod: 1036800', 'MessageRetentionPeriod: 1209600'))).toBeUndefined();
  });

  it('only lengthens the dead-letter queue when the source keeps less than 14 days', () => {
    const finding = retention(template('MessageRetentionPeriod: 345600', 'MessageRetentionPeriod: 345600'));
    expect(finding?.fix).toBe('# Resources.Dlq.Properties\nMessageRetentionPeriod: 1209600');
    expect(retention(template('MessageRetentionPeriod: 345600', 'MessageRetentionPeriod: 1209600'))).toBeUndefined();
  });
});

describe('CDK fixes', () => {
  it('name the construct from aws:cdk:path, not the hashed logical id (#23)', () => {
    const [source] = eventSourcesInTemplate(
      parseTemplate(
        'cdk.template.json',
        JSON.stringify({
          Resources: {
            OrdersQueue2B4D7C0E: {
              Type: 'AWS::SQS::Queue',
              Metadata: { 'aws:cdk:path': 'Stack/OrdersQueue/Resource' },
            },
            Consumer9C3B1F4E: {
              Type: 'AWS::Lambda::Function',
              Properties: { Timeout: 30 },
              Metadata: { 'aws:cdk:path': 'Stack/Consumer/Resource' },
            },
            Mapping: {
              Type: 'AWS::Lambda::EventSourceMapping',
              Properties: {
                EventSourceArn: { 'Fn::GetAtt': ['OrdersQueue2B4D7C0E', 'Arn'] },
                FunctionName: { Ref: 'Consumer9C3B1F4E' },
              },
            },
          },
        }),
      ),
    );
    const fixes = checkSource(source as EventSourceModel).findings.map((f) => f.fix);
    expect(fixes).toContain("new Queue(this, 'OrdersQueue', { visibilityTimeout: Duration.seconds(180) })");
    expect(fixes.join('\n')).not.toContain('2B4D7C0E');
  });
});

describe('fix snippets, in each dialect', () => {
  const queue = (over: Partial<QueueModel> = {}): QueueModel => ({
    name: 'Q',
    fifo: known(false),
    visibilityTimeout: known(10),
    retentionPeriod: known(1_209_600),
    redrive: known({
      maxReceiveCount: known(1),
      deadLetterQueue: known({
        name: 'D',
        fifo: known(true),
        visibilityTimeout: known(30),
        retentionPeriod: known(60),
        redrive: known(undefined),
      }),
    }),
    ...over,
  });
  const source = (dialect: Dialect, over: Partial<EventSourceModel> = {}): EventSourceModel => ({
    id: dialect === 'sam' ? 'F.Events.E' : 'M',
    dialect,
    queue: known(queue()),
    function: known({ name: 'F', timeout: known(30), reservedConcurrency: known(1), runtime: known('nodejs18.x') }),
    batchSize: known(20_000),
    batchingWindow: known(0),
    functionResponseTypes: known([]),
    maximumConcurrency: known(5000),
    filtered: known(true),
    provisioned: known(true),
    metrics: known(false),
    queueUrl: '!Ref Q',
    transformMissing: true,
    ...over,
  });

  it.each(['sam', 'cloudformation', 'cdk', 'serverless', 'terraform', 'live'] as const)(
    '%s: every rule that fires gives a fix',
    (dialect) => {
      const all = [
        checkSource(source(dialect)),
        checkSource(
          source(dialect, {
            queue: known(queue({ redrive: known(undefined), fifo: known(true) })),
            batchingWindow: known(400),
          }),
        ),
        checkSource(
          source(dialect, {
            queue: known(queue({ fifo: known(true), visibilityTimeout: known(40) })),
            batchSize: known(20),
            maximumConcurrency: known(1),
          }),
        ),
        checkSource(
          source(dialect, {
            queue: known(queue({ retentionPeriod: known(5) })),
            batchSize: known(11),
            function: known({
              name: 'F',
              timeout: known(30),
              reservedConcurrency: known(4),
              runtime: known(undefined),
            }),
          }),
        ),
      ].flatMap((r) => r.findings);
      expect(new Set(all.map((f) => f.rule))).toEqual(new Set(RULES.map((r) => r.id)));
      for (const f of all) expect(f.fix.length, f.rule).toBeGreaterThan(10);
      const fixes = all.map((f) => f.fix).join('\n');
      if (dialect === 'live')
        expect(fixes).toContain(
          'aws lambda put-function-concurrency --function-name F --reserved-concurrent-executions 2',
        );
      if (dialect === 'cdk') expect(fixes).toContain("new Queue(this, 'D', { fifo: false })");
      if (dialect === 'sam') expect(fixes).toContain('# Resources.F.Properties.Events.E.Properties\nBatchSize: 10');
      if (dialect === 'serverless') expect(fixes).toContain('# functions.M.sqs\nbatchSize: 10');
      if (dialect === 'terraform') expect(fixes).toContain('\nmaximum_batching_window_in_seconds = 1');
    },
  );
});

describe('reading values', () => {
  const ev = new Evaluator({
    resources: { Q: {} },
    parameters: { P: { Type: 'String' } },
    conditions: {},
    mappings: {},
    overrides: new Map(),
  });

  it('reads booleans, lists and numbers with their fallbacks', () => {
    expect(readBoolean(ev, true, 'b', false)).toEqual({ known: true, value: true });
    expect(readBoolean(ev, 'false', 'b', true)).toEqual({ known: true, value: false });
    expect(readBoolean(ev, null, 'b', true)).toEqual({ known: true, value: true, defaulted: true });
    expect(readBoolean(ev, { Ref: 'P' }, 'b', true)).toMatchObject({
      known: false,
      reason: expect.stringMatching(/^b: parameter P/),
    });
    expect(readBoolean(ev, { Ref: 'Q' }, 'b', true)).toMatchObject({ reason: 'b is !Ref Q, known only once deployed' });
    expect(readStringList(ev, null, 'l')).toEqual({ known: true, value: [], defaulted: true });
    expect(readStringList(ev, [{ Ref: 'P' }], 'l')).toMatchObject({ known: false });
    expect(readNumber(ev, '', 'n', 1)).toMatchObject({ reason: 'n is , not a number' });
    expect(readNumber(ev, { Ref: 'AWS::NoValue' }, 'n', 1)).toEqual({ known: true, value: 1, defaulted: true });
  });

  it('tells which ARNs name SQS queues', () => {
    expect(arnResource('arn:aws:sqs:r:1:q')).toBe('q');
    expect(arnResource('arn:aws:sns:r:1:q')).toBeUndefined();
    expect(arnResource(42)).toBeUndefined();
    expect(flatten(42)).toBeUndefined();
    expect(parseJson('[1, "x"]')).toEqual([1, 'x']);
  });

  it('keeps mappings whose source type it cannot tell', () => {
    const found = sources(`Resources:
  C: { Type: Custom::Thing }
  M1: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt C.Arn, FunctionName: f } }
  M2: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !Sub "arn:aws:\${Svc}:r:1:q", FunctionName: f } }
  M3: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: not-an-arn, FunctionName: f } }
`);
    expect(found.map((s) => s.id)).toEqual(['M1', 'M2', 'M3']);
  });
});
