import { afterEach, describe, expect, it, vi } from 'vitest';

// `sqs-partial-batch/sqs` loads @aws-sdk/client-sqs on first use; here it is missing.
describe('sqs-partial-batch/sqs without @aws-sdk/client-sqs', () => {
  afterEach(() => {
    vi.doUnmock('@aws-sdk/client-sqs');
    vi.resetModules();
  });

  it('fails the call with a message that says what to install', async () => {
    vi.resetModules();
    vi.doMock('@aws-sdk/client-sqs', () => {
      throw new Error("Cannot find package '@aws-sdk/client-sqs'");
    });
    const { changeVisibility, sendToQueue } = await import('../../src/sqs.js');
    const client = { send: vi.fn() };

    const change = changeVisibility(client, 'https://queue', [{ receiptHandle: 'r-1', seconds: 5 }]);
    await expect(change).rejects.toThrow(/need @aws-sdk\/client-sqs \(npm install @aws-sdk\/client-sqs\)/);
    await expect(change).rejects.toHaveProperty('cause');

    // sendToQueue reports each record as not sent (so it stays a failure) instead of throwing.
    const record = { messageId: 'm-1', body: '{}' } as Parameters<typeof sendToQueue>[2][number]['record'];
    const failed = await sendToQueue(client, 'https://dlq', [{ record, errorName: 'E', errorMessage: 'boom' }]);
    expect(failed.get('m-1')).toMatch(/npm install @aws-sdk\/client-sqs/);
    expect(client.send).not.toHaveBeenCalled();
  });
});
