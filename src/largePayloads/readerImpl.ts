import type { LargePayloadsReader } from './contract.js';
import { resolveLargePayloads } from './options.js';
import { Payloads } from './payloads.js';

/** The large-payload reader: what the core's registry loads on demand, or the entry registers eagerly. */
export const largePayloadsReader: LargePayloadsReader = {
  resolve(value) {
    const settings = resolveLargePayloads(value) as NonNullable<ReturnType<typeof resolveLargePayloads>>;
    return { deletes: settings.deleteAfterSuccess, start: (concurrency) => new Payloads(settings, concurrency) };
  },
};
