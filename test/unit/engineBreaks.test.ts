import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, sqsEvent } from '../../src/testing/index.js';

// Not expected: every phase settles records instead of throwing. If one throws anyway, every record is still
// answered for, and the error is logged once. The phases are replaced with broken ones on a fresh module graph.
describe('an invocation whose phase breaks', () => {
  afterEach(() => {
    vi.doUnmock('../../src/invocation/runRecords.js');
    vi.doUnmock('../../src/invocation/applyPolicy.js');
    vi.resetModules();
  });

  const logger = () => {
    const lines: string[] = [];
    const write = (message: string) => void lines.push(message);
    return { lines, logger: { debug: write, info: write, warn: write, error: write } };
  };

  it('reports every record when the run itself rejects', async () => {
    vi.resetModules();
    vi.doMock('../../src/invocation/runRecords.js', () => ({
      runRecords: () => Promise.reject(new Error('engine bug')),
    }));
    const { createBatchHandler } = await import('../../src/index.js');
    const { lines, logger: log } = logger();
    const handler = createBatchHandler(() => {}, { logger: log, throwOnFullBatchFailure: false });
    const event = sqsEvent(['a', 'b']);

    const response = await handler(event, lambdaContext());

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.map((r) => r.messageId));
    expect(lines).toContain('The batch loop failed unexpectedly; records without an outcome are reported');
  });

  it('keeps every outcome when the failure policy throws', async () => {
    vi.resetModules();
    vi.doMock('../../src/invocation/applyPolicy.js', () => ({
      applyPolicy: () => Promise.reject(new Error('policy bug')),
    }));
    const { createBatchHandler, PermanentError } = await import('../../src/index.js');
    const { createFakeSqsClient } = await import('../../src/testing/index.js');
    const sqs = createFakeSqsClient();
    const { lines, logger: log } = logger();
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'bad') throw new PermanentError('no');
      },
      { logger: log, onPermanentFailure: 'dead-letter', deadLetter: { queueUrl: sqs.queueUrl('dlq'), client: sqs } },
    );
    const event = sqsEvent(['ok', 'bad']);

    const response = await handler(event, lambdaContext());

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([event.Records[1]?.messageId]);
    expect(lines).toContain('The failure policy failed; records keep their outcome');
  });
});
