/**
 * Metrics hold to CloudWatch's rules (issue #18, items 9, 11 and 12): user
 * dimensions that CloudWatch (or the EMF document) would refuse are refused
 * at creation; the `QueueName` taken from the event source ARN is made a
 * value CloudWatch accepts; an event without records writes no document,
 * as the docs say.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createBatchHandler, InvalidOptionsError, type MetricsSink } from '../../src/index.js';
import { toDimensionValue } from '../../src/observability/cloudWatchNames.js';
import { lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.js';
import { captureOutput } from '../helpers/stdout.js';
import { watchProcess } from '../helpers/watch.js';

let output: ReturnType<typeof captureOutput> | undefined;
afterEach(() => {
  output?.restore();
  output = undefined;
});

const make = (metrics: unknown) => () => createBatchHandler(() => {}, { metrics: metrics as never, logger: false });

/** EMF documents written since the capture began. */
function documents(): Array<Record<string, unknown>> {
  return (output?.stdout ?? []).map((line) => JSON.parse(line)).filter((doc) => '_aws' in doc);
}

describe('user dimensions are checked against CloudWatch’s rules at creation (item 9)', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['`_aws`, the EMF metadata', { _aws: 'x' }, '`metrics.dimensions._aws` is the Embedded Metric Format metadata'],
    [
      'a metric’s name',
      { RecordsFailed: 'x' },
      '`metrics.dimensions.RecordsFailed` is the name of a metric the handler writes',
    ],
    ['another metric’s name', { BatchDuration: 'x' }, 'is the name of a metric the handler writes'],
    ['QueueName', { QueueName: 'x' }, 'set by the handler from the event source ARN'],
    ['a non-ASCII name', { Região: 'eu' }, 'got `"Região"` (string): it is not printable ASCII'],
    ['a blank name', { '   ': 'x' }, 'got `"   "` (string): it is blank'],
    ['an empty name', { '': 'x' }, 'got `""` (string): it is blank'],
    ['a name starting with a colon', { ':tenant': 'x' }, 'got `":tenant"` (string): it is starting with `:`'],
    ['a name of 256 characters', { ['n'.repeat(256)]: 'x' }, 'it is 256 characters long'],
    ['a name with a control character', { 'a\tb': 'x' }, 'it is not printable ASCII'],
    [
      'a non-ASCII value',
      { Service: 'café' },
      'Expected `metrics.dimensions.Service` to be a CloudWatch dimension value',
    ],
    ['a blank value', { Service: '  ' }, 'got `"  "` (string): it is blank'],
    ['an empty value', { Service: '' }, 'it is blank'],
    ['a value of 1,025 characters', { Service: 'v'.repeat(1025) }, 'it is 1025 characters long'],
    ['a value with a newline', { Service: 'a\nb' }, 'it is not printable ASCII'],
    ['a value that is not a string', { Service: 7 }, 'got `7` (number)'],
  ])('refuses %s', (_label, dimensions, message) => {
    expect(make({ namespace: 'Orders', dimensions })).toThrow(InvalidOptionsError);
    expect(make({ namespace: 'Orders', dimensions })).toThrow(message);
  });

  it('quotes only the start of a long value', () => {
    expect(make({ namespace: 'Orders', dimensions: { Service: 'v'.repeat(5000) } })).toThrow(
      `got \`"${'v'.repeat(60)}…"\` (string): it is 5000 characters long`,
    );
  });

  it.each<[string, unknown, string]>([
    ['reserved for AWS', 'AWS/Lambda', 'it is starting with `AWS/`'],
    ['non-ASCII', 'Pedidos/Órdenes', 'it is not printable ASCII'],
    ['blank', ' \t ', 'it is blank'],
    ['256 characters long', 'N'.repeat(256), 'it is 256 characters long'],
  ])('refuses a namespace %s', (_label, namespace, message) => {
    expect(make({ namespace })).toThrow(InvalidOptionsError);
    expect(make({ namespace })).toThrow(message);
  });

  it('takes what CloudWatch takes, at its limits, and writes it as given', async () => {
    const dimensions = { ['n'.repeat(255)]: 'v'.repeat(1024), 'Tenant:Id': 'a b', Service: 'checkout' };
    const handler = createBatchHandler(() => {}, {
      metrics: { namespace: 'Orders/EU-1 #2', dimensions },
      logger: false,
    });
    output = captureOutput();

    await handler(sqsEvent(['a']), lambdaContext());

    const [doc] = documents();
    expect(doc).toMatchObject(dimensions);
    const directives = (doc as { _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> } })._aws
      .CloudWatchMetrics;
    expect(directives[0]?.Dimensions).toEqual([['QueueName', 'n'.repeat(255), 'Tenant:Id', 'Service']]);
  });
});

describe('QueueName is a value CloudWatch accepts, whatever the ARN holds (item 11)', () => {
  const arn = (name: string) => `arn:aws:sqs:eu-west-1:123456789012:${name}`;

  it.each<[string, string, string]>([
    ['a newline', arn('orders\nfifo'), 'orders?fifo'],
    ['a NUL', arn('orders\u0000'), 'orders?'],
    ['non-ASCII letters, one ? each', arn('zamówienia-𝒬'), 'zam?wienia-?'],
    ['over 1,024 characters', arn('q'.repeat(2000)), 'q'.repeat(1024)],
    ['only spaces', arn('   '), 'unknown'],
    ['not an SQS ARN', 'arn:aws:sns:eu-west-1:123456789012:topic', 'unknown'],
    ['an ordinary queue name, unchanged', arn('orders-eu_1.fifo'), 'orders-eu_1.fifo'],
  ])('%s', async (_label, eventSourceARN, expected) => {
    const added: Array<[string, string]> = [];
    const sink: MetricsSink = { addMetric() {}, addDimension: (name, value) => void added.push([name, value]) };
    const emf = createBatchHandler(() => {}, { metrics: { namespace: 'Orders' }, logger: false });
    const powertools = createBatchHandler(() => {}, { metrics: sink, logger: false });
    const event = { Records: [sqsRecord('a', { eventSourceARN })] };
    output = captureOutput();

    await emf(event, lambdaContext());
    await powertools(event, lambdaContext());

    expect(documents().map((doc) => doc.QueueName)).toEqual([expected]);
    expect(added).toEqual([['QueueName', expected]]);
  });

  it('maps by the documented rule: printable ASCII kept, any other character one ?, cut to 1,024, blank is unknown', () => {
    expect(toDimensionValue(undefined)).toBe('unknown');
    expect(toDimensionValue('\t\t')).toBe('??');
    expect(toDimensionValue('\ud800x')).toBe('?x');
    expect(toDimensionValue(`${'é'.repeat(1030)}`)).toBe('?'.repeat(1024));
  });
});

describe('an event without records writes no metrics document, as documented (item 12)', () => {
  it('writes none for an empty event, and exactly one for an event with records, even when none ran', async () => {
    const handler = createBatchHandler(
      () => {
        throw new Error('x');
      },
      { metrics: { namespace: 'Orders' }, logger: false, fifoFailure: 'stop-batch' },
    );
    output = captureOutput();

    await handler({ Records: [] }, lambdaContext());
    expect(documents()).toHaveLength(0);
    await handler(sqsEvent(['a', 'b'], { fifo: true }), lambdaContext()).catch(() => {});
    expect(documents()).toHaveLength(1);
    expect(documents()[0]).toMatchObject({ BatchSize: 2, RecordsFailed: 1, RecordsNotRun: 1 });
  });

  it('the docs say so, and nowhere claim a document for every invocation', () => {
    const pages = ['README.md', 'docs/observability.md'].map((path) => readFileSync(path, 'utf8').replace(/\s+/g, ' '));
    for (const page of pages) expect(page).not.toMatch(/Every invocation (then )?writes one/);
    expect(pages[1]).toContain('An event without records writes no document');
  });
});

describe('a Powertools-style sink that misbehaves costs only its own call (the sinks)', () => {
  it('a throwing addMetric loses that metric only; a rejecting publish is swallowed', async () => {
    const added: string[] = [];
    let published = 0;
    const sink: MetricsSink = {
      addMetric(name) {
        if (name === 'RecordsSucceeded') throw new Error('sink full');
        added.push(name);
      },
      addDimension() {
        return Promise.reject(new Error('later')) as never;
      },
      publishStoredMetrics() {
        published++;
        return Promise.reject(new Error('flush failed')) as never;
      },
    };
    const handler = createBatchHandler(() => {}, { metrics: sink, logger: false });
    const watch = watchProcess();
    try {
      expect(await handler(sqsEvent(['a']), lambdaContext())).toEqual({ batchItemFailures: [] });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      watch.stop();
    }

    expect(added).toContain('RecordsFailed');
    expect(added).not.toContain('RecordsSucceeded');
    expect(published).toBe(1);
    expect(watch.escaped).toEqual([]);
  });
});
