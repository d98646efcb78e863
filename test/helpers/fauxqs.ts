import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

export interface LocalSqs {
  /** The emulator's endpoint, e.g. `http://127.0.0.1:4566`. */
  readonly endpoint: string;
  readonly sqs: SQSClient;
  /** Creates a queue; returns its URL and ARN. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<{ url: string; arn: string }>;
  /** Sends messages, 10 per call. */
  send(url: string, entries: ReadonlyArray<Omit<SendMessageBatchRequestEntry, 'Id'>>): Promise<void>;
  /** Messages visible plus in flight. */
  remaining(url: string): Promise<number>;
  /** Messages visible, and messages in flight. */
  counts(url: string): Promise<{ visible: number; inFlight: number }>;
  /**
   * Takes the emulator off the network (it stops listening and drops every
   * connection) until the returned function brings it back on the same port,
   * its queues and messages as they were: an SQS outage as a client sees it.
   */
  outage(): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

/** fauxqs (an SQS API in memory) on a free loopback port, and a client for it. */
export async function startLocalSqs(): Promise<LocalSqs> {
  const app = buildApp({ logger: false, host: '127.0.0.1' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const sqs = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const counts = async (url: string) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  };
  return {
    endpoint,
    sqs,
    async createQueue(name, attributes = {}) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
    },
    async send(url, entries) {
      for (let i = 0; i < entries.length; i += 10) {
        const chunk = entries.slice(i, i + 10).map((entry, k) => ({ ...entry, Id: String(k) }));
        const { Failed = [] } = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: chunk }));
        if (Failed.length > 0) throw new Error(`could not send ${Failed.length} messages: ${Failed[0]?.Message}`);
      }
    },
    async remaining(url) {
      const { visible, inFlight } = await counts(url);
      return visible + inFlight;
    },
    counts,
    async outage() {
      await new Promise<void>((resolve) => {
        app.server.close(() => resolve());
        app.server.closeAllConnections();
      });
      return () => new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', () => resolve()));
    },
    async stop() {
      sqs.destroy();
      await app.close();
    },
  };
}
