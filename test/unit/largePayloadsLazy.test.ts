import { describe, expect, it, vi } from 'vitest';
import { sqsEvent } from '../../src/testing/index.js';
import { fakeS3, javaPointer } from '../helpers/fakeS3.js';

const BUCKET = 'payloads';

describe('largePayloads without importing its entry', () => {
  it('checks the option at creation and imports the reader on demand; the first invocation waits for it', async () => {
    // A fresh module graph: nothing has registered the reader yet (other test files import the entry).
    vi.resetModules();
    const core = await import('../../src/index.js');
    const registry = await import('../../src/largePayloads/registry.js');
    expect(() => core.createBatchHandler(() => {}, { largePayloads: { allowedBuckets: 'payloads' as never } })).toThrow(
      core.InvalidOptionsError,
    );

    const s3 = fakeS3({ [`${BUCKET}/k`]: JSON.stringify({ orderId: 'o-1' }) });
    const seen: unknown[] = [];
    const handler = core.createBatchHandler(
      (record) => {
        seen.push(record.body);
      },
      { logger: false, largePayloads: { s3, allowedBuckets: [BUCKET] } },
    );
    const option = registry.largePayloadsOption({ s3, allowedBuckets: [BUCKET] });
    expect(option?.ready?.()).toBeInstanceOf(Promise); // this graph had no reader: it is being imported

    const response = await handler(sqsEvent([javaPointer(BUCKET, 'k')]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([JSON.stringify({ orderId: 'o-1' })]);
    expect(s3.calls.map((c) => c.command)).toEqual(['GetObjectCommand']);
  });
});
