import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/cli/check.js';
import { TemplateError } from '../../src/cli/errors.js';
import { parseTemplate } from '../../src/cli/load.js';
import { serverlessToCloudFormation } from '../../src/cli/serverless.js';
import { eventSourcesInTemplate } from '../../src/cli/template.js';

// Whatever a Serverless Framework configuration holds (junk values, variables that refer to each other or to
// themselves, intrinsics in odd places), reading it never throws, and every source is an `sqs` event of a function.
/** A framework variable, `${inner}`, written so that no linter takes it for a misplaced template literal. */
const v = (inner: string): string => ['$', '{', inner, '}'].join('');
const junk = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(
    v('self:custom.a'),
    v('self:custom.b'),
    v('self:'),
    v('opt:stage, self:provider.stage, "dev"'),
    v('env:SLS_HOSTILE_UNSET'),
    v('ssm:/x'),
    `arn:aws:sqs:${v('aws:region')}:${v('aws:accountId')}:q-${v('sls:stage')}`,
    v(`self:custom.${v('self:custom.a')}`),
  ),
  fc.constant({ 'Fn::GetAtt': ['Q', 'Arn'] }),
  fc.constant({ Ref: 'Q' }),
  fc.constant([]),
);
const sqsEvent = fc.oneof(
  junk,
  fc.record(
    {
      arn: junk,
      batchSize: junk,
      maximumBatchingWindow: junk,
      functionResponseType: junk,
      maximumConcurrency: junk,
      filterPatterns: fc.oneof(junk, fc.array(junk, { maxLength: 2 })),
      enabled: junk,
    },
    { requiredKeys: [] },
  ),
);
const fn = fc.record(
  {
    handler: junk,
    timeout: junk,
    reservedConcurrency: junk,
    events: fc.oneof(junk, fc.array(fc.oneof(fc.record({ sqs: sqsEvent }), junk), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const config = fc.record({
  service: fc.oneof(fc.string(), junk),
  custom: fc.record({ a: junk, b: junk }, { requiredKeys: [] }),
  provider: fc.oneof(
    junk,
    fc.record({ name: fc.constant('aws'), timeout: junk, stage: junk, region: junk }, { requiredKeys: [] }),
  ),
  functions: fc.oneof(junk, fc.dictionary(fc.constantFrom('worker', 'my-fn', 'Q', 'a_b'), fn, { maxKeys: 3 })),
  resources: fc.oneof(
    junk,
    fc.constant({ Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 30 } } } }),
  ),
});

describe('Serverless Framework configurations, hostile', () => {
  it('are read without a throw, and every source is an sqs event of a function (by its path in the file)', () => {
    let sources = 0;
    fc.assert(
      fc.property(config, (body) => {
        let template: ReturnType<typeof parseTemplate>;
        try {
          template = parseTemplate('serverless.json', JSON.stringify(body));
        } catch (error) {
          // Not shaped as a configuration (no functions or provider object): a clean one-line refusal.
          expect(error).toBeInstanceOf(TemplateError);
          return;
        }
        if (template.format !== 'serverless') return;
        const view = serverlessToCloudFormation(template, new Map(), {});
        for (const source of eventSourcesInTemplate(view)) {
          expect(source.id).toMatch(/^[^.]+\.events\[\d+\]/);
          sources++;
          const result = checkSource(source);
          for (const finding of result.findings) expect(finding.fix.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 100, seed: 23 },
    );
    // The generator reaches the reader: many of its configurations have sqs events.
    expect(sources).toBeGreaterThan(15);
  });

  it('ends on a file whose variables name the document that holds them (found by the property above)', () => {
    // `${self:}` is the whole file, which holds `${self:}` again: without a bound on lookups this ran for minutes.
    const body = {
      service: 'bomb',
      custom: { a: null, b: v('self:') },
      provider: { name: 'aws', timeout: v('self:custom.a'), region: v('self:') },
      functions: { worker: { events: [{ sqs: { arn: v('self:custom.b') } }] } },
    };
    const template = parseTemplate('serverless.json', JSON.stringify(body));
    const [source] = eventSourcesInTemplate(serverlessToCloudFormation(template, new Map(), {}));
    expect(source?.queue.known).toBe(false);
  });
});
