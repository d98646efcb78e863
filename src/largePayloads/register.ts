import { resolveLargePayloads } from './options.js';
import { Payloads } from './payloads.js';
import { registerLargePayloads } from './registry.js';

/**
 * Makes `largePayloads` work in every handler, processor and consumer of the
 * process: the `sqs-partial-batch/large-payloads` entry calls it when
 * imported, the consumer when created.
 */
export function registerReader(): void {
  registerLargePayloads({
    resolve(value) {
      const settings = resolveLargePayloads(value) as NonNullable<ReturnType<typeof resolveLargePayloads>>;
      return { deletes: settings.deleteAfterSuccess, start: (concurrency) => new Payloads(settings, concurrency) };
    },
  });
}
