import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createConsumer, ShutdownTimeoutError } from '../../src/consumer/index.js';
import { type BatchLogger, PermanentError } from '../../src/index.js';
import { queueName as name, runUntil, sleep, until } from '../helpers/consumer.js';
import { deferred } from '../helpers/events.js';
import { awsError, FaultyClient } from '../helpers/faultyClient.js';
import { type LocalSqs, startLocalSqs } from '../helpers/fauxqs.js';
import { captureOutput } from '../helpers/stdout.js';

let local: LocalSqs;
beforeAll(async () => {
  local = await startLocalSqs();
});
afterAll(async () => {
  await local?.stop();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** A logger that keeps its lines. */
function recordingLogger(): BatchLogger & {
  lines: Array<{ level: string; message: string; attributes: Record<string, unknown> }>;
} {
  const lines: Array<{ level: string; message: string; attributes: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, attributes: Record<string, unknown>) =>
    void lines.push({ level, message, attributes });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('consumer faults (fauxqs behind a client that injects them)', () => {
  it('retries a failing receive with growing, jittered delays, logs it, and recovers', async () => {
    const queue = await local.createQueue(name('throttled'));
    await local.send(queue.url, [{ MessageBody: 'a' }, { MessageBody: 'b' }]);
    const client = new FaultyClient(local.sqs);
    client.failNext('ReceiveMessageCommand', awsError('ThrottlingException', 'Rate exceeded'), 3);
    const logger = recordingLogger();
    const at: number[] = [];
    const original = client.send.bind(client);
    client.send = (command, options) => {
      if (command instanceof ReceiveMessageCommand) at.push(Date.now());
      return original(command, options);
    };
    let done = 0;
    const consumer = createConsumer(() => void done++, { queueUrl: queue.url, client, waitTimeSeconds: 1, logger });

    await runUntil(consumer, () => done === 2);

    const retries = logger.lines.filter((line) => line.message === 'Could not receive from the queue; retrying');
    expect(retries.map((line) => line.attributes.attempt)).toEqual([1, 2, 3]);
    expect(retries.every((line) => line.level === 'warn' && line.attributes.queueUrl === queue.url)).toBe(true);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(120);
    expect(at[3]! - at[2]!).toBeGreaterThanOrEqual(490);
    expect(logger.lines.some((line) => line.message === 'Receiving from the queue again')).toBe(true);
  });

  it('stops at once while waiting to retry a receive, or to retry reading the queue attributes', async () => {
    const queue = await local.createQueue(name('stop-retry'));
    const client = new FaultyClient(local.sqs);
    client.failNext('ReceiveMessageCommand', awsError('ThrottlingException'), 100);
    const receiving = createConsumer(() => {}, { queueUrl: queue.url, client, waitTimeSeconds: 1, logger: false });
    const startedReceiving = receiving.start();
    await until(() => client.count('ReceiveMessageCommand') === 3, 5000, 'a few failed receives');
    const stopAt = Date.now();
    await receiving.stop();
    await startedReceiving;
    expect(Date.now() - stopAt).toBeLessThan(300);
    expect(client.count('ReceiveMessageCommand')).toBe(3);

    client.failNext('GetQueueAttributesCommand', awsError('InternalError', 'boom', 500), 100);
    const opening = createConsumer(() => {}, { queueUrl: queue.url, client, logger: false });
    const startedOpening = opening.start();
    await until(() => client.count('GetQueueAttributesCommand') === 2, 5000, 'a failed attempt to read the queue');
    await opening.stop();
    await startedOpening;
    expect(opening.status().state).toBe('stopped');
  });

  it('does not spin on an empty queue with short polling (waitTimeSeconds: 0)', async () => {
    const queue = await local.createQueue(name('idle'));
    const client = new FaultyClient(local.sqs);
    const consumer = createConsumer(() => {}, { queueUrl: queue.url, client, waitTimeSeconds: 0, logger: false });

    const started = consumer.start();
    await sleep(500);
    await consumer.stop();
    await started;

    expect(client.count('ReceiveMessageCommand')).toBe(1);
    expect(consumer.status().lastReceiveAt).toBeInstanceOf(Date);
  });

  it('drains when a receive in flight at stop fails', async () => {
    const queue = await local.createQueue(name('late-failure'));
    const client = new FaultyClient(local.sqs);
    client.failNext('ReceiveMessageCommand', awsError('ServiceUnavailable', 'down', 503), 1, 300);
    const logger = recordingLogger();
    const consumer = createConsumer(() => {}, { queueUrl: queue.url, client, waitTimeSeconds: 1, logger });

    const started = consumer.start();
    await until(() => client.count('ReceiveMessageCommand') === 1, 5000, 'the receive');
    await consumer.stop();
    await started;

    expect(logger.lines).toEqual([]);
    expect(consumer.status().state).toBe('stopped');
  });

  it('retries reading the queue attributes at start, then runs', async () => {
    const queue = await local.createQueue(name('attrs'));
    await local.send(queue.url, [{ MessageBody: 'a' }]);
    const client = new FaultyClient(local.sqs);
    client.failNext('GetQueueAttributesCommand', awsError('InternalError', 'boom', 500));
    const logger = recordingLogger();
    let done = 0;

    await runUntil(
      createConsumer(() => void done++, { queueUrl: queue.url, client, waitTimeSeconds: 1, logger }),
      () => done === 1,
    );

    expect(logger.lines.map((line) => line.message)).toContain('Could not read the queue attributes; retrying');
  });

  it('stops on access denied while running: start() rejects naming the queue, running records finish first', async () => {
    const queue = await local.createQueue(name('denied'), { VisibilityTimeout: '30' });
    await local.send(queue.url, [{ MessageBody: 'a' }]);
    const client = new FaultyClient(local.sqs);
    const gate = deferred();
    let finished = false;
    const consumer = createConsumer(
      async () => {
        client.failNext('ReceiveMessageCommand', awsError('AccessDenied', 'not authorized', 403), 100);
        await gate.promise;
        finished = true;
      },
      { queueUrl: queue.url, client, waitTimeSeconds: 1, logger: false },
    );

    const started = consumer.start();
    await until(() => consumer.status().running === 1, 5000, 'the record');
    await until(() => consumer.status().state === 'stopping', 5000, 'the fatal error');
    gate.resolve();

    await expect(started).rejects.toMatchObject({
      name: 'ConsumerQueueError',
      queueUrl: queue.url,
      reason: 'AccessDenied: not authorized',
    });
    expect(finished).toBe(true);
    expect(await local.remaining(queue.url)).toBe(0);
  });

  it('rejects start() when access to the queue is denied at start', async () => {
    const queue = await local.createQueue(name('denied-start'));
    const client = new FaultyClient(local.sqs);
    client.failNext('GetQueueAttributesCommand', awsError('AccessDeniedException', 'no', 400));

    await expect(createConsumer(() => {}, { queueUrl: queue.url, client, logger: false }).start()).rejects.toThrow(
      `The consumer cannot use queue ${queue.url}: AccessDeniedException: no`,
    );
  });

  it('retries deletions SQS refused for a passing reason or failed as a whole, and gives up on stale receipt handles', async () => {
    const queue = await local.createQueue(name('deletes'), { VisibilityTimeout: '2' });
    await local.send(queue.url, [{ MessageBody: 'a' }]);
    const client = new FaultyClient(local.sqs);
    client.refuseEntries('DeleteMessageBatchCommand', 'InternalError', false);
    client.failNext('DeleteMessageBatchCommand', awsError('ServiceUnavailable', 'down', 503));
    let done = 0;

    await runUntil(
      createConsumer(() => void done++, { queueUrl: queue.url, client, waitTimeSeconds: 1, logger: false }),
      async () => done === 1 && (await local.remaining(queue.url)) === 0,
    );

    expect(client.count('DeleteMessageBatchCommand')).toBe(3);

    // A stale receipt handle (SQS blames the sender): logged once, not retried; the message comes back.
    await local.send(queue.url, [{ MessageBody: 'b' }]);
    client.refuseEntries('DeleteMessageBatchCommand', 'ReceiptHandleIsInvalid', true);
    const logger = recordingLogger();
    let runs = 0;
    await runUntil(
      createConsumer(() => void runs++, { queueUrl: queue.url, client, waitTimeSeconds: 1, logger }),
      () => runs === 1,
    );
    const warning = logger.lines.find((line) => line.message.startsWith('Could not delete processed messages'));
    expect(warning?.attributes.error).toBe('ReceiptHandleIsInvalid: injected ReceiptHandleIsInvalid');
    expect(await local.counts(queue.url)).toEqual({ visible: 0, inFlight: 1 });
  });

  it('retries a heartbeat that fails for a passing reason: the record keeps its signal and its message', async () => {
    const queue = await local.createQueue(name('beat'), { VisibilityTimeout: '1' });
    await local.send(queue.url, [{ MessageBody: 'long' }]);
    const client = new FaultyClient(local.sqs);
    client.failNext('ChangeMessageVisibilityBatchCommand', awsError('ServiceUnavailable', 'down', 503));
    let aborted = false;
    let done = 0;
    const consumer = createConsumer(
      async (_record, { signal }) => {
        await sleep(1800);
        aborted = signal.aborted;
        done++;
      },
      { queueUrl: queue.url, client, waitTimeSeconds: 1, logger: false },
    );

    await runUntil(consumer, () => done === 1);

    expect(aborted).toBe(false);
    expect(client.count('ChangeMessageVisibilityBatchCommand')).toBeGreaterThanOrEqual(3);
    expect(consumer.status().succeeded).toBe(1);
  });

  it('uses visibilityTimeoutSeconds for receives and the heartbeat, and extends nothing with heartbeat: false', async () => {
    const queue = await local.createQueue(name('visibility'), { VisibilityTimeout: '30' });
    await local.send(queue.url, [{ MessageBody: 'x' }]);
    const client = new FaultyClient(local.sqs);
    let done = 0;
    const consumer = createConsumer(
      async () => {
        await sleep(1200);
        done++;
      },
      { queueUrl: queue.url, client, waitTimeSeconds: 1, visibilityTimeoutSeconds: 1, heartbeat: false, logger: false },
    );

    await runUntil(consumer, () => done >= 1);

    const receive = client.calls.find((call) => call.name === 'ReceiveMessageCommand');
    expect(receive?.input).toMatchObject({ VisibilityTimeout: 1, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 });
    const extensions = client.calls.filter(
      (call) =>
        call.name === 'ChangeMessageVisibilityBatchCommand' &&
        (call.input.Entries as Array<{ VisibilityTimeout: number }>).some((entry) => entry.VisibilityTimeout > 0),
    );
    expect(extensions).toEqual([]);
  });

  it('aborts records still running at the shutdown timeout: they fail, their messages come back later', async () => {
    const queue = await local.createQueue(name('shutdown'), { VisibilityTimeout: '30' });
    await local.send(queue.url, [{ MessageBody: 'stuck' }, { MessageBody: 'quick' }]);
    const logger = recordingLogger();
    let reason: unknown;
    const consumer = createConsumer(
      async (record, { signal }) => {
        if (record.body === 'quick') return;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        reason = signal.reason;
        await sleep(50); // ignores the signal for a while: the run concludes without it
      },
      { queueUrl: queue.url, client: local.sqs, waitTimeSeconds: 1, shutdownTimeoutMs: 200, logger },
    );

    const started = consumer.start();
    await until(() => consumer.status().succeeded === 1, 5000, 'the quick record');
    const stopping = Date.now();
    await consumer.stop();
    await started;

    expect(Date.now() - stopping).toBeLessThan(1500);
    expect(reason).toBeInstanceOf(ShutdownTimeoutError);
    expect(consumer.status()).toMatchObject({ succeeded: 1, failed: 1, inFlight: 0 });
    expect(logger.lines.map((line) => line.message)).toContain('Record did not finish before the shutdown timeout');
    expect(await local.counts(queue.url)).toEqual({ visible: 0, inFlight: 1 });
  });

  it('makes its own client from the environment when given none, and destroys it at stop', async () => {
    const queue = await local.createQueue(name('default-client'));
    await local.send(queue.url, [{ MessageBody: 'env' }]);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', local.endpoint);
    // The SDK warns that the emulator's queue URLs are not AWS hostnames.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let body = '';

    let runs = 0;

    // `backoff` names no client: it uses the consumer's, made from the environment.
    await runUntil(
      createConsumer(
        (record) => {
          runs++;
          if (record.receiveCount === 1) throw new Error('once');
          body = record.body;
        },
        { queueUrl: queue.url, waitTimeSeconds: 1, logger: false, backoff: { baseSeconds: 0, jitter: 'none' } },
      ),
      () => body !== '',
    );

    warn.mockRestore();
    expect(body).toBe('env');
    expect(runs).toBe(2);
  });

  it('takes the handler options with their meaning: dead-letter through its own client, metrics per batch, spans per record, a signal to stop', async () => {
    const queue = await local.createQueue(name('policy'));
    const dlq = await local.createQueue(name('policy-dlq'));
    await local.send(queue.url, [{ MessageBody: 'good' }, { MessageBody: 'bad' }, { MessageBody: 'never' }]);
    const output = captureOutput();
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
      'consumer',
    );
    const controller = new AbortController();
    let seen = 0;
    try {
      const consumer = createConsumer(
        (record) => {
          seen++;
          if (record.body === 'bad') throw new PermanentError('no such order');
        },
        {
          queueUrl: queue.url,
          client: local.sqs,
          waitTimeSeconds: 1,
          logger: false,
          onPermanentFailure: 'dead-letter',
          deadLetter: { queueUrl: dlq.url },
          metrics: { namespace: 'Consumer' },
          tracer,
          signal: controller.signal,
        },
      );
      const started = consumer.start();
      await until(async () => seen === 3 && (await local.remaining(dlq.url)) === 1, 5000, 'the dead letter');
      controller.abort();
      await started;
    } finally {
      output.restore();
    }

    expect(await local.remaining(queue.url)).toBe(0);
    const emf = output.stdout.map((line) => JSON.parse(line)).filter((doc) => doc._aws !== undefined);
    expect(emf.length).toBeGreaterThan(0);
    expect(emf.reduce((sum, doc) => sum + (doc.RecordsDeadLettered ?? 0), 0)).toBe(1);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(Array(3).fill(`process ${queue.url.split('/').pop()}`));
    expect(spans.map((span) => span.attributes['messaging.message.id']).sort()).toHaveLength(3);
  });

  it('never runs a FIFO message twice when it comes back while it still runs: its success deletes the newer delivery', async () => {
    const queue = await local.createQueue(name('fifo-lost', true), { FifoQueue: 'true', VisibilityTimeout: '1' });
    await local.send(queue.url, [{ MessageBody: 'slow', MessageGroupId: 'g', MessageDeduplicationId: 'd-1' }]);
    const client = new FaultyClient(local.sqs);
    // The extension is refused: the message becomes visible again (and is received again) while its first run goes on.
    client.refuseEntries('ChangeMessageVisibilityBatchCommand', 'ReceiptHandleIsInvalid', true, 100);
    const logger = recordingLogger();
    let runs = 0;
    let done = 0;
    const consumer = createConsumer(
      async () => {
        runs++;
        await sleep(1800);
        done++;
      },
      { queueUrl: queue.url, client, waitTimeSeconds: 1, logger },
    );

    await runUntil(consumer, async () => done === 1 && (await local.remaining(queue.url)) === 0, 8000);

    expect(runs).toBe(1);
    const messages = logger.lines.map((line) => line.message);
    expect(messages).toContain(
      'A message still held here was received again (its visibility ran out); it is not run twice',
    );
    expect(consumer.status()).toMatchObject({ received: 1, succeeded: 1, failed: 0 });
  });
});
