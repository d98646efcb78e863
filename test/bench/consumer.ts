// Throughput of a container consumer on the emulator: this package's consumer
// against sqs-consumer, and the emulator's own ceiling with hand-written loops.
// The emulator (fauxqs) runs in a child process, as SQS runs elsewhere, so it
// does not share a thread with the consumer it serves.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Consumer as SqsConsumer } from 'sqs-consumer';
import { median, table } from './fixtures.js';

/** Work each record does: 10 ms of waiting, as a call to another service would. */
const WORK_MS = 10;
const work = () => new Promise<void>((resolve) => setTimeout(resolve, WORK_MS));

interface Contender {
  readonly name: string;
  /**
   * Consumes the queue until `count` messages are done, then stops; answers
   * when they were done (`performance.now()`), so that stopping (waiting for
   * a long poll in flight) is not counted.
   */
  run(client: SQSClient, queueUrl: string, count: number): Promise<number>;
}

export interface ConsumerRow {
  readonly name: string;
  readonly perSecond: number[];
}

/** Starts fauxqs in its own process; answers its endpoint and a way to stop it. */
async function startEmulator(cwd: string): Promise<{ endpoint: string; stop(): void }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { buildApp } from 'fauxqs';
const app = buildApp({ logger: false, host: '127.0.0.1' });
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(app.server.address().port);`,
    ],
    { cwd, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** Resolves once `done()` holds, checking every few milliseconds, with when it did. */
async function whenDone(done: () => boolean): Promise<number> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
  return performance.now();
}

function ours(
  concurrency: number,
  createConsumer: typeof import('sqs-partial-batch/consumer').createConsumer,
  prefetch?: number,
): Contender {
  return {
    name: `sqs-partial-batch consumer, concurrency ${concurrency}${prefetch === undefined ? '' : `, prefetch ${prefetch}`}`,
    async run(client, queueUrl, count) {
      let done = 0;
      const consumer = createConsumer(
        async () => {
          await work();
          done++;
        },
        {
          queueUrl,
          client,
          concurrency,
          waitTimeSeconds: 1,
          logger: false,
          ...(prefetch === undefined ? {} : { prefetch }),
        },
      );
      const started = consumer.start();
      const doneAt = await whenDone(() => done >= count);
      await consumer.stop();
      await started;
      return doneAt;
    },
  };
}

const sqsConsumer: Contender = {
  name: 'sqs-consumer, batchSize 10 (its concurrency)',
  async run(client, queueUrl, count) {
    let done = 0;
    const consumer = SqsConsumer.create({
      queueUrl,
      sqs: client,
      batchSize: 10,
      waitTimeSeconds: 1,
      handleMessage: async (message) => {
        await work();
        done++;
        return message;
      },
    });
    consumer.on('error', () => {});
    consumer.start();
    const doneAt = await whenDone(() => done >= count);
    consumer.stop();
    return doneAt;
  },
};

/** The emulator's ceiling: `loops` plain loops of receive 10, work, delete 10 in one call. */
function ceiling(loops: number): Contender {
  return {
    name: `emulator ceiling: ${loops} hand-written loops`,
    async run(client, queueUrl, count) {
      let done = 0;
      let doneAt = 0;
      const loop = async () => {
        while (done < count) {
          const { Messages = [] } = await client.send(
            new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          );
          if (Messages.length === 0) continue;
          await Promise.all(Messages.map(() => work()));
          done += Messages.length;
          if (done >= count && doneAt === 0) doneAt = performance.now();
          await client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
      };
      await Promise.all(Array.from({ length: loops }, loop));
      return doneAt;
    },
  };
}

/**
 * Messages per second of each contender, in `rounds` rounds, each on a fresh
 * queue of `count` messages, contenders in a rotated order per round.
 */
export async function measureConsumers(root: string, rounds: number, count: number): Promise<ConsumerRow[]> {
  const { createConsumer } = (await import(
    pathToFileURL(join(root, 'dist/consumer.js')).href
  )) as typeof import('sqs-partial-batch/consumer');
  // The defaults (one receive ahead), and without receiving ahead, to show what it buys.
  const contenders = [
    ours(10, createConsumer),
    ours(50, createConsumer),
    ours(10, createConsumer, 0),
    ours(50, createConsumer, 0),
    sqsConsumer,
    ceiling(5),
    ceiling(10),
  ];
  const emulator = await startEmulator(root);
  const client = new SQSClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const contender = contenders[(round + k) % contenders.length] as Contender;
        const { QueueUrl } = await client.send(
          new CreateQueueCommand({ QueueName: `bench-${round}-${k}`, Attributes: { VisibilityTimeout: '30' } }),
        );
        const queueUrl = QueueUrl as string;
        for (let i = 0; i < count; i += 10) {
          await client.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
                Id: String(j),
                MessageBody: JSON.stringify({ orderId: `order-${i + j}` }),
              })),
            }),
          );
        }
        const started = performance.now();
        const doneAt = await contender.run(client, queueUrl, count);
        samples.get(contender.name)?.push((count / (doneAt - started)) * 1000);
        await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      }
    }
  } finally {
    client.destroy();
    emulator.stop();
  }
  return contenders.map((c) => ({ name: c.name, perSecond: samples.get(c.name) ?? [] }));
}

/** The consumer budgets of issue #21: medians of the runs, against sqs-consumer's. */
export function consumerBudgets(rows: readonly ConsumerRow[]): { at10: number; at50: number } {
  const rate = (name: string) => median(rows.find((row) => row.name === name)?.perSecond ?? [0]);
  const base = rate('sqs-consumer, batchSize 10 (its concurrency)');
  return {
    at10: rate('sqs-partial-batch consumer, concurrency 10') / base,
    at50: rate('sqs-partial-batch consumer, concurrency 50') / base,
  };
}

export function consumerTable(rows: readonly ConsumerRow[], count: number): string {
  const base = median(rows.find((row) => row.name.startsWith('sqs-consumer'))?.perSecond ?? [0]);
  const body = table(
    ['consumer', 'messages / s (median)', 'runs (min to max)', 'x sqs-consumer'],
    rows.map((row) => [
      row.name,
      `**${Math.round(median(row.perSecond))}**`,
      `${Math.round(Math.min(...row.perSecond))} to ${Math.round(Math.max(...row.perSecond))}`,
      (median(row.perSecond) / base).toFixed(2),
    ]),
  );
  const { at10, at50 } = consumerBudgets(rows);
  return `${count} messages per run, ${WORK_MS} ms of async work per record, fauxqs in its own process, one SQSClient for all. A run is timed from start to its last message done (stopping, which waits for a long poll in flight, is not counted).\n\n${body}\n\nBudgets (medians of the runs): at concurrency 10 at least 1.2x sqs-consumer (${at10.toFixed(2)}x: ${at10 >= 1.2 ? 'met' : '**not met**'}); at concurrency 50 at least 3x (${at50.toFixed(2)}x: ${at50 >= 3 ? 'met' : '**not met**'}).`;
}
