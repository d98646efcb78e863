import { describe, expect, it } from 'vitest';
import { createConsumer } from '../../src/consumer/index.js';
import { runUntil, sleep, until } from '../helpers/consumer.js';
import { deferred } from '../helpers/events.js';
import { fifoMessage, ScriptedSqs } from '../helpers/scriptedSqs.js';

// What SQS does and an emulator does not: several messages of one group in one
// receive, and (after a lost visibility) a group delivered again while held.
describe('consumer on a FIFO queue (scripted SQS)', () => {
  it("releases a failed group's later records of the same receive without running them; other groups go on", async () => {
    const sqs = new ScriptedSqs().thenReceive([
      fifoMessage('g-1', 'g'),
      fifoMessage('g-2', 'g'),
      fifoMessage('g-3', 'g'),
      fifoMessage('h-1', 'h'),
    ]);
    const ran: string[] = [];
    const consumer = createConsumer(
      (record) => {
        ran.push(record.messageId);
        if (record.messageId === 'g-1') throw new Error('g-1 fails');
      },
      { queueUrl: 'https://sqs.example/orders.fifo', client: sqs, waitTimeSeconds: 1, logger: false },
    );

    await runUntil(consumer, () => consumer.status().released === 2);

    expect(ran.sort()).toEqual(['g-1', 'h-1']);
    expect(sqs.released.sort()).toEqual(['rh-g-2', 'rh-g-3']);
    expect(sqs.deleted).toEqual(['rh-h-1']);
    expect(consumer.status()).toMatchObject({ received: 4, succeeded: 1, failed: 1, released: 2, inFlight: 0 });
  });

  it('stops between the records of a group: the rest go back to the queue unrun', async () => {
    const sqs = new ScriptedSqs().thenReceive([
      fifoMessage('g-1', 'g'),
      fifoMessage('g-2', 'g'),
      fifoMessage('g-3', 'g'),
    ]);
    const gate = deferred();
    const ran: string[] = [];
    const consumer = createConsumer(
      async (record) => {
        ran.push(record.messageId);
        await gate.promise;
      },
      { queueUrl: 'https://sqs.example/orders.fifo', client: sqs, waitTimeSeconds: 1, logger: false },
    );

    const started = consumer.start();
    await until(() => ran.length === 1, 5000, 'the first record');
    const stopped = consumer.stop();
    expect(consumer.stop()).toBe(stopped);
    gate.resolve();
    await stopped;
    await started;

    expect(ran).toEqual(['g-1']);
    expect(sqs.deleted).toEqual(['rh-g-1']);
    expect(sqs.released.sort()).toEqual(['rh-g-2', 'rh-g-3']);
    expect(consumer.status()).toMatchObject({ state: 'stopped', released: 2, inFlight: 0, running: 0 });
  });

  it('holds a group delivered again while it runs until the first run ends, then releases it if that run failed', async () => {
    const sqs = new ScriptedSqs();
    const first = deferred();
    const ran: string[] = [];
    let secondReceived = false;
    sqs.thenReceive([fifoMessage('g-1', 'g'), fifoMessage('h-1', 'h')]).thenReceive(() => {
      secondReceived = true;
      return [fifoMessage('g-1-again', 'g')];
    });
    const consumer = createConsumer(
      async (record) => {
        ran.push(record.messageId);
        if (record.messageId === 'g-1') {
          await first.promise;
          throw new Error('g-1 fails after its message came back');
        }
        if (record.messageId === 'h-1') throw new Error('h-1 fails too');
      },
      { queueUrl: 'https://sqs.example/orders.fifo', client: sqs, batchSize: 2, waitTimeSeconds: 1, logger: false },
    );

    const started = consumer.start();
    await until(() => secondReceived, 5000, 'the group to come back');
    await sleep(50);
    expect(ran.sort()).toEqual(['g-1', 'h-1']); // the later delivery waits its turn
    first.resolve();
    await until(() => consumer.status().released === 1, 5000, 'the later delivery to be released');
    await consumer.stop();
    await started;

    expect(ran).not.toContain('g-1-again');
    expect(sqs.released).toEqual(['rh-g-1-again']);
  });

  it('skips a message without an id, and extends nothing on a queue whose visibility timeout is 0', async () => {
    const sqs = new ScriptedSqs().thenReceive([{ ReceiptHandle: 'rh-anonymous', Body: 'x' }, fifoMessage('g-1', 'g')]);
    sqs.attributes = { ...sqs.attributes, VisibilityTimeout: '0' };
    const ran: string[] = [];
    const consumer = createConsumer(
      async (record) => {
        ran.push(record.messageId);
        await sleep(100);
      },
      { queueUrl: 'https://sqs.example/orders.fifo', client: sqs, waitTimeSeconds: 1, logger: false },
    );

    await runUntil(consumer, () => consumer.status().succeeded === 1);

    expect(ran).toEqual(['g-1']);
    expect(consumer.status().received).toBe(1);
    expect(sqs.calls.filter((call) => call.name === 'ChangeMessageVisibilityBatchCommand')).toEqual([]);
  });
});
