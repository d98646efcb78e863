import { randomUUID } from 'node:crypto';
import type { Consumer } from '../../src/consumer/index.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A queue name no other test uses (FIFO names end in `.fifo`). */
export const queueName = (prefix: string, fifo = false): string =>
  `${prefix}-${randomUUID().slice(0, 8)}${fifo ? '.fifo' : ''}`;

/** Polls `check` until it holds, or fails after `ms` saying what it waited for. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Starts `consumer`, waits until `done()` holds (or start() settles), stops it, and settles like start(). */
export async function runUntil(consumer: Consumer, done: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const started = consumer.start();
  try {
    await Promise.race([until(done, ms, 'the work to finish'), started]);
  } finally {
    await consumer.stop();
  }
  await started;
}
