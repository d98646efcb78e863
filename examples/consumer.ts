/**
 * One record function, two hosts: a Lambda handler, and a consumer for a
 * container (ECS, EKS, EC2) that polls the queue itself. Both validate with
 * the same schema, keep the same idempotency, and report the same way.
 *
 * The container's entry point calls `main()`, e.g. a one-line `server.js`:
 * `require('./consumer.js').main()`. It runs until SIGTERM (ECS and
 * Kubernetes send it before stopping a task or pod) or SIGINT, then drains:
 * running records get 20 s to finish, records received but not run go back
 * to the queue. `GET /healthz` on HEALTH_PORT answers 200 while it consumes.
 *
 * IAM for the container's role, on the queue: sqs:ReceiveMessage,
 * sqs:DeleteMessage, sqs:ChangeMessageVisibility, sqs:GetQueueAttributes.
 */
import { createServer, type Server } from 'node:http';
import { createBatchHandler, type ProcessRecord } from 'sqs-partial-batch';
import { type Consumer, createConsumer } from 'sqs-partial-batch/consumer';
import { z } from 'zod';

const Order = z.object({ orderId: z.string(), amountCents: z.number().int().positive() });
type Order = z.output<typeof Order>;

/** What one order takes, wherever it runs: `signal` aborts at the Lambda deadline, or when the consumer stops. */
export const chargeOrder: ProcessRecord<Order> = async (record, { signal, logger }) => {
  const response = await fetch(process.env.PAYMENTS_URL ?? 'https://payments.example.com/charges', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': record.body.orderId },
    body: JSON.stringify(record.body),
    signal,
  });
  if (!response.ok) throw new Error(`payments answered ${response.status}`);
  logger.info('Order charged', { orderId: record.body.orderId });
};

/** On Lambda. */
export const handler = createBatchHandler(chargeOrder, { schema: Order, concurrency: 8 });

/** Answers 200 with the consumer's status while it receives, 503 otherwise: a liveness probe. */
export function healthServer(consumer: Consumer): Server {
  return createServer((_request, response) => {
    const status = consumer.status();
    const alive = status.state === 'starting' || status.state === 'running';
    response.writeHead(alive ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(status));
  });
}

/** In a container: consume until SIGTERM, SIGINT or `signal`, then drain. Rejects when the queue cannot be used. */
export async function main(signal?: AbortSignal): Promise<void> {
  const queueUrl = process.env.QUEUE_URL;
  if (queueUrl === undefined) throw new Error('QUEUE_URL is not set');
  const consumer = createConsumer(chargeOrder, {
    queueUrl,
    schema: Order,
    concurrency: 50,
    shutdownTimeoutMs: 20_000,
    ...(signal === undefined ? {} : { signal }),
  });
  const health = healthServer(consumer).listen(Number(process.env.HEALTH_PORT ?? 8080));
  const stop = (): void => void consumer.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await consumer.start();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    health.close();
  }
}
