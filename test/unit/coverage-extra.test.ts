import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors.js';
import { createBatchHandler } from '../../src/index.js';
import { JsonLogger } from '../../src/observability/jsonLogger.js';
import { scrubText } from '../../src/scrub.js';

const saved = { aws: process.env.AWS_LAMBDA_LOG_LEVEL, log: process.env.LOG_LEVEL };
afterEach(() => {
  for (const [name, value] of [
    ['AWS_LAMBDA_LOG_LEVEL', saved.aws],
    ['LOG_LEVEL', saved.log],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function capture(level: string | undefined): { logger: JsonLogger; lines: Array<{ level: string; message: string }> } {
  delete process.env.LOG_LEVEL;
  if (level === undefined) delete process.env.AWS_LAMBDA_LOG_LEVEL;
  else process.env.AWS_LAMBDA_LOG_LEVEL = level;
  const lines: Array<{ level: string; message: string }> = [];
  const out = {
    log: (line: string) => lines.push(JSON.parse(line)),
    error: (line: string) => lines.push(JSON.parse(line)),
  };
  return { logger: new JsonLogger({}, undefined, out), lines };
}

describe('the JSON logger reads Lambda log levels', () => {
  it.each([
    ['TRACE', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
    ['debug', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
    ['WARN', ['WARN', 'ERROR']],
    ['FATAL', ['ERROR']],
    ['OFF', []],
    ['SILENT', []],
    ['nonsense', ['INFO', 'WARN', 'ERROR']],
    [undefined, ['INFO', 'WARN', 'ERROR']],
  ])('AWS_LAMBDA_LOG_LEVEL=%s writes %j', (level, expected) => {
    const { logger, lines } = capture(level);
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((line) => line.level)).toEqual(expected);
  });

  it('writes a line for a message that cannot be turned into text, and ignores attributes that are not objects', () => {
    const { logger, lines } = capture('INFO');
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    logger.info(hostile as unknown as string, null as never, 'text' as never, { kept: 1 });
    expect(lines).toEqual([
      expect.objectContaining({ message: '(a message that cannot be turned into text)', kept: 1 }),
    ]);
  });
});

describe('scrubbing a message that quotes one run of a value twice', () => {
  it('redacts both places', () => {
    const secret = 'Jane-Q-Public-4111';
    const text = `first "${secret.slice(0, 10)}" then again "${secret.slice(0, 10)}" end`;
    const out = scrubText(text, { name: secret });
    expect(out).not.toContain(secret.slice(0, 10));
    expect(out.match(/\[redacted\]/g)).toHaveLength(2);
  });
});

describe('a metrics option whose properties cannot be read', () => {
  it('is refused with InvalidOptionsError, not a raw throw', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(() => createBatchHandler(() => {}, { metrics: hostile as never })).toThrow(InvalidOptionsError);
    expect(() => createBatchHandler(() => {}, { metrics: hostile as never })).toThrow(
      /^The options could not be read: /,
    );
  });
});

describe('dead-lettering a record whose event source ARN is missing', () => {
  it('names the source queue `unknown` rather than sending an empty attribute', async () => {
    const { PermanentError } = await import('../../src/index.js');
    const { createFakeSqsClient, lambdaContext, sqsEvent } = await import('../../src/testing/index.js');
    const sqs = createFakeSqsClient();
    const handler = createBatchHandler(
      () => {
        throw new PermanentError('never');
      },
      {
        logger: false,
        onPermanentFailure: 'dead-letter',
        deadLetter: { queueUrl: sqs.queueUrl('parking'), client: sqs },
      },
    );
    const event = sqsEvent(['a']);
    (event.Records[0] as { eventSourceARN: string }).eventSourceARN = '';

    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(sqs.sent('parking')[0]?.messageAttributes?.SourceQueueArn).toEqual({
      DataType: 'String',
      StringValue: 'unknown',
    });
  });
});
