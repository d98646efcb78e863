// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform expressions
import { describe, expect, it } from 'vitest';
import { type HclParser, HclValues, resourceReference } from '../../src/cli/hcl.js';
import { Unresolvable } from '../../src/cli/intrinsics.js';

// Terraform expressions as the check reads them, through HashiCorp's parser (`@cdktn/hcl2json`, a
// dev dependency here; optional for users).

const parser = (await import('@cdktn/hcl2json')) as unknown as HclParser;
const ADDRESSES = new Set(['aws_sqs_queue.orders', 'aws_lambda_function.worker']);

function values(locals: Record<string, unknown> = {}, using: HclParser = parser) {
  return new HclValues(using, 'main.tf', ADDRESSES, locals);
}

/** The reason of an unresolvable value (fails the test for anything else). */
function reasonOf(value: unknown): string {
  expect(value).toBeInstanceOf(Unresolvable);
  return (value as Unresolvable).reason;
}

describe('Terraform expressions as CloudFormation values', () => {
  it('reads variables, resource attributes and plain values', async () => {
    const v = values();
    expect(await v.value('${var.timeout}')).toEqual({ Ref: 'timeout' });
    expect(await v.value('${aws_sqs_queue.orders.arn}')).toEqual({ 'Fn::GetAtt': ['aws_sqs_queue.orders', 'Arn'] });
    expect(await v.value('${aws_sqs_queue.orders.url}')).toEqual({ Ref: 'aws_sqs_queue.orders' });
    expect(await v.value('${aws_sqs_queue.orders.name}')).toEqual({
      'Fn::GetAtt': ['aws_sqs_queue.orders', 'QueueName'],
    });
    expect(await v.value('${aws_lambda_function.worker.timeout}')).toEqual({
      'Fn::GetAtt': ['aws_lambda_function.worker', 'timeout'],
    });
    expect(await v.value(30)).toBe(30);
    expect(await v.value(['a', { b: '${var.b}' }])).toEqual(['a', { b: { Ref: 'b' } }]);
  });

  it('joins a template, unescapes $${, and reads literals of each type', async () => {
    const v = values();
    expect(await v.value('orders-${var.stage}')).toEqual({ 'Fn::Join': ['', ['orders-', { Ref: 'stage' }]] });
    expect(await v.value('${"$${not.a.reference}"}')).toBe('${not.a.reference}');
    expect(await v.value('${10}')).toBe(10);
    expect(await v.value('${true}')).toBe(true);
    expect(await v.value('${null}')).toBe(null);
  });

  it('reads jsonencode of objects and tuples, with bare and quoted keys', async () => {
    const v = values();
    expect(
      await v.value('${jsonencode({ maxReceiveCount = 5, "deadLetterTargetArn" = aws_sqs_queue.orders.arn })}'),
    ).toEqual({
      maxReceiveCount: 5,
      deadLetterTargetArn: { 'Fn::GetAtt': ['aws_sqs_queue.orders', 'Arn'] },
    });
    expect(await v.value('${tostring([1, "two"])}')).toEqual([1, 'two']);
  });

  it('follows locals, and leaves a missing or self-referring one unresolved', async () => {
    const v = values({ name: 'orders', loop: '${local.loop}', alias: '${local.name}' });
    expect(await v.value('${local.alias}')).toBe('orders');
    expect(reasonOf(await v.value('${local.loop}'))).toBe('local.loop refers to itself');
    expect(reasonOf(await v.value('${local.nope}'))).toBe('local.nope is not defined in these files');
  });

  it('leaves what only a plan knows unresolved, with the reason', async () => {
    const v = values();
    expect(reasonOf(await v.value('${data.aws_sqs_queue.q.arn}'))).toBe(
      'data.aws_sqs_queue.q.arn is read from the account when Terraform plans',
    );
    expect(reasonOf(await v.value('${module.queues.arn}'))).toBe(
      'module.queues.arn is an output of module queues (check it with --live)',
    );
    expect(reasonOf(await v.value('${aws_sqs_queue.other.arn}'))).toBe(
      'aws_sqs_queue.other.arn is not defined in these files',
    );
    expect(reasonOf(await v.value('${max(1, 2)}'))).toMatch(/max\(\) is not evaluated by this check$/);
    expect(reasonOf(await v.value('${var.a > 1 ? 30 : 60}'))).toMatch(/is not evaluated by this check$/);
  });

  it('leaves an expression the parser cannot read unresolved, and takes a null tree as null', async () => {
    const throwing: HclParser = {
      parse: parser.parse,
      getExpressionAst: async () => {
        throw new Error('syntax');
      },
    };
    expect(reasonOf(await values({}, throwing).value('${var.a +}'))).toBe(
      '${var.a +} is an expression this check cannot read',
    );
    const empty: HclParser = { parse: parser.parse, getExpressionAst: async () => null };
    expect(await values({}, empty).value('${var.a}')).toBe(null);
  });
});

describe('resourceReference inside a module', () => {
  it('prefixes the module address, and defaults the attribute to id', () => {
    const inModule = new Set(['module.queues.aws_sqs_queue.q']);
    expect(resourceReference('aws_sqs_queue.q.arn', inModule, 'module.queues.')).toEqual({
      'Fn::GetAtt': ['module.queues.aws_sqs_queue.q', 'Arn'],
    });
    expect(resourceReference('aws_sqs_queue.q', inModule, 'module.queues.')).toEqual({
      'Fn::GetAtt': ['module.queues.aws_sqs_queue.q', 'id'],
    });
  });
});
