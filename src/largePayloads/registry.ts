import type { Feature } from '../contracts/hooks.js';
import { InvalidOptionsError } from '../errors.js';
import type { InvocationPayloads, LargePayloads, LargePayloadsReader } from './contract.js';
import { checkLargePayloads } from './options.js';

export type { InvocationPayloads, LargePayloads, LargePayloadsReader };

let reader: LargePayloadsReader | undefined;

/** Called by the `sqs-partial-batch/large-payloads` entry, and by the lazy load below. */
export function registerLargePayloads(registered: LargePayloadsReader): void {
  reader = registered;
}

/**
 * The checked `largePayloads` option. Its values are checked now, at
 * creation (throws `InvalidOptionsError`); the reader itself (pointer
 * parsing, S3 calls) is imported on demand, a chunk of its own, and the
 * first invocation waits for it (`ready`). Importing
 * `sqs-partial-batch/large-payloads` beforehand loads it eagerly.
 */
export function largePayloadsOption(value: unknown): (LargePayloads & Pick<Feature, 'ready'>) | undefined {
  if (value === undefined) return undefined;
  if (reader !== undefined) return reader.resolve(value);
  checkLargePayloads(value);
  let resolved: LargePayloads | undefined;
  let failure: unknown;
  let loading: Promise<void> | undefined = import('./readerImpl.js').then(
    ({ largePayloadsReader }) => {
      reader ??= largePayloadsReader;
      resolved = reader.resolve(value);
      loading = undefined;
    },
    (error: unknown) => {
      failure = error;
      loading = undefined;
    },
  );
  return {
    deletes:
      value !== null &&
      typeof value === 'object' &&
      (value as { deleteAfterSuccess?: unknown }).deleteAfterSuccess === true,
    ready: () => loading,
    start(concurrency) {
      if (resolved === undefined) {
        throw new InvalidOptionsError(
          `The large-payload reader could not be loaded: ${failure instanceof Error ? failure.message : String(failure)}`,
        );
      }
      return resolved.start(concurrency);
    },
  };
}
